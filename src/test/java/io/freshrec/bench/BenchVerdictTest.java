package io.freshrec.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The met / not-met rules of the bench's targets, at and around each threshold. */
class BenchVerdictTest {

    private static BenchResult.JobThroughput job(int parallelism, double eventsPerSecond, double eventsPerCpuSecond) {
        BenchResult.JobThroughput t = new BenchResult.JobThroughput();
        t.parallelism = parallelism;
        t.eventsPerSecond = eventsPerSecond;
        t.eventsPerCpuSecond = eventsPerCpuSecond;
        return t;
    }

    /** A run with the given figures: the in-memory math at 40,000 events per CPU-second (25 us per event). */
    private static BenchResult run(List<BenchResult.JobThroughput> jobs, double freshnessP99, double lookupP99) {
        BenchResult r = new BenchResult();
        r.machine.cores = 2;
        r.throughput.ceiling.eventsPerSecond = 40_000;
        r.throughput.ceiling.eventsPerCpuSecond = 40_000;
        r.throughput.job.addAll(jobs);
        if (freshnessP99 >= 0) {
            r.freshness.snapshots = 6;
            r.freshness.p99Ms = freshnessP99;
            r.freshness.achievedRate = 5_000;
        }
        if (lookupP99 >= 0) {
            BenchResult.Latency one = new BenchResult.Latency();
            one.clients = 1;
            one.p99Ms = lookupP99;
            r.lookups.queryableState.add(one);
        }
        BenchVerdict.apply(r);
        return r;
    }

    private static Map<String, Boolean> met(BenchResult r) {
        return r.targets.stream().collect(Collectors.toMap(t -> t.name, t -> t.met));
    }

    @Test
    void shouldMeetEachTargetExactlyAtItsThresholdAndNotJustBelow() {
        // 25,000 events/s; CPU per event 5.0x the math's (8,000 events per CPU-second); 250 ms; 1 ms.
        BenchResult at = run(List.of(job(2, 25_000, 8_000)), 250, 1.0);
        assertThat(met(at))
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "throughput, p2, RocksDB + checkpoints", true,
                        "throughput, p2, RocksDB + checkpoints (longer-term goal)", false,
                        "CPU per event, p2, against the in-memory math", true,
                        "freshness p99 at half of the maximum load", true,
                        "lookup p99, one client (queryable state)", true));

        BenchResult below = run(List.of(job(2, 24_999, 7_999)), 251, 1.001);
        assertThat(met(below)).containsOnlyKeys(met(at).keySet()).doesNotContainValue(true);

        BenchResult goal = run(List.of(job(2, 50_000, 20_000)), 100, 0.5);
        assertThat(met(goal)).doesNotContainValue(false);
    }

    @Test
    void shouldJudgeTheWidestParallelismAndSayTheRatioItMeasured() {
        BenchResult r = run(List.of(job(2, 12_000, 6_000), job(1, 30_000, 30_000)), -1, -1);

        BenchResult.Target throughput = r.targets.get(0);
        assertThat(throughput.name).isEqualTo("throughput, p2, RocksDB + checkpoints");
        assertThat(throughput.measured).isEqualTo("12,000 events/s");
        assertThat(throughput.met).isFalse();
        BenchResult.Target cpu = r.targets.get(2);
        assertThat(cpu.measured).isEqualTo("6.7x (167 us against 25 us)");
        assertThat(cpu.met).isFalse();
    }

    @Test
    void shouldLeaveOutTheTargetsOfPhasesThatDidNotRun() {
        assertThat(run(List.of(), -1, -1).targets).isEmpty();
        assertThat(met(run(List.of(), 200, -1))).containsOnlyKeys("freshness p99 at half of the maximum load");
        // No ceiling measured (--only throughput): no CPU ratio to judge.
        BenchResult noCeiling = new BenchResult();
        noCeiling.throughput.job.add(job(2, 30_000, 15_000));
        BenchVerdict.apply(noCeiling);
        assertThat(met(noCeiling))
                .containsOnlyKeys(
                        "throughput, p2, RocksDB + checkpoints",
                        "throughput, p2, RocksDB + checkpoints (longer-term goal)");
    }
}

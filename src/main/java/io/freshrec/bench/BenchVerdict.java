package io.freshrec.bench;

import java.util.Comparator;
import java.util.Locale;

/**
 * The cost-per-event targets, each with the measured figure and whether it is met: throughput at the widest
 * parallelism measured (25,000 events/s on the 2-core reference machine, 50,000 the longer-term goal), its CPU per
 * event against the same math in memory on one thread (at most 5x), freshness p99 at half of the maximum load, and the
 * lookup p99 of one queryable-state client.
 */
final class BenchVerdict {
    static final double EVENTS_PER_SECOND = 25_000;
    static final double EVENTS_PER_SECOND_GOAL = 50_000;
    /** The job's CPU per event over the in-memory math's, measured in the same run. */
    static final double CPU_PER_EVENT_RATIO = 5;

    static final double FRESHNESS_P99_MS = 250;
    static final double LOOKUP_P99_MS = 1;

    private BenchVerdict() {}

    static void apply(BenchResult r) {
        r.targets.clear();
        r.notes.clear();
        notes(r);
        BenchResult.JobThroughput widest = r.throughput.job.stream()
                .max(Comparator.comparingInt((BenchResult.JobThroughput t) -> t.parallelism))
                .orElse(null);
        if (widest != null) {
            String name = String.format(Locale.ROOT, "throughput, p%d, RocksDB + checkpoints", widest.parallelism);
            String measured = String.format(Locale.ROOT, "%,.0f events/s", widest.eventsPerSecond);
            add(r, name, ">= 25,000 events/s", measured, widest.eventsPerSecond >= EVENTS_PER_SECOND);
            add(
                    r,
                    name + " (longer-term goal)",
                    ">= 50,000 events/s",
                    measured,
                    widest.eventsPerSecond >= EVENTS_PER_SECOND_GOAL);
            double ceiling = r.throughput.ceiling.eventsPerCpuSecond;
            if (ceiling > 0 && widest.eventsPerCpuSecond > 0) {
                double ratio = ceiling / widest.eventsPerCpuSecond;
                add(
                        r,
                        String.format(
                                Locale.ROOT, "CPU per event, p%d, against the in-memory math", widest.parallelism),
                        "<= 5x",
                        String.format(
                                Locale.ROOT,
                                "%.1fx (%.0f us against %.0f us)",
                                ratio,
                                1e6 / widest.eventsPerCpuSecond,
                                1e6 / ceiling),
                        ratio <= CPU_PER_EVENT_RATIO);
            }
        }
        if (r.freshness.snapshots == 0) {
            return;
        }
        add(
                r,
                "freshness p99 at half of the maximum load",
                "<= 250 ms",
                String.format(Locale.ROOT, "%.0f ms at %,.0f events/s", r.freshness.p99Ms, r.freshness.achievedRate),
                r.freshness.p99Ms <= FRESHNESS_P99_MS);
        if (!r.lookups.queryableState.isEmpty()) {
            BenchResult.Latency one = r.lookups.queryableState.get(0);
            add(
                    r,
                    "lookup p99, one client (queryable state)",
                    "<= 1 ms",
                    String.format(Locale.ROOT, "%.3f ms", one.p99Ms),
                    one.p99Ms <= LOOKUP_P99_MS);
        }
    }

    /** What the figures depend on, from the measurements themselves. */
    private static void notes(BenchResult r) {
        BenchResult.Machine m = r.machine;
        if (m.load1Max > m.cores) {
            r.notes.add(String.format(
                    Locale.ROOT,
                    "the machine was shared: 1-minute load average %.1f before, up to %.1f during the run, "
                            + "on %d cores; every figure is lower (latencies higher) than on an idle machine",
                    m.load1Before,
                    m.load1Max,
                    m.cores));
        }
        BenchResult.Ceiling c = r.throughput.ceiling;
        if (c.eventsPerCpuSecond > 0 && c.updatesOnlyEventsPerCpuSecond > 0) {
            double listShare = 100 * (1 - c.eventsPerCpuSecond / c.updatesOnlyEventsPerCpuSecond);
            r.notes.add(String.format(
                    Locale.ROOT,
                    "in memory on one thread the model updates alone take %.0f us of CPU per event; with the "
                            + "top-N list recomputed for each event's user (what serving does) %.0f us: the lists take %.0f%% of the time per event",
                    1e6 / c.updatesOnlyEventsPerCpuSecond,
                    1e6 / c.eventsPerCpuSecond,
                    listShare));
            if (c.eventsPerCpuSecond > 0 && c.eventsPerCpuSecond * m.cores < EVENTS_PER_SECOND_GOAL) {
                r.notes.add(String.format(
                        Locale.ROOT,
                        "the model math alone takes %.0f us of CPU per event (%,.0f events per CPU-second in "
                                + "memory): %d cores doing nothing else would reach %,.0f events/s, below 50,000",
                        1e6 / c.eventsPerCpuSecond,
                        c.eventsPerCpuSecond,
                        m.cores,
                        c.eventsPerCpuSecond * m.cores));
            }
        }
        for (BenchResult.JobThroughput t : r.throughput.job) {
            if (t.eventsPerCpuSecond > 0 && c.eventsPerCpuSecond > 0) {
                r.notes.add(String.format(
                        Locale.ROOT,
                        "parallelism %d: %.0f us of CPU per event in the job against %.0f us in memory "
                                + "(%.1fx): the rest is generating and parsing the records, RocksDB, serialization, buffers, timers, checkpoints and "
                                + "the model's broadcast to serving; "
                                + "the job kept %.2f of %d cores busy",
                        t.parallelism,
                        1e6 / t.eventsPerCpuSecond,
                        1e6 / c.eventsPerCpuSecond,
                        c.eventsPerCpuSecond / t.eventsPerCpuSecond,
                        t.coresUsed,
                        m.cores));
            }
        }
        for (BenchResult.JobThroughput t : r.throughput.job) {
            BenchResult.JobThroughput floor = r.throughput.floor.stream()
                    .filter(f -> f.parallelism == t.parallelism)
                    .findFirst()
                    .orElse(null);
            if (floor == null || floor.eventsPerCpuSecond <= 0 || t.eventsPerCpuSecond <= 0) {
                continue;
            }
            double jobUs = 1e6 / t.eventsPerCpuSecond;
            double floorUs = 1e6 / floor.eventsPerCpuSecond;
            r.notes.add(String.format(
                    Locale.ROOT,
                    "parallelism %d: the engine floor (the same source and parse, one keyed RocksDB ValueState update "
                            + "per event, the same checkpoints) reaches %,.0f events/s at %.0f us of CPU per event; "
                            + "the job reaches %.0f%% of that rate at %.0f us: %.0f us per event (%.0f%% of the job's "
                            + "CPU) go to the job's own operators (history, model, gate, broadcast, serving) above the "
                            + "engine's floor",
                    t.parallelism,
                    floor.eventsPerSecond,
                    floorUs,
                    t.percentOfFloor,
                    jobUs,
                    Math.max(0, jobUs - floorUs),
                    Math.max(0, 100 * (1 - floorUs / jobUs))));
        }
        BenchResult.Settings s = r.settings;
        if (r.freshness.snapshots > 0) {
            r.notes.add(String.format(
                    Locale.ROOT,
                    "freshness includes waiting for the watermark: user-history applies interactions in "
                            + "event-time order once the watermark passes them, %d ms out-of-orderness plus up to %d ms between watermarks "
                            + "(freshrec.watermark.out-of-orderness, pipeline.auto-watermark-interval)",
                    s.watermarkOutOfOrdernessMs,
                    s.autoWatermarkIntervalMs));
        }
        if (r.lookups.conditions != null) {
            r.notes.add("lookups: " + r.lookups.conditions
                    + "; both stores answer with the same serialized list, deserialized by the client");
        }
    }

    private static void add(BenchResult r, String name, String target, String measured, boolean met) {
        BenchResult.Target t = new BenchResult.Target();
        t.name = name;
        t.target = target;
        t.measured = measured;
        t.met = met;
        r.targets.add(t);
    }
}

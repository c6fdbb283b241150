package io.freshrec.bench;

import java.util.Comparator;
import java.util.Locale;

/** The targets, each with the measured figure and whether it is met. */
final class BenchVerdict {
    static final double EVENTS_PER_SECOND = 50_000;
    static final double PERCENT_OF_CEILING = 30;
    static final double FRESHNESS_P99_MS = 250;
    static final double LOOKUP_P99_MS = 1;

    private BenchVerdict() {}

    static void apply(BenchResult r) {
        r.targets.clear();
        BenchResult.JobThroughput widest = r.throughput.job.stream()
                .max(Comparator.comparingInt((BenchResult.JobThroughput t) -> t.parallelism)).orElse(null);
        if (widest != null) {
            add(r, String.format(Locale.ROOT, "throughput, p%d, RocksDB + checkpoints", widest.parallelism), ">= 50,000 events/s",
                    String.format(Locale.ROOT, "%,.0f events/s", widest.eventsPerSecond), widest.eventsPerSecond >= EVENTS_PER_SECOND);
            add(r, "share of the in-memory ceiling", ">= 30%",
                    String.format(Locale.ROOT, "%.1f%% of %,.0f events/s", widest.percentOfCeiling, r.throughput.ceiling.eventsPerSecond),
                    widest.percentOfCeiling >= PERCENT_OF_CEILING);
        }
        add(r, "freshness p99 at half of the maximum load", "<= 250 ms",
                String.format(Locale.ROOT, "%.0f ms at %,.0f events/s", r.freshness.p99Ms, r.freshness.achievedRate),
                r.freshness.snapshots > 0 && r.freshness.p99Ms <= FRESHNESS_P99_MS);
        if (!r.lookups.queryableState.isEmpty()) {
            BenchResult.Latency one = r.lookups.queryableState.get(0);
            add(r, "lookup p99, one client (queryable state)", "<= 1 ms", String.format(Locale.ROOT, "%.3f ms", one.p99Ms),
                    one.p99Ms <= LOOKUP_P99_MS);
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

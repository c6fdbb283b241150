package io.freshrec.bench;

import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The bench's figures as the table it prints (and docs/benchmark.md shows). */
final class BenchTable {
    private BenchTable() {}

    static void print(BenchResult r, PrintWriter out) {
        BenchResult.Settings s = r.settings;
        out.println();
        out.printf(
                Locale.ROOT,
                "FreshRec bench%s: %,d users, %,d items, history length %d, %s state, checkpoints every %s%s; %d cores, %s%n",
                s.quick ? " (quick)" : "",
                s.users,
                s.items,
                s.historyLength,
                s.stateBackend,
                s.checkpointInterval,
                s.incrementalCheckpoints ? " (incremental)" : "",
                r.machine.cores,
                r.machine.java);
        out.printf(
                Locale.ROOT,
                "Load average (1 min): %.2f before, %.2f after, %.2f highest seen%n",
                r.machine.load1Before,
                r.machine.load1After,
                r.machine.load1Max);
        if (s.phases.contains("ceiling") || s.phases.contains("throughput")) {
            throughput(r, out);
        }
        if (s.phases.contains("freshness")) {
            freshnessLookupsState(r, out);
        }
        if (s.phases.contains("growth")) {
            growth(r, out);
        }
        if (s.phases.contains("history")) {
            historyLength(r, out);
        }
        if (s.phases.contains("soak")) {
            soak(r, out);
        }
        out.println();
        out.println("| target | goal | measured | met |");
        out.println("| --- | --- | --- | --- |");
        for (BenchResult.Target t : r.targets) {
            out.printf(Locale.ROOT, "| %s | %s | %s | %s |%n", t.name, t.target, t.measured, t.met ? "yes" : "NO");
        }
        for (String note : r.notes) {
            out.println("Note: " + note);
        }
        out.flush();
    }

    private static void throughput(BenchResult r, PrintWriter out) {
        BenchResult.Ceiling c = r.throughput.ceiling;
        out.println();
        out.println(
                "| throughput | events/s | of ceiling | cores busy | events per CPU-second | of ceiling's | checkpoints in window | checkpoint mean / max | state |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        out.printf(
                Locale.ROOT,
                "| in-memory ceiling (1 thread, same model math) | %,.0f | 100%% | 1 | %,.0f | 100%% | - | - | - |%n",
                c.eventsPerSecond,
                c.eventsPerCpuSecond);
        out.printf(
                Locale.ROOT,
                "| in memory, model updates alone (no top-N list per event) | %,.0f | - | 1 | %,.0f | - | - | - | - |%n",
                c.updatesOnlyEventsPerSecond,
                c.updatesOnlyEventsPerCpuSecond);
        for (BenchResult.JobThroughput t : r.throughput.job) {
            throughputRow(
                    out, String.format(Locale.ROOT, "job, parallelism %d, RocksDB + checkpoints", t.parallelism), t);
        }
        for (BenchResult.JobThroughput t : r.throughput.floor) {
            throughputRow(
                    out,
                    String.format(
                            Locale.ROOT,
                            "engine floor, parallelism %d (same source + parse, one keyed RocksDB update, checkpoints)",
                            t.parallelism),
                    t);
        }
        for (BenchResult.JobThroughput t : r.throughput.job) {
            if (t.floorEventsPerSecond > 0) {
                out.printf(
                        Locale.ROOT,
                        "job, parallelism %d: %,.0f events/s = %.0f%% of the engine floor (%,.0f events/s)%n",
                        t.parallelism,
                        t.eventsPerSecond,
                        t.percentOfFloor,
                        t.floorEventsPerSecond);
            }
        }
    }

    private static void throughputRow(PrintWriter out, String name, BenchResult.JobThroughput t) {
        out.printf(
                Locale.ROOT,
                "| %s | %,.0f | %.1f%% | %.2f | %,.0f | %.1f%% | %d | %.1f / %.1f s | %s |%n",
                name,
                t.eventsPerSecond,
                t.percentOfCeiling,
                t.coresUsed,
                t.eventsPerCpuSecond,
                t.percentOfCeilingPerCpuSecond,
                t.checkpoints.completed,
                t.checkpoints.durationMsMean / 1000,
                t.checkpoints.durationMsMax / 1000,
                Bench.bytes((long) t.checkpoints.stateBytesMean));
    }

    private static void freshnessLookupsState(BenchResult r, PrintWriter out) {
        BenchResult.Freshness f = r.freshness;
        out.println();
        out.printf(
                Locale.ROOT,
                "Freshness at half of the maximum load (%,.0f events/s, parallelism %d): p50 %.0f ms, p99 %.0f ms%n",
                f.achievedRate,
                f.parallelism,
                f.p50Ms,
                f.p99Ms);
        out.println();
        BenchResult.LookupFigures l = r.lookups;
        out.printf(
                Locale.ROOT,
                "Lookups of %,d users' lists (%.0f B serialized; %s):%n",
                l.keys,
                l.valueBytesMean,
                l.conditions);
        out.println("| store | clients | p50 ms | p99 ms | p99.9 ms | lookups/s |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: |");
        latencyRows(out, "queryable state", l.queryableState);
        latencyRows(out, "Redis " + l.redisVersion + " (jedis)", l.redis);
        latencyRows(out, "gateway, own JVM (HTTP/1.1 keep-alive, JSON, token)", l.gateway);
        out.println();
        BenchResult.State st = r.state;
        out.printf(
                Locale.ROOT,
                "State after the freshness run (%,d events): %,d users, %,d items; checkpoint %s in %.0f ms (%s uploaded, incremental)%n",
                st.events,
                st.users,
                st.items,
                Bench.bytes(st.checkpointBytes),
                st.checkpointDurationMs,
                Bench.bytes(st.checkpointedBytes));
        out.printf(
                Locale.ROOT,
                "  %.0f B per user (user-history + serving, with serving's broadcast model copy), %.0f B per item (item-model); by operator: %s%n",
                st.bytesPerUser,
                st.bytesPerItem,
                operators(st.bytesByOperator));
        out.printf(
                Locale.ROOT,
                "  savepoint %s in %.1f s; restore until lookups answer %.1f s%n",
                Bench.bytes(st.savepointBytes),
                st.savepointSeconds,
                st.restoreSeconds);
    }

    private static void growth(BenchResult r, PrintWriter out) {
        BenchResult.Growth g = r.growth;
        out.println();
        out.printf(
                Locale.ROOT,
                "Growth with users (%d event%s per user, users created in turn):%n",
                g.eventsPerUser,
                g.eventsPerUser == 1 ? "" : "s");
        out.println(
                "| users | items | events/s | checkpoint | checkpoint ms | B per user | B per added user | B per item | savepoint | savepoint s | restore s | lookup p99 ms |");
        out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (BenchResult.GrowthLevel level : g.levels) {
            out.printf(
                    Locale.ROOT,
                    "| %,d | %,d | %s | %s | %.0f | %.0f | %s | %.0f | %s | %.1f | %.1f | %.3f |%n",
                    level.users,
                    level.items,
                    Bench.rate(level.eventsPerSecond),
                    Bench.bytes(level.checkpointBytes),
                    level.checkpointDurationMs,
                    level.bytesPerUser,
                    level.marginalBytesPerUser > 0
                            ? String.format(Locale.ROOT, "%.0f", level.marginalBytesPerUser)
                            : "-",
                    level.bytesPerItem,
                    Bench.bytes(level.savepointBytes),
                    level.savepointSeconds,
                    level.restoreSeconds,
                    level.lookups == null ? Double.NaN : level.lookups.p99Ms);
        }
        for (String skipped : g.skipped) {
            out.println("  " + skipped);
        }
    }

    private static void soak(BenchResult r, PrintWriter out) {
        BenchResult.Soak soak = r.soak;
        out.println();
        out.printf(
                Locale.ROOT,
                "Soak: %,.0f events/s at parallelism %d for %.1f min, %.1f%% bad records; judged from minute %.1f on"
                        + " (a series fails when its fitted rise over the warm span exceeds a quarter of its mean, or"
                        + " its floor): %s%n",
                soak.targetRate,
                soak.parallelism,
                soak.minutes,
                soak.badRate * 100,
                soak.warmupMinutes,
                soak.passed ? "PASSED" : "FAILED");
        out.println(
                "| series | first | last | mean (warm) | slope per min | rise over the warm span | allowed | holds |");
        out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
        for (BenchResult.SoakVerdict v : soak.verdicts) {
            out.printf(
                    Locale.ROOT,
                    "| %s (%s) | %.2f | %.2f | %.2f | %+.3f | %+.2f | %.2f | %s |%n",
                    v.series,
                    v.unit,
                    v.first,
                    v.last,
                    v.mean,
                    v.slopePerMinute,
                    v.rise,
                    v.allowed,
                    v.holds ? "yes" : "NO");
        }
    }

    private static void historyLength(BenchResult r, PrintWriter out) {
        out.println();
        if (!r.historyLength.isEmpty()) {
            BenchResult.HistoryLength first = r.historyLength.get(0);
            out.printf(
                    Locale.ROOT,
                    "By history length (%,d users created in turn, %d events each):%n",
                    first.users,
                    first.eventsPerUser);
        }
        out.println(
                "| history length | events/s (job) | events/s (ceiling, same stream) | user-history B per user | user-history state | checkpoint | checkpoint ms |");
        out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (BenchResult.HistoryLength h : r.historyLength) {
            out.printf(
                    Locale.ROOT,
                    "| %d | %s | %,.0f | %.0f | %s | %s | %.0f |%n",
                    h.historyLength,
                    Bench.rate(h.eventsPerSecond),
                    h.ceilingEventsPerSecond,
                    h.bytesPerUser,
                    Bench.bytes(h.userHistoryBytes),
                    Bench.bytes(h.checkpointBytes),
                    h.checkpointDurationMs);
        }
    }

    private static void latencyRows(PrintWriter out, String store, List<BenchResult.Latency> rows) {
        for (BenchResult.Latency l : rows) {
            out.printf(
                    Locale.ROOT,
                    "| %s | %d | %.3f | %.3f | %.3f | %,.0f |%n",
                    store,
                    l.clients,
                    l.p50Ms,
                    l.p99Ms,
                    l.p999Ms,
                    l.perSecond);
        }
    }

    private static String operators(Map<String, Long> byVertex) {
        StringBuilder text = new StringBuilder();
        byVertex.forEach((name, bytes) -> {
            if (bytes > 0) {
                text.append(text.length() == 0 ? "" : ", ")
                        .append(name)
                        .append(' ')
                        .append(Bench.bytes(bytes));
            }
        });
        return text.toString();
    }
}

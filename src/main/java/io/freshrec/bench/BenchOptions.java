package io.freshrec.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Sizes and durations of a bench run (the command line fills them; {@link #quick()} is the smoke-run preset). */
public final class BenchOptions {
    public Path out = Path.of("target/bench");
    public Path flinkConf = Path.of("flink-conf");
    public Map<String, String> overrides = new LinkedHashMap<>();
    public boolean quick;
    public int users = 10_000;
    public int items = 5_000;
    public long seed = 42;
    public List<Integer> parallelisms = List.of(1, 2);
    public Duration ceilingWarmup = Duration.ofSeconds(5);
    public Duration ceilingWindow = Duration.ofSeconds(10);
    /** Unthrottled runs: warm-up (the first checkpoints happen in it), then the measuring window. */
    public Duration warmup = Duration.ofSeconds(20);

    public Duration window = Duration.ofSeconds(40);
    public Duration freshnessWarmup = Duration.ofSeconds(15);
    public Duration freshnessWindow = Duration.ofSeconds(30);
    public int lookupsPerClient = 20_000;
    public int clients = 4;
    public List<Long> growthUsers = List.of(10_000L, 100_000L, 1_000_000L);
    public int growthEventsPerUser = 1;
    /** Growth levels that would take longer than this in all (at the measured rate) are skipped and reported. */
    public Duration growthBudget = Duration.ofMinutes(12);

    public List<Integer> historyLengths = List.of(8, 32);
    /** Events of each history-length run: users created in turn, twice the longest history length each. */
    public long historyEvents = 60_000;
    /** REST base+81, queryable-state proxy base+69 and server base+67, Redis base+79. */
    public int portBase = 32_000;

    /** The soak: how long, how often it samples, and from when its series are judged. */
    public Duration soakDuration = Duration.ofMinutes(30);

    public Duration soakInterval = Duration.ofMinutes(1);
    public Duration soakWarmup = Duration.ofMinutes(5);

    public Duration progress = Duration.ofSeconds(5);
    public boolean keepState;
    /** The phases to run: ceiling, throughput (the job and the engine floor), freshness (with lookups, state and restore), growth, history. */
    public Set<String> phases = new LinkedHashSet<>(PHASES);

    public static final List<String> PHASES = List.of("ceiling", "throughput", "freshness", "growth", "history");

    /** Phases run only when named (--only): the soak takes half an hour by default. */
    public static final List<String> OPTIONAL_PHASES = List.of("soak");

    /** About two minutes: every phase, small sizes. */
    public static BenchOptions quick() {
        BenchOptions o = new BenchOptions();
        o.quick = true;
        o.ceilingWarmup = Duration.ofSeconds(2);
        o.ceilingWindow = Duration.ofSeconds(3);
        o.warmup = Duration.ofSeconds(11);
        o.window = Duration.ofSeconds(10);
        o.freshnessWarmup = Duration.ofSeconds(5);
        o.freshnessWindow = Duration.ofSeconds(10);
        o.lookupsPerClient = 3_000;
        o.clients = 4;
        o.growthUsers = List.of(2_000L, 20_000L);
        o.growthBudget = Duration.ofMinutes(2);
        o.historyLengths = List.of(8, 32);
        o.historyEvents = 8_000;
        o.parallelisms = List.of(1, 2);
        o.soakDuration = Duration.ofSeconds(90);
        o.soakInterval = Duration.ofSeconds(10);
        o.soakWarmup = Duration.ofSeconds(20);
        return o;
    }
}

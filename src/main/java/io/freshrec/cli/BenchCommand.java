package io.freshrec.cli;

import io.freshrec.bench.Bench;
import io.freshrec.bench.BenchOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec bench}: throughput, freshness, lookups (next to Redis), state, checkpoints, restores, growth. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description = {
            "Benchmark the job on an embedded Flink with RocksDB and checkpoints: maximum events/s at parallelism 1 and 2 "
                    + "next to the single-thread in-memory ceiling; freshness at half of that load; lookups through queryable state "
                    + "next to Redis (redis-server started and stopped by the bench); state per user and item, checkpoints, "
                    + "savepoint and restore; growth with users and history length.",
            "Prints a table and writes bench.json and bench.png to --out. Default: about 12-15 minutes; --quick about 3."
        })
final class BenchCommand implements Callable<Integer> {
    @Option(names = "--quick", description = "Smoke run: every phase with short windows and small growth levels.")
    boolean quick;

    @Option(
            names = "--out",
            defaultValue = "target/bench",
            description = "Directory for bench.json and bench.png. Default: ${DEFAULT-VALUE}.")
    Path out;

    @Option(names = "--users", description = "Generator users (default 10000).")
    Integer users;

    @Option(names = "--items", description = "Generator catalogue size (default 5000).")
    Integer items;

    @Option(
            names = "--parallelism",
            split = ",",
            paramLabel = "P",
            description = "Parallelisms of the throughput runs (default 1,2).")
    List<Integer> parallelisms;

    @Option(
            names = "--ceiling-window",
            converter = DurationConverter.class,
            description =
                    "Measuring window of each in-memory ceiling (default 10s after 5s warm-up; quick 3s after 2s).")
    Duration ceilingWindow;

    @Option(
            names = "--warmup",
            converter = DurationConverter.class,
            description = "Warm-up of each maximum-throughput run (default 20s; quick 11s).")
    Duration warmup;

    @Option(
            names = "--window",
            converter = DurationConverter.class,
            description = "Measuring window of each maximum-throughput run (default 40s; quick 10s).")
    Duration window;

    @Option(
            names = "--freshness-window",
            converter = DurationConverter.class,
            description = "Measuring window at half load (default 30s; quick 10s).")
    Duration freshnessWindow;

    @Option(
            names = "--lookups",
            paramLabel = "N",
            description = "Timed lookups by one client; several clients share as many (default 20000; quick 3000).")
    Integer lookups;

    @Option(names = "--clients", description = "Concurrent lookup clients (default 4).")
    Integer clients;

    @Option(
            names = "--growth-users",
            split = ",",
            paramLabel = "N",
            description = "User counts of the growth levels (default 10000,100000,1000000; quick 2000,20000).")
    List<Long> growthUsers;

    @Option(
            names = "--growth-events-per-user",
            paramLabel = "K",
            description = "Events per user in the growth levels (default 1).")
    Integer growthEventsPerUser;

    @Option(
            names = "--growth-budget",
            converter = DurationConverter.class,
            description = "Skip growth levels estimated to take longer in all (default 12min; quick 2min).")
    Duration growthBudget;

    @Option(
            names = "--history-lengths",
            split = ",",
            paramLabel = "H",
            description = "History lengths to compare (default 8,32).")
    List<Integer> historyLengths;

    @Option(
            names = "--history-events",
            paramLabel = "N",
            description = "Events of each history-length run (default 60000; quick 8000).")
    Long historyEvents;

    @Option(
            names = "--port-base",
            description =
                    "Ports: REST base+81, queryable-state proxy base+69 and server base+67, Redis base+79. Default 32000.")
    Integer portBase;

    @Option(
            names = "--only",
            split = ",",
            paramLabel = "PHASE",
            description =
                    "Run only these phases: ceiling, throughput (the job and the engine floor at each parallelism), freshness (with lookups, state, savepoint and restore; "
                            + "needs throughput), growth, history, soak (half an hour at half load: needs throughput; only when named)."
                            + " Default: all but soak.")
    List<String> only;

    @Option(
            names = "--soak",
            converter = DurationConverter.class,
            description =
                    "Length of the soak phase (--only throughput,soak; default 30min; quick 90s), sampled every minute"
                            + " (--soak-interval; quick 10s).")
    Duration soak;

    @Option(
            names = "--soak-interval",
            converter = DurationConverter.class,
            description = "How often the soak samples (default 1min; quick 10s).")
    Duration soakInterval;

    @Option(names = "--keep-state", description = "Keep checkpoints, savepoints and Redis' directory under OUT/work.")
    boolean keepState;

    @Mixin
    ConfigOptions configOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        BenchOptions o = quick ? BenchOptions.quick() : new BenchOptions();
        o.out = out;
        o.flinkConf = configOptions.directory();
        o.overrides = configOptions.overrides;
        o.keepState = keepState;
        if (users != null) {
            o.users = positive(users, "--users");
        }
        if (items != null) {
            o.items = positive(items, "--items");
        }
        if (parallelisms != null) {
            parallelisms.forEach(p -> positive(p, "--parallelism"));
            o.parallelisms = parallelisms;
        }
        if (ceilingWindow != null) {
            o.ceilingWindow = nonZero(ceilingWindow, "--ceiling-window");
            o.ceilingWarmup = o.ceilingWarmup.compareTo(o.ceilingWindow) > 0 ? o.ceilingWindow : o.ceilingWarmup;
        }
        if (warmup != null) {
            o.warmup = warmup;
        }
        if (window != null) {
            o.window = nonZero(window, "--window");
        }
        if (freshnessWindow != null) {
            o.freshnessWindow = nonZero(freshnessWindow, "--freshness-window");
        }
        if (lookups != null) {
            o.lookupsPerClient = positive(lookups, "--lookups");
        }
        if (clients != null) {
            o.clients = positive(clients, "--clients");
        }
        if (growthUsers != null) {
            growthUsers.forEach(n -> positive(n, "--growth-users"));
            o.growthUsers = growthUsers.stream().sorted().distinct().toList();
        }
        if (growthEventsPerUser != null) {
            o.growthEventsPerUser = positive(growthEventsPerUser, "--growth-events-per-user");
        }
        if (growthBudget != null) {
            o.growthBudget = growthBudget;
        }
        if (historyLengths != null) {
            historyLengths.forEach(h -> positive(h, "--history-lengths"));
            o.historyLengths = historyLengths;
        }
        if (historyEvents != null) {
            o.historyEvents = positive(historyEvents, "--history-events");
        }
        if (soak != null) {
            o.soakDuration = nonZero(soak, "--soak");
            // Judged from a sixth of the way in: the first minutes fill caches, state and the JIT.
            o.soakWarmup = soak.dividedBy(6);
        }
        if (soakInterval != null) {
            o.soakInterval = nonZero(soakInterval, "--soak-interval");
        }
        if (portBase != null) {
            if (portBase < 1024 || portBase > 65_400) {
                throw new IllegalArgumentException("--port-base must be in [1024, 65400]");
            }
            o.portBase = portBase;
        }
        if (only != null) {
            for (String phase : only) {
                if (!BenchOptions.PHASES.contains(phase) && !BenchOptions.OPTIONAL_PHASES.contains(phase)) {
                    throw new IllegalArgumentException("--only: unknown phase '" + phase + "' ("
                            + String.join(", ", BenchOptions.PHASES) + ", "
                            + String.join(", ", BenchOptions.OPTIONAL_PHASES) + ")");
                }
            }
            if ((only.contains("freshness") || only.contains("soak")) && !only.contains("throughput")) {
                throw new IllegalArgumentException(
                        "--only freshness and soak need throughput too (they run at half of the measured maximum)");
            }
            o.phases = new LinkedHashSet<>(only);
        }
        new Bench(o, spec.commandLine().getOut()).run();
        return 0;
    }

    private static <N extends Number> N positive(N value, String option) {
        if (value.longValue() < 1) {
            throw new IllegalArgumentException(option + " must be at least 1");
        }
        return value;
    }

    private static Duration nonZero(Duration value, String option) {
        if (value.isZero()) {
            throw new IllegalArgumentException(option + " must be longer than 0");
        }
        return value;
    }
}

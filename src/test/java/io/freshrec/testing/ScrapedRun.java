package io.freshrec.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The embedded run started from the project's flink-conf ({@code freshrec run}, as a user starts it) on a small
 * replayed file with a few bad records, scraped through its Prometheus endpoint until the whole file was learnt and
 * served and a checkpoint completed: by then every operator has registered its metrics. The monitoring tests
 * (PrometheusMetricsTest: the figures; GrafanaDashboardTest: the dashboard's metric names) read the same run: it is
 * started once per test JVM, by whichever asks first.
 */
public final class ScrapedRun {
    public static final String OPERATOR_PREFIX = "flink_taskmanager_job_task_operator_";

    /** Ports of this run only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static Result shared;

    /**
     * What the run was given and what it served.
     *
     * @param valid valid events in the file
     * @param bad records of the file that are dead letters
     * @param users distinct users in the file
     * @param items distinct items in the file
     * @param scrape the last scrape taken while it ran
     * @param prometheusAddresses the addresses the socket serving {@code /metrics} was bound to, while it ran
     * @param run the command's exit status and output, once it ended
     */
    public record Result(
            int valid,
            int bad,
            int users,
            int items,
            PrometheusScrape scrape,
            List<String> prometheusAddresses,
            CliRun run) {
        /** The scrape's sums by name ({@link PrometheusScrape#sums()}). */
        public Map<String, Double> sums() {
            return scrape.sums();
        }
    }

    private ScrapedRun() {}

    /** The run of this JVM, started (and waited for, about a minute) on the first call. */
    public static synchronized Result shared() throws Exception {
        if (shared == null) {
            Path work = Files.createTempDirectory("freshrec-scraped-run");
            try {
                shared = run(work);
            } finally {
                deleteRecursively(work);
            }
        }
        return shared;
    }

    private static Result run(Path work) throws Exception {
        Path input = work.resolve("u.data");
        StringBuilder lines = new StringBuilder();
        Set<Integer> users = new HashSet<>();
        Set<Integer> items = new HashSet<>();
        long second = 900_000_000L;
        int valid = 0;
        for (int i = 0; i < 3000; i++) {
            int user = 1 + (i * 13) % 90;
            int item = 1 + (i * 7 + user * 3) % 150;
            users.add(user);
            items.add(item);
            lines.append(user)
                    .append('\t')
                    .append(item)
                    .append('\t')
                    .append(1 + i % 5)
                    .append('\t')
                    .append(second + i)
                    .append('\n');
            valid++;
            if (i % 500 == 0) {
                lines.append("not\ta\trating\n");
            }
        }
        int bad = 6;
        Files.writeString(input, lines);

        int prometheusPort = PORTS.port(3);
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of(
                "run",
                "--flink-conf",
                "flink-conf",
                "--input",
                input.toString(),
                "--keep-running",
                "--duration",
                "60s",
                "--progress",
                "2s",
                "--dead-letters",
                work.resolve("dead").toString(),
                "--registry",
                work.resolve("versions").toString(),
                "-D",
                "rest.port=" + PORTS.port(0),
                "-D",
                "queryable-state.proxy.ports=" + PORTS.port(1),
                "-D",
                "queryable-state.server.ports=" + PORTS.port(2),
                "-D",
                "metrics.reporter.prom.port=" + prometheusPort,
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp")));
        PrometheusScrape scrape = new PrometheusScrape(List.of());
        List<String> addresses;
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(55);
            // Until the whole file was learnt and served (users are counted when served) and a checkpoint completed.
            while (System.nanoTime() < deadline && !ready(scrape.sums(), valid, users.size(), items.size())) {
                Thread.sleep(1000);
                PrometheusScrape latest = PrometheusScrape.fetch(prometheusPort);
                scrape = latest.isEmpty() ? scrape : latest; // a scrape can time out on a loaded machine
            }
            addresses = ListeningSockets.addresses(prometheusPort);
        } finally {
            // The run ends by itself (--duration); a failure above still waits for it, so the ports are free again.
            run.get(120, TimeUnit.SECONDS);
        }
        return new Result(valid, bad, users.size(), items.size(), scrape, addresses, run.get());
    }

    private static boolean ready(Map<String, Double> metrics, int valid, int users, int items) {
        return metrics.getOrDefault(OPERATOR_PREFIX + "eventsTotal", 0.0) == valid
                && metrics.getOrDefault(OPERATOR_PREFIX + "users", 0.0) == users
                && metrics.getOrDefault(OPERATOR_PREFIX + "items", 0.0) == items
                && metrics.getOrDefault("flink_jobmanager_job_lastCheckpointSize", -1.0) > 0;
    }

    /** Best effort: a file left in the temporary directory is not worth failing the tests that read the run. */
    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        } catch (IOException | UncheckedIOException leftBehind) {
            // the system's temporary directory is cleaned eventually
        }
    }
}

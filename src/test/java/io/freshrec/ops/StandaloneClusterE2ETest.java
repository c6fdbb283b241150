package io.freshrec.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.ClusterPids;
import io.freshrec.testing.ClusterPorts;
import io.freshrec.testing.ListeningSockets;
import io.freshrec.testing.VersionLists;
import io.freshrec.testing.VersionLists.Served;
import io.freshrec.versions.DeploymentRecord;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

/**
 * FreshRec on a real standalone Flink cluster, as a user runs it: the cluster script starts a JobManager and a
 * TaskManager (separate JVMs, Maven-resolved Flink 1.20.0 jars), the CLI submits the packaged jar through REST,
 * lookups go through the TaskManager's queryable-state proxy, a version is taken, the model moves on, the
 * TaskManager is killed with SIGKILL and replaced (the job recovers from its checkpoint and serves the same lists),
 * and a rollback brings back exactly the lists of the version. Needs target/freshrec.jar (the CLI) and
 * target/freshrec-cluster.jar (the job it submits, submit's default jar): run it with
 * {@code mvn -B -Pcluster-e2e verify}. Prints a timing table and writes it to target/cluster-e2e/report.txt.
 */
class StandaloneClusterE2ETest {
    /** Ports of this class only (a cluster started by hand, another build or another test may run meanwhile). */
    private static final ClusterPorts PORTS = new ClusterPorts();

    private static final int PORT_BASE = PORTS.portBase;
    private static final int PROXY_PORT = PORTS.proxy;
    private static final int SERVER_PORT = PORTS.server;
    private static final int REST_PORT = PORTS.rest;
    private static final URI REST = URI.create("http://127.0.0.1:" + REST_PORT);
    private static final Path WORK = Path.of("target/cluster-e2e").toAbsolutePath();
    private static final Path CLUSTER = WORK.resolve("flink-cluster");
    private static final ClusterPids PIDS = new ClusterPids(CLUSTER);
    private static final Path REGISTRY = WORK.resolve("versions");
    /** The job jar for clusters (submit's default): no Flink runtime inside, the cluster's own classes run it. */
    private static final Path JAR = Path.of("target/freshrec-cluster.jar").toAbsolutePath();
    /** The CLI: the jar with everything, as a user runs it. */
    private static final Path CLI = Path.of("target/freshrec.jar").toAbsolutePath();

    private static final Path SCRIPT =
            Path.of("src/main/scripts/flink-cluster.sh").toAbsolutePath();
    private static final Duration COMMAND_TIMEOUT = Duration.ofMinutes(4);

    private static final int USERS = 150;
    private static final List<String> GENERATOR =
            List.of("--rate", "0", "--users", String.valueOf(USERS), "--items", "300", "--bad-rate", "0");

    private final FlinkRest flink = new FlinkRest(REST);
    private final VersionLists lists = new VersionLists("127.0.0.1", PROXY_PORT, REST);
    private final Map<String, String> timings = new LinkedHashMap<>();

    private record Result(int code, String out) {}

    @Test
    void shouldServeRecoverAndRollBackOnAStandaloneCluster() throws Exception {
        assertThat(JAR)
                .as("the packaged job jar (mvn -B -Pcluster-e2e verify builds it first)")
                .isRegularFile();
        assertThat(CLI).isRegularFile();
        // The cluster's Flink runs it: none of Flink's runtime inside, and a small share of the embedded run's jar.
        try (var jar = new java.util.jar.JarFile(JAR.toFile())) {
            assertThat(jar.getEntry("org/apache/flink/runtime/jobgraph/JobGraph.class"))
                    .isNull();
            assertThat(jar.getEntry("io/freshrec/cli/FreshRecJobMain.class")).isNotNull();
            assertThat(jar.getEntry("org/apache/flink/connector/kafka/source/KafkaSource.class"))
                    .isNotNull();
        }
        assertThat(Files.size(JAR)).isLessThan(Files.size(CLI) / 2);
        prepareWorkDirectory();
        boolean passed = false;
        try {
            runScenario();
            passed = true;
        } finally {
            report(passed);
            stopCluster();
        }
    }

    private void runScenario() throws Exception {
        // 1. The cluster: a JobManager and a TaskManager, REST answering, the TaskManager registered.
        long begin = System.nanoTime();
        List<String> start = new ArrayList<>(List.of("start"));
        start.addAll(PORTS.startSettings());
        Result started = script(start.toArray(String[]::new));
        time("cluster start (JobManager + TaskManager JVMs, REST up, TaskManager registered)", begin);
        assertThat(started.code).as(started.out).isZero();
        assertThat(started.out)
                .contains(
                        "Cluster ready in",
                        "REST and web UI " + "http://127.0.0.1:" + REST_PORT,
                        "queryable-state proxy 127.0.0.1:" + PROXY_PORT);
        assertThat(flink.get("taskmanagers").path("taskmanagers")).hasSize(1);
        Path config = CLUSTER.resolve("conf/config.yaml");
        assertThat(Files.readString(config))
                .contains(
                        "rest.port: '" + REST_PORT + "'",
                        "queryable-state.enable: 'true'",
                        "freshrec.model.history-length: 8",
                        "io.tmp.dirs: " + CLUSTER.resolve("tmp"));
        long jobManager = PIDS.pid("jobmanager");
        long taskManager = PIDS.pid("taskmanager-0");
        assertThat(ProcessHandle.of(jobManager)).get().matches(ProcessHandle::isAlive);
        assertThat(ProcessHandle.of(taskManager)).get().matches(ProcessHandle::isAlive);
        // Each JVM serves Prometheus on a port of the range, on loopback only (FreshRec's reporter, from
        // target/freshrec-metrics.jar on the cluster's classpath).
        List<String> prometheus = new ArrayList<>();
        for (int offset = 6; offset <= 8; offset++) {
            prometheus.addAll(ListeningSockets.addresses(PORTS.block.port(offset)));
        }
        assertThat(prometheus).containsExactly("127.0.0.1", "127.0.0.1");

        // 2. Submit the packaged jar through REST with the CLI; the model stops changing after 5,000 events.
        begin = System.nanoTime();
        Result submitted = freshrec(concat(
                List.of(
                        "submit",
                        "--flink-rest",
                        REST.toString(),
                        "--jar",
                        JAR.toString(),
                        "--registry",
                        REGISTRY.toString(),
                        "--dead-letters",
                        WORK.resolve("dead-letters").toString()),
                GENERATOR,
                List.of("--events", "5000", "--keep-running")));
        assertThat(submitted.code).as(submitted.out).isZero();
        String first = jobId(submitted.out);
        firstLookup(first);
        time("submit to first lookup (jar upload, job start, queryable state answers)", begin);
        Result status = script("status");
        assertThat(status.out).contains("TaskManager 0", "jobs running: 1", "job " + first + " freshrec RUNNING");

        VersionLists.awaitRecords(flink, first, 5000, Duration.ofMinutes(2));
        Map<Long, Served> lists1 = lists.awaitStable(first, VersionLists.users(USERS), Duration.ofMinutes(2));
        assertThat(lists1).hasSizeGreaterThan(USERS * 2 / 3);
        Result recommend = freshrec(List.of(
                "recommend", "--user", "1", "--port", String.valueOf(PROXY_PORT), "--flink-rest", REST.toString()));
        assertThat(recommend.code).as(recommend.out).isZero();
        assertThat(recommend.out)
                .startsWith("user 1: model version " + lists1.get(1L).modelVersion() + ",")
                .containsPattern("\\b1\\. item " + lists1.get(1L).items().get(0) + " ");

        // 3. A version of the model as served now.
        begin = System.nanoTime();
        Result savepoint = freshrec(List.of(
                "savepoint",
                "--flink-rest",
                REST.toString(),
                "--registry",
                REGISTRY.toString(),
                "--tag",
                "base",
                "--note",
                "5,000 events"));
        time("savepoint (freshrec savepoint: v1)", begin);
        assertThat(savepoint.code).as(savepoint.out).isZero();
        assertThat(savepoint.out)
                .startsWith("Version v1: file:" + WORK.resolve("savepoints"))
                .contains("5,000 events");
        VersionRecord v1 = new VersionRegistry(REGISTRY).find("v1").orElseThrow();
        assertThat(v1.jar).isEqualTo(JAR.toString());
        assertThat(Path.of(URI.create(v1.savepoint)).resolve("_metadata")).isRegularFile();
        assertThat(lists.read(first, lists1.keySet()).served()).isEqualTo(lists1);

        // 4. Move the model on: stop with a savepoint, continue from v1 with 5,000 more events.
        Result stop = freshrec(List.of("stop", "--flink-rest", REST.toString(), "--registry", REGISTRY.toString()));
        assertThat(stop.code).as(stop.out).isZero();
        assertThat(stop.out).startsWith("Version v2 (job stopped): file:");
        assertThat(flink.awaitTerminal(first, Duration.ofMinutes(1))).isEqualTo("FINISHED");
        Result continued = freshrec(concat(
                List.of(
                        "submit",
                        "--flink-rest",
                        REST.toString(),
                        "--jar",
                        JAR.toString(),
                        "--registry",
                        REGISTRY.toString(),
                        "--from",
                        "v1",
                        "--dead-letters",
                        WORK.resolve("dead-letters").toString()),
                GENERATOR,
                List.of("--events", "10000", "--keep-running")));
        assertThat(continued.code).as(continued.out).isZero();
        assertThat(continued.out).contains("from v1: " + v1.savepoint);
        String second = jobId(continued.out);
        VersionLists.awaitRecords(flink, second, 5000, Duration.ofMinutes(2));
        Map<Long, Served> lists2 = lists.awaitStable(second, VersionLists.users(USERS), Duration.ofMinutes(2));
        long settledAt = System.currentTimeMillis();
        assertThat(lists2).isNotEqualTo(lists1);

        // 5. kill -9 the TaskManager once a checkpoint holds the settled model; a new TaskManager takes over.
        awaitCheckpointAfter(second, settledAt);
        long killedAt = System.currentTimeMillis();
        begin = System.nanoTime();
        Result killed = script("kill-taskmanager");
        assertThat(killed.code).as(killed.out).isZero();
        assertThat(killed.out).contains("Killed TaskManager 0 (pid " + taskManager + ") with SIGKILL");
        ClusterPids.awaitExit(taskManager);
        Result replaced = script("start-taskmanager");
        assertThat(replaced.code).as(replaced.out).isZero();
        assertThat(replaced.out).contains("TaskManager 0 registered");
        long registered = System.nanoTime();
        long restartingAt = awaitRestart(second, killedAt);
        flink.awaitRunning(second, Duration.ofMinutes(3));
        long running = System.nanoTime();
        firstLookup(second);
        long answered = System.nanoTime();
        timings.put(
                "TaskManager kill -9 to lookups again (same job, from its last checkpoint)",
                String.format(
                        Locale.ROOT,
                        "%.1f (loss noticed by the JobManager %.1f, new TaskManager registered %.1f, all tasks running %.1f)",
                        seconds(begin, answered),
                        (restartingAt - killedAt) / 1e3,
                        seconds(begin, registered),
                        seconds(begin, running)));
        assertThat(PIDS.pid("taskmanager-0")).isNotEqualTo(taskManager);
        // Exactly-once state: the recovered job serves the lists it served before the kill.
        assertThat(awaitLists(second, lists2, Duration.ofMinutes(1))).isEqualTo(lists2);

        // 6. Roll back to v1: exactly the lists served when v1 was taken.
        begin = System.nanoTime();
        Result rollback = freshrec(List.of(
                "rollback",
                "--to",
                "v1",
                "--flink-rest",
                REST.toString(),
                "--registry",
                REGISTRY.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                String.valueOf(PROXY_PORT)));
        time("rollback to lookups again (freshrec rollback --to v1)", begin);
        assertThat(rollback.code).as(rollback.out).isZero();
        assertThat(rollback.out)
                .contains("Version v3 (safety: the model until now): file:", "Lookups answer again: user 1 has ")
                .containsPattern("Rolled back to v1 in [\\d.]+ s");
        String third = flink.findRunningJob("freshrec").orElseThrow();
        assertThat(third).isNotIn(first, second);
        assertThat(lists.read(third, lists1.keySet()).served()).isEqualTo(lists1);
        VersionRegistry.Content registry = new VersionRegistry(REGISTRY).read();
        // Taken after the kill: its figures are the model's (kept in the job's state), not counts since the recovery.
        VersionRecord safety = registry.version("v3").orElseThrow();
        assertThat(safety.kind).isEqualTo(VersionRecord.SAFETY);
        assertThat(safety.from).isEqualTo("v1");
        assertThat(safety.programArgs).containsSubsequence("--events", "10000");
        assertThat(safety.events).isEqualTo(10000);
        assertThat(safety.modelVersion)
                .isGreaterThanOrEqualTo(lists2.values().stream()
                        .mapToLong(Served::modelVersion)
                        .max()
                        .orElseThrow());
        DeploymentRecord restored = registry.deployment(third).orElseThrow();
        assertThat(restored.fromVersion).isEqualTo("v1");
        assertThat(restored.programArgs).isEqualTo(v1.programArgs);
    }

    // ---- the cluster ----

    private static void prepareWorkDirectory() throws Exception {
        // Leftovers of an aborted run: its processes (by recorded pid) and files; the collected jars are kept.
        script("stop");
        if (Files.isDirectory(WORK)) {
            try (Stream<Path> entries = Files.list(WORK)) {
                for (Path entry : entries.toList()) {
                    if (!entry.equals(CLUSTER)) {
                        deleteRecursively(entry);
                    }
                }
            }
            if (Files.isDirectory(CLUSTER)) {
                try (Stream<Path> entries = Files.list(CLUSTER)) {
                    for (Path entry : entries.filter(
                                    path -> !path.getFileName().toString().equals("lib"))
                            .toList()) {
                        deleteRecursively(entry);
                    }
                }
            }
        }
        Files.createDirectories(WORK);
    }

    /** Stops the cluster with the script; whatever still runs afterwards is killed by its recorded pid. */
    private static void stopCluster() throws Exception {
        Result stopped = script("stop");
        PIDS.killLeftovers();
        assertThat(stopped.code).as(stopped.out).isZero();
        Result status = script("status");
        assertThat(status.code).as(status.out).isEqualTo(3);
    }

    // ---- the job ----

    /** Until a lookup on {@code job} answers (the client retries through start-up and recovery). */
    private void firstLookup(String job) throws Exception {
        try (RecommendationClient lookups = new RecommendationClient(
                "127.0.0.1", PROXY_PORT, REST, JobID.fromHexString(job), Duration.ofMinutes(3))) {
            Optional<Recommendations> answer = lookups.recommendations(1);
            assertThat(answer).as("user 1 is among the first events").isPresent();
        }
    }

    /** Until a checkpoint triggered after {@code afterMillis} has completed. */
    private void awaitCheckpointAfter(String job, long afterMillis) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            JsonNode completed =
                    flink.get("jobs/" + job + "/checkpoints").path("latest").path("completed");
            if (completed.path("trigger_timestamp").asLong() > afterMillis) {
                return;
            }
            assertThat(System.nanoTime())
                    .as("a checkpoint completed after the lists settled")
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /** Until the JobManager has restarted {@code job} after {@code afterMillis}; returns when it did (its clock, epoch ms). */
    private long awaitRestart(String job, long afterMillis) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (true) {
            long restarting = flink.get("jobs/" + job)
                    .path("timestamps")
                    .path("RESTARTING")
                    .asLong();
            if (restarting >= afterMillis) {
                return restarting;
            }
            assertThat(System.nanoTime())
                    .as("the JobManager noticed the lost TaskManager")
                    .isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    /** The lists of {@code job} once they equal {@code expected}, or as they are at the deadline. */
    private Map<Long, Served> awaitLists(String job, Map<Long, Served> expected, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<Long, Served> now = lists.read(job, expected.keySet()).served();
            if (now.equals(expected) || System.nanoTime() > deadline) {
                return now;
            }
            Thread.sleep(1000);
        }
    }

    private static String jobId(String submitOutput) {
        Matcher matcher = Pattern.compile("Submitted job ([0-9a-f]{32})").matcher(submitOutput);
        assertThat(matcher.find()).as(submitOutput).isTrue();
        return matcher.group(1);
    }

    // ---- commands, as a user types them ----

    private static Result script(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FRESHREC_CLUSTER_DIR", CLUSTER.toString());
        builder.environment().put("FRESHREC_CLUSTER_REST_PORT", String.valueOf(REST_PORT));
        builder.environment().put("FRESHREC_CLUSTER_PORT_BASE", String.valueOf(PORT_BASE));
        builder.environment().put("FRESHREC_CLUSTER_QS_PROXY_PORT", String.valueOf(PROXY_PORT));
        builder.environment().put("FRESHREC_CLUSTER_QS_SERVER_PORT", String.valueOf(SERVER_PORT));
        builder.environment()
                .put("FRESHREC_CLUSTER_SAVEPOINTS", WORK.resolve("savepoints").toString());
        return run(builder, "flink-cluster.sh " + String.join(" ", args));
    }

    private static Result freshrec(List<String> args) throws Exception {
        List<String> command = new ArrayList<>(
                List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", CLI.toString()));
        command.addAll(args);
        return run(new ProcessBuilder(command), "freshrec " + String.join(" ", args));
    }

    /** Runs a command to its end, echoing its output (progress) as it comes. */
    private static Result run(ProcessBuilder builder, String shown) throws Exception {
        System.out.println("$ " + shown);
        Process process = builder.redirectErrorStream(true).start();
        StringBuilder output = new StringBuilder();
        Thread reader = new Thread(() -> {
            try (BufferedReader lines =
                    new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = lines.readLine()) != null) {
                    System.out.println("  | " + line);
                    synchronized (output) {
                        output.append(line).append('\n');
                    }
                }
            } catch (IOException ignored) {
                // the process ended
            }
        });
        reader.start();
        if (!process.waitFor(COMMAND_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("'" + shown + "' did not end within " + COMMAND_TIMEOUT.toMinutes() + " min");
        }
        reader.join(5000);
        synchronized (output) {
            return new Result(process.exitValue(), output.toString());
        }
    }

    // ---- report ----

    private void time(String step, long beginNanos) {
        timings.put(step, String.format(Locale.ROOT, "%.1f", seconds(beginNanos, System.nanoTime())));
    }

    private static double seconds(long fromNanos, long toNanos) {
        return (toNanos - fromNanos) / 1e9;
    }

    private void report(boolean passed) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("FreshRec on a standalone Flink 1.20.0 cluster: StandaloneClusterE2ETest, " + Instant.now()
                + (passed ? "" : " (FAILED: the steps up to the failure)"));
        lines.add("(1 JobManager, 1 TaskManager with 2 slots, job parallelism 2, " + USERS + " users; "
                + Runtime.getRuntime().availableProcessors() + " cores shared with everything else running)");
        lines.add("");
        int width = timings.keySet().stream().mapToInt(String::length).max().orElse(10);
        lines.add(String.format(Locale.ROOT, "%-" + width + "s  %s", "step", "seconds"));
        timings.forEach((step, value) -> lines.add(String.format(Locale.ROOT, "%-" + width + "s  %s", step, value)));
        String text = String.join("\n", lines) + "\n";
        System.out.println();
        System.out.print(text);
        Files.writeString(WORK.resolve("report.txt"), text);
    }

    private static List<String> concat(List<String> a, List<String> b, List<String> c) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        all.addAll(c);
        return all;
    }

    private static void deleteRecursively(Path path) throws IOException {
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path each : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(each);
            }
        }
    }
}

package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.cli.FreshRecCli;
import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.ClusterPids;
import io.freshrec.testing.ClusterPorts;
import io.freshrec.testing.KafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fault 9, a crash that is a crash: the TaskManager process of a standalone cluster (src/main/scripts/flink-cluster.sh:
 * JobManager and TaskManager in their own JVMs, the packaged jar submitted through REST) is killed with SIGKILL while
 * the job reads a live stream from a Kafka broker in its own process (src/main/scripts/kafka-broker.sh). The kill
 * lands after a completed checkpoint, with records read since then (in flight: they must be replayed) and records
 * still to come; a new TaskManager process takes over, the job restores from the checkpoint and re-reads the topic
 * from its checkpointed offsets. After the whole input, every user's served list and every item's state equal the
 * oracle's, every user's history applied each event once, and the job restarted.
 *
 * <p>Needs target/freshrec-cluster.jar (the job for clusters) as built from the current classes: {@code mvn -B -Preliability verify} builds it
 * before the suite runs.
 */
class TaskManagerKillIT {
    /** Ports of this class only, in the script's layout (ClusterPorts); the Kafka broker at +24, its controller +25. */
    private static final ClusterPorts PORTS = new ClusterPorts();

    private static final int PORT_BASE = PORTS.portBase;
    private static final int PROXY_PORT = PORTS.proxy;
    private static final int SERVER_PORT = PORTS.server;
    private static final int REST_PORT = PORTS.rest;
    private static final int BROKER_PORT = PORTS.block.port(24);
    private static final String BOOTSTRAP = "127.0.0.1:" + BROKER_PORT;
    private static final Path WORK =
            Path.of("target", "reliability", "taskmanager-kill").toAbsolutePath();
    private static final Path CLUSTER = WORK.resolve("flink-cluster");
    private static final ClusterPids PIDS = new ClusterPids(CLUSTER);
    private static final Path BROKER = WORK.resolve("kafka-broker");
    private static final Path SAVEPOINTS = WORK.resolve("savepoints");
    private static final Path JAR = Path.of("target", "freshrec-cluster.jar").toAbsolutePath();
    private static final Path CLUSTER_SCRIPT =
            Path.of("src/main/scripts/flink-cluster.sh").toAbsolutePath();
    private static final Path BROKER_SCRIPT =
            Path.of("src/main/scripts/kafka-broker.sh").toAbsolutePath();
    private static final String GROUP_ID = "taskmanager-kill";

    /**
     * Records per second the producer writes: the 3,000 records take 20 s, the kill and recovery land among them (the
     * producer waits after 2,000 until the kill, should a slow machine delay it).
     */
    private static final double RATE = 150;

    private final FlinkRest flink = new FlinkRest(URI.create("http://127.0.0.1:" + REST_PORT + "/"));

    private record Result(int code, String out) {}

    @BeforeAll
    static void startBrokerAndCluster() throws Exception {
        assertThat(JAR)
                .as("the packaged job jar (mvn -B -Preliability verify builds it first)")
                .isRegularFile();
        assertFresh(JAR);
        stopAll();
        for (String leftover : List.of("checkpoints", "log", "dead-letters")) {
            deleteRecursively(CLUSTER.resolve(leftover));
        }
        deleteRecursively(SAVEPOINTS);
        deleteRecursively(WORK.resolve("dead-letters"));
        Result reset = broker("reset");
        assertThat(reset.code).as(reset.out).isZero();
        Result broker = broker("start");
        assertThat(broker.code).as(broker.out).isZero();
        List<String> start = new ArrayList<>(List.of("start", "-D", "metrics.fetcher.update-interval=500"));
        start.addAll(PORTS.startSettings());
        Result cluster = cluster(start.toArray(String[]::new));
        assertThat(cluster.code).as(cluster.out).isZero();
    }

    @AfterAll
    static void stopBrokerAndCluster() throws Exception {
        stopAll();
    }

    @Test
    void shouldRestoreAndReplayExactlyWhenTheTaskManagerProcessIsKilledMidStream() throws Exception {
        // The job's settings: the cluster's configuration (what FreshRecJobMain loads there) with the scenario's
        // overrides; the oracle folds with the same ones.
        Map<String, String> overrides = new LinkedHashMap<>(Scenario.settings().toMap());
        // Event time moves only with the records, never with the outage (see the sentinels below).
        overrides.put(FreshRecOptions.IDLENESS.key(), "1 h");
        // Records of 2024 through Kafka: a backfill, which the live lag bound would send to the dead letters.
        overrides.put(FreshRecOptions.MAX_LAG.key(), "0 ms");
        overrides.put(KafkaOptions.GROUP_ID.key(), GROUP_ID);
        overrides.put(KafkaOptions.TRANSACTIONAL_ID_PREFIX.key(), GROUP_ID);
        // Checkpoints every second: several before the kill, and records read after the last one.
        overrides.put("execution.checkpointing.interval", "1 s");
        overrides.put("execution.checkpointing.min-pause", "500 ms");
        Configuration settings = FlinkSettings.load(
                CLUSTER.resolve("conf"), overrides, Path.of("").toAbsolutePath());
        List<String> records = Scenario.syntheticRecords(27, 3000, 0.01, Scenario.START);
        Scenario scenario = new Scenario("taskmanager-sigkill", records, settings);
        String topic = settings.get(KafkaOptions.TOPIC_INTERACTIONS);

        List<String> args = new ArrayList<>(List.of(
                "--kafka",
                BOOTSTRAP,
                "--kafka-starting-offsets",
                "earliest",
                "--dead-letters",
                WORK.resolve("dead-letters").toString()));
        overrides.forEach((key, value) -> args.addAll(List.of("-D", key + "=" + value)));
        String jarId = flink.uploadJar(JAR);
        String id = flink.runJar(jarId, "io.freshrec.cli.FreshRecJobMain", args, 2, null);
        flink.awaitRunning(id, Duration.ofMinutes(2));

        Producer producer =
                new Producer(topic, records, scenario.end + Duration.ofHours(1).toMillis());
        producer.start();
        try (RecommendationClient lookups = lookups(id, Duration.ofSeconds(2))) {
            // The kill: after a completed checkpoint, with records read since (to be replayed) and records to come.
            long inFlight = awaitKillPoint(id, producer, records.size());
            long pid = PIDS.pid("taskmanager-0");
            long killedAt = System.currentTimeMillis();
            int sentAtKill = producer.sent.get();
            Result killed = cluster("kill-taskmanager");
            producer.killed.countDown();
            assertThat(killed.code).as(killed.out).isZero();
            assertThat(killed.out).contains("Killed TaskManager 0 (pid " + pid + ") with SIGKILL");
            ClusterPids.awaitExit(pid);
            long newTaskManagerAt = System.currentTimeMillis();
            Result replaced = cluster("start-taskmanager");
            assertThat(replaced.code).as(replaced.out).isZero();
            assertThat(replaced.out).contains("TaskManager 0 registered");
            long answeredAt = awaitAnswer(lookups, 1, Duration.ofMinutes(3));
            double seconds = (answeredAt - newTaskManagerAt) / 1000.0;
            int sentAtAnswer = producer.sent.get();
            JsonNode restored =
                    flink.get("jobs/" + id + "/checkpoints").path("latest").path("restored");
            System.out.printf(
                    "[reliability] SIGKILL after %d of %d records sent, ~%d of them read after the last completed "
                            + "checkpoint; restored checkpoint %d; lookups again %.1f s after the new TaskManager "
                            + "started (%.1f s after the kill), %d records sent meanwhile%n",
                    sentAtKill,
                    records.size(),
                    inFlight,
                    restored.path("id").asLong(),
                    seconds,
                    (answeredAt - killedAt) / 1000.0,
                    sentAtAnswer - sentAtKill);
            assertThat(sentAtKill)
                    .as("records sent when the TaskManager was killed")
                    .isLessThan(records.size());
            assertThat(restored.path("is_savepoint").asBoolean(true))
                    .as("restored from a checkpoint: %s", restored)
                    .isFalse();
            assertThat(restored.path("restore_timestamp").asLong())
                    .as("restored after the kill: %s", restored)
                    .isGreaterThanOrEqualTo(killedAt);

            long restarts = finish(
                    id,
                    producer,
                    settings,
                    scenario,
                    "9 TaskManager process killed with SIGKILL mid-stream (Kafka)",
                    seconds);
            assertThat(restarts).as("restarts").isGreaterThanOrEqualTo(1);
        } finally {
            producer.interrupt();
        }
    }

    /**
     * Fault 13: the JobManager process killed with SIGKILL mid-stream. The cluster has no HA, so its job is gone; the
     * cluster is started again and {@code freshrec resume} starts the job the version registry recorded, from its
     * newest retained checkpoint. The model ends as the oracle's, every event applied once, every bad record one dead
     * letter; the seconds from the resume command to the first answer are the row's figure.
     */
    @Test
    void shouldResumeFromTheNewestRetainedCheckpointWhenTheJobManagerProcessIsKilledMidStream() throws Exception {
        String name = "jobmanager-kill";
        Map<String, String> overrides = new LinkedHashMap<>(Scenario.settings().toMap());
        overrides.put(FreshRecOptions.IDLENESS.key(), "1 h");
        overrides.put(FreshRecOptions.MAX_LAG.key(), "0 ms");
        overrides.put(KafkaOptions.GROUP_ID.key(), name);
        overrides.put(KafkaOptions.TRANSACTIONAL_ID_PREFIX.key(), name);
        // Topics of its own: the other fault's records are not this job's input.
        overrides.put(KafkaOptions.TOPIC_INTERACTIONS.key(), name + "-interactions");
        overrides.put(KafkaOptions.TOPIC_DEAD_LETTERS.key(), name + "-dead-letters");
        overrides.put(KafkaOptions.TOPIC_MODEL_UPDATES.key(), name + "-model-updates");
        overrides.put(KafkaOptions.TOPIC_RECOMMENDATIONS.key(), name + "-recommendations");
        overrides.put("execution.checkpointing.interval", "1 s");
        overrides.put("execution.checkpointing.min-pause", "500 ms");
        KafkaBroker.createJobTopics(BOOTSTRAP, name + "-", 2);
        Configuration settings = FlinkSettings.load(
                CLUSTER.resolve("conf"), overrides, Path.of("").toAbsolutePath());
        List<String> records = Scenario.syntheticRecords(28, 3000, 0.01, Scenario.START);
        Scenario scenario = new Scenario(name, records, settings);
        String topic = settings.get(KafkaOptions.TOPIC_INTERACTIONS);
        Path registry = WORK.resolve("versions");
        String rest = "http://127.0.0.1:" + REST_PORT;

        // Submitted as a user does, so the version registry records how to start it.
        List<String> submit = new ArrayList<>(List.of(
                "submit",
                "--flink-rest",
                rest,
                "--jar",
                JAR.toString(),
                "--registry",
                registry.toString(),
                "--parallelism",
                "2",
                "--kafka",
                BOOTSTRAP,
                "--kafka-starting-offsets",
                "earliest",
                "--dead-letters",
                WORK.resolve("dead-letters-" + name).toString()));
        overrides.forEach((key, value) -> submit.addAll(List.of("-D", key + "=" + value)));
        CliRun submitted = freshrec(submit);
        assertThat(submitted.code).as(submitted.err).isZero();
        List<String> active = flink.activeJobs();
        assertThat(active).hasSize(1);
        String first = active.get(0);
        flink.awaitRunning(first, Duration.ofMinutes(2));

        Producer producer =
                new Producer(topic, records, scenario.end + Duration.ofHours(1).toMillis());
        producer.start();
        try {
            long inFlight = awaitKillPoint(first, producer, records.size(), name);
            long pid = PIDS.pid("jobmanager");
            long killedAt = System.currentTimeMillis();
            int sentAtKill = producer.sent.get();
            Result killed = cluster("kill-jobmanager");
            producer.killed.countDown();
            assertThat(killed.code).as(killed.out).isZero();
            assertThat(killed.out).contains("Killed the JobManager (pid " + pid + ") with SIGKILL");
            ClusterPids.awaitExit(pid);
            List<String> start = new ArrayList<>(List.of("start", "-D", "metrics.fetcher.update-interval=500"));
            start.addAll(PORTS.startSettings());
            Result restarted = cluster(start.toArray(String[]::new));
            assertThat(restarted.code).as(restarted.out).isZero();
            assertThat(flink.activeJobs())
                    .as("jobs after the JobManager came back (no HA)")
                    .isEmpty();

            long resumedAt = System.currentTimeMillis();
            CliRun resumed = freshrec(List.of(
                    "resume",
                    "--flink-rest",
                    rest,
                    "--registry",
                    registry.toString(),
                    "--host",
                    "127.0.0.1",
                    "--port",
                    String.valueOf(PROXY_PORT),
                    "--timeout",
                    "3m"));
            long answeredAt = System.currentTimeMillis();
            assertThat(resumed.code).as(resumed.err).isZero();
            assertThat(resumed.out)
                    .contains("Resuming job " + first + " on " + rest + "/ from its checkpoint ")
                    .contains("Lookups answer again: user 1 has");
            double seconds = (answeredAt - resumedAt) / 1000.0;
            List<String> now = flink.activeJobs();
            assertThat(now).hasSize(1);
            String id = now.get(0);
            JsonNode restored =
                    flink.get("jobs/" + id + "/checkpoints").path("latest").path("restored");
            System.out.printf(
                    "[reliability] JobManager SIGKILL after %d of %d records sent, ~%d read after the last completed"
                            + " checkpoint; resumed from %s; lookups again %.1f s after resume began (%.1f s after the"
                            + " kill)%n",
                    sentAtKill,
                    records.size(),
                    inFlight,
                    restored.path("external_path").asText(),
                    seconds,
                    (answeredAt - killedAt) / 1000.0);
            assertThat(restored.path("external_path").asText())
                    .as("restored from the first job's retained checkpoint: %s", restored)
                    .contains(first + "/chk-");

            finish(
                    id,
                    producer,
                    settings,
                    scenario,
                    "13 JobManager process killed (SIGKILL), `resume` from checkpoint",
                    seconds);
        } finally {
            producer.interrupt();
        }
    }

    /**
     * The end of both faults: the rest of the records sent, the job of {@code id} in the oracle's state with every
     * event and bad record counted once, stopped with a savepoint whose histories applied each event once; the
     * summary row recorded. Returns the job's restarts.
     */
    private long finish(
            String id, Producer producer, Configuration settings, Scenario scenario, String fault, double seconds)
            throws Exception {
        producer.await(Duration.ofMinutes(2));
        long watermark = producer.sentinelTime
                - settings.get(FreshRecOptions.OUT_OF_ORDERNESS).toMillis()
                - 1;
        try (RecommendationClient waiting = lookups(id, Duration.ofSeconds(30))) {
            ExactlyOnce.awaitOracle(waiting, scenario, watermark, Duration.ofMinutes(3));
        }
        // The two sentinels are events too (pending, in no history).
        long deadLetters = ExactlyOnce.awaitTotals(
                flink, id, scenario.events.size() + 2, scenario.deadLetters, Duration.ofSeconds(60));
        long restarts = ExactlyOnce.restarts(flink, id);
        String trigger = flink.stopWithSavepoint(id, SAVEPOINTS.toUri().toString(), "CANONICAL");
        String savepoint = flink.awaitSavepoint(id, trigger, Duration.ofMinutes(2));
        ExactlyOnce.Applied applied = ExactlyOnce.appliedEvents(savepoint, scenario);
        System.out.printf("[reliability] %s: job restarts %d%n", scenario.name, restarts);
        new ExactlyOnce.Outcome(applied, deadLetters, restarts, savepoint).record(fault, scenario, seconds);
        return restarts;
    }

    private record CliRun(int code, String out, String err) {}

    /** A freshrec command in this JVM, as a user types it. */
    private static CliRun freshrec(List<String> args) {
        System.out.println("$ freshrec " + String.join(" ", args));
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FreshRecCli.execute(
                new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
        (out + err.toString()).lines().forEach(line -> System.out.println("  | " + line));
        return new CliRun(code, out.toString(), err.toString());
    }

    /**
     * Waits until the job has completed a checkpoint, a third of the records are sent, and the job has read records
     * past its last committed offsets (the source commits them when a checkpoint completes): those are in flight, a
     * restore must read them again. Returns how many it read past them.
     */
    private long awaitKillPoint(String id, Producer producer, int total) throws Exception {
        return awaitKillPoint(id, producer, total, GROUP_ID);
    }

    private long awaitKillPoint(String id, Producer producer, int total, String group) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        long read = 0;
        long committed = 0;
        long checkpoints = 0;
        while (true) {
            producer.check();
            checkpoints = flink.get("jobs/" + id + "/checkpoints")
                    .path("counts")
                    .path("completed")
                    .asLong();
            if (checkpoints >= 1 && producer.sent.get() >= total / 3) {
                Map<String, FlinkRest.Aggregate> totals =
                        flink.metrics(id, List.of("parse.eventsTotal", "parse.deadLettersTotal"));
                read = totals.values().stream().mapToLong(t -> (long) t.sum).sum();
                committed = committedOffsets(group);
                if (read - committed >= 50) {
                    return read - committed;
                }
            }
            assertThat(System.nanoTime())
                    .as(
                            "a kill point (checkpoints %d, sent %d, read %d, committed %d)",
                            checkpoints, producer.sent.get(), read, committed)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    /** The job's offsets committed to the broker, summed over the partitions. */
    private static long committedOffsets(String group) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", BOOTSTRAP))) {
            Map<?, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get(10, TimeUnit.SECONDS);
            return offsets.values().stream()
                    .filter(o -> o != null)
                    .mapToLong(OffsetAndMetadata::offset)
                    .sum();
        }
    }

    /** Until user {@code user} is served again (lookups fail while the job restarts); returns when (ms). */
    private static long awaitAnswer(RecommendationClient lookups, long user, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (true) {
            try {
                if (lookups.recommendations(user).isPresent()) {
                    return System.currentTimeMillis();
                }
                last = "absent";
            } catch (Exception notYet) {
                last = String.valueOf(notYet.getMessage());
            }
            assertThat(System.nanoTime())
                    .as("user %d served again in time (last: %s)", user, last)
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static RecommendationClient lookups(String id, Duration timeout) throws Exception {
        return new RecommendationClient(
                "127.0.0.1", PROXY_PORT, URI.create("http://127.0.0.1:" + REST_PORT), JobID.fromHexString(id), timeout);
    }

    /**
     * Writes the records to the interactions topic at {@link #RATE} records per second, keyed by user as `freshrec
     * produce` does, then one far later event on each partition: it moves every partition's watermark past the last
     * record. The sentinels stay pending (nothing moves the watermark past them), so they are not in the oracle.
     */
    private static final class Producer extends Thread {
        final AtomicInteger sent = new AtomicInteger();
        /** Counted down once the TaskManager is killed: the producer waits for it after two thirds of the records. */
        final CountDownLatch killed = new CountDownLatch(1);

        final long sentinelTime;
        private final int holdAt;
        private final String topic;
        private final List<String> records;
        private final AtomicReference<Throwable> failure = new AtomicReference<>();

        Producer(String topic, List<String> records, long sentinelTime) {
            super("interactions-producer");
            setDaemon(true);
            this.topic = topic;
            this.records = records;
            this.sentinelTime = sentinelTime;
            this.holdAt = records.size() * 2 / 3;
        }

        @Override
        public void run() {
            InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
            long start = System.nanoTime();
            try (KafkaProducer<byte[], byte[]> producer = KafkaBroker.producer(BOOTSTRAP)) {
                for (int n = 0; n < records.size(); n++) {
                    long due = start + (long) (n * 1e9 / RATE);
                    long wait = due - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait); // the pace of a live stream
                    }
                    String record = records.get(n);
                    var parsed = parser.parse(record, System.currentTimeMillis());
                    byte[] key = parsed.isValid()
                            ? Long.toString(parsed.interaction().userId).getBytes(StandardCharsets.UTF_8)
                            : null;
                    producer.send(new ProducerRecord<>(topic, key, record.getBytes(StandardCharsets.UTF_8)));
                    if (n % 10 == 9) {
                        producer.flush();
                    }
                    sent.incrementAndGet();
                    if (n + 1 == holdAt) {
                        // However slow the machine, the kill lands before the input ends.
                        if (!killed.await(3, TimeUnit.MINUTES)) {
                            throw new IllegalStateException("no kill within 3 min of record " + holdAt);
                        }
                    }
                }
                KafkaBroker.sendSentinels(producer, topic, 2, sentinelTime);
            } catch (InterruptedException stopped) {
                Thread.currentThread().interrupt();
            } catch (Throwable e) {
                failure.set(e);
            }
        }

        void check() {
            if (failure.get() != null) {
                throw new AssertionError("producing the interactions failed", failure.get());
            }
        }

        void await(Duration timeout) throws InterruptedException {
            join(timeout.toMillis());
            check();
            assertThat(isAlive()).as("producer done within %s", timeout).isFalse();
        }
    }

    // ---- the processes ----

    /** The jar must hold the classes compiled now: a stale one would test other code. */
    private static void assertFresh(Path jar) throws IOException {
        FileTime built = Files.getLastModifiedTime(jar);
        try (Stream<Path> classes = Files.walk(Path.of("target", "classes"))) {
            Optional<Path> newer = classes.filter(Files::isRegularFile)
                    .filter(path -> {
                        try {
                            return Files.getLastModifiedTime(path).compareTo(built) > 0;
                        } catch (IOException e) {
                            return true;
                        }
                    })
                    .findAny();
            assertThat(newer)
                    .as("%s is older than target/classes (run mvn -B -Preliability verify, which packages it)", jar)
                    .isEmpty();
        }
    }

    /** Stops the cluster and the broker with their scripts; cluster processes still running are killed by pid. */
    private static void stopAll() throws Exception {
        Result stopped = cluster("stop");
        PIDS.killLeftovers();
        Result broker = broker("stop");
        assertThat(stopped.code).as(stopped.out).isZero();
        assertThat(broker.code).as(broker.out).isZero();
    }

    private static Result cluster(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(CLUSTER_SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FRESHREC_CLUSTER_DIR", CLUSTER.toString());
        builder.environment().put("FRESHREC_CLUSTER_REST_PORT", String.valueOf(REST_PORT));
        builder.environment().put("FRESHREC_CLUSTER_PORT_BASE", String.valueOf(PORT_BASE));
        builder.environment().put("FRESHREC_CLUSTER_QS_PROXY_PORT", String.valueOf(PROXY_PORT));
        builder.environment().put("FRESHREC_CLUSTER_QS_SERVER_PORT", String.valueOf(SERVER_PORT));
        builder.environment().put("FRESHREC_CLUSTER_SAVEPOINTS", SAVEPOINTS.toString());
        return run(builder, "flink-cluster.sh " + String.join(" ", args));
    }

    private static Result broker(String command) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(BROKER_SCRIPT.toString(), command);
        builder.environment().put("FRESHREC_KAFKA_PORT", Integer.toString(BROKER_PORT));
        builder.environment().put("FRESHREC_KAFKA_DIR", BROKER.toString());
        return run(builder, "kafka-broker.sh " + command);
    }

    /** Runs a script to its end (at most 4 minutes: the first start collects jars); its output is echoed and kept. */
    private static Result run(ProcessBuilder builder, String shown) throws Exception {
        System.out.println("$ " + shown);
        Files.createDirectories(WORK);
        Path output = Files.createTempFile(WORK, "script-", ".out");
        try {
            Process process = builder.redirectErrorStream(true)
                    .redirectOutput(output.toFile())
                    .start();
            boolean ended = process.waitFor(4, TimeUnit.MINUTES);
            if (!ended) {
                process.destroyForcibly();
            }
            String out = Files.readString(output);
            out.lines().forEach(line -> System.out.println("  | " + line));
            assertThat(ended).as("'%s' ended within 4 min", shown).isTrue();
            return new Result(process.exitValue(), out);
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path entry : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(entry);
            }
        }
    }
}

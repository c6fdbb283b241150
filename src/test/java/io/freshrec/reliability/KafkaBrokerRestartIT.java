package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaInteractions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.ops.JobAssembly;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.CommittedRecords;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.KafkaBroker;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 6: the Kafka broker (its own process, src/main/scripts/kafka-broker.sh, on this suite's port and directory)
 * goes away and comes back on the same data while the job reads the interactions topic and writes its outputs through
 * exactly-once sinks: stopped (SIGTERM, a clean shutdown of a few seconds, which the job rides out), and killed
 * (SIGKILL, a crash) and kept down until the job has failed, so that it restarts from its last checkpoint and
 * recovers its transactions: commits those the checkpoint holds, aborts those it left open. Afterwards the model
 * equals the oracle, every user's history applied each event once, and what read_committed consumers see on the
 * recommendations and dead-letter topics is each valid event's list once and each bad record once: the checkpointed
 * set, nothing from aborted transactions.
 */
class KafkaBrokerRestartIT {
    private static final int BASE = TestPorts.block().first();
    private static final int BROKER_PORT = BASE + 5; // and BASE + 6 for its controller
    private static final String BOOTSTRAP = "127.0.0.1:" + BROKER_PORT;
    private static final Path BROKER_DIR = Path.of("target", "reliability", "kafka-broker");
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @BeforeAll
    static void startBroker() throws Exception {
        broker("reset");
        broker("start");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker("stop");
    }

    /** A test that failed with the broker down leaves it down, and maybe its job running: not for the next one. */
    @AfterEach
    void restoreBroker() throws Exception {
        FreshRecCluster.cancelActiveJobs(CLUSTER);
        broker("start");
    }

    private static void broker(String command) throws Exception {
        ProcessBuilder script = new ProcessBuilder("src/main/scripts/kafka-broker.sh", command).inheritIO();
        script.environment().put("FRESHREC_KAFKA_PORT", Integer.toString(BROKER_PORT));
        script.environment().put("FRESHREC_KAFKA_DIR", BROKER_DIR.toString());
        Process process = script.start();
        assertThat(process.waitFor(3, TimeUnit.MINUTES))
                .as("kafka-broker.sh %s finished", command)
                .isTrue();
        assertThat(process.exitValue())
                .as("kafka-broker.sh %s exit code", command)
                .isZero();
    }

    // Longer than the suite's 5 minutes: the phases' own deadlines (each with a message saying what was missing)
    // fire first.
    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void shouldApplyAndPublishEveryEventOnceAcrossABrokerRestart() throws Exception {
        Scenario scenario = scenario("kafka-broker-restart", 26);
        Configuration settings = settings(scenario);
        // On the script's topics (freshrec-*, the defaults). The job's restarts are reported in the summary table, not
        // asserted: a short clean outage need not fail it.
        run(scenario, settings, "6 Kafka broker stopped and restarted", (rest, id) -> {
            broker("stop");
            Thread.sleep(3000); // the outage itself, not a wait for anything
            broker("start");
        });
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.MINUTES)
    void shouldRecoverItsTransactionsAndPublishEveryEventOnceAfterTheBrokerIsKilled() throws Exception {
        Scenario scenario = scenario("kafka-broker-kill", 27);
        Configuration settings = settings(scenario);
        // Topics of its own, as the script makes them, so the other test's records are not in the way.
        String prefix = scenario.name + "-";
        settings.set(KafkaOptions.TOPIC_INTERACTIONS, prefix + "interactions");
        settings.set(KafkaOptions.TOPIC_DEAD_LETTERS, prefix + "dead-letters");
        settings.set(KafkaOptions.TOPIC_MODEL_UPDATES, prefix + "model-updates");
        settings.set(KafkaOptions.TOPIC_RECOMMENDATIONS, prefix + "recommendations");
        KafkaBroker.createJobTopics(BOOTSTRAP, prefix, 2);
        // Client timeouts short enough that the outage which fails the job lasts seconds, not minutes: a
        // transactional producer blocks in initTransactions (the sinks start a transaction per checkpoint, and abort
        // lingering ones on start), commitTransaction and metadata waits for max.block.ms (default 60 s), and a
        // record waits delivery.timeout.ms (default 120 s, at least linger.ms + request.timeout.ms) for a broker.
        // The consumers and admin client of the source take request.timeout.ms too and ignore the other two.
        settings.setString(KafkaOptions.PROPERTIES_PREFIX + "max.block.ms", "5000");
        settings.setString(KafkaOptions.PROPERTIES_PREFIX + "request.timeout.ms", "5000");
        settings.setString(KafkaOptions.PROPERTIES_PREFIX + "delivery.timeout.ms", "10000");

        long restarts = run(scenario, settings, "6 Kafka broker killed (SIGKILL), job failed over", (rest, id) -> {
            long killed = System.nanoTime();
            broker("kill");
            // Down until the job has failed (its sinks cannot start a transaction) and restarted at least once.
            long failedOver = awaitRestarts(rest, id, 1, Duration.ofMinutes(2));
            double downFor = (System.nanoTime() - killed) / 1e9;
            String firstFailure = firstFailure(rest, id);
            broker("start");
            System.out.printf(
                    "[reliability] broker killed; the job restarted %d time(s) within %.1f s (first failure: %s);"
                            + " broker back %.1f s after the kill%n",
                    failedOver, downFor, firstFailure, (System.nanoTime() - killed) / 1e9);
        });
        assertThat(restarts)
                .as("job restarts across the broker kill (it must fail and recover its transactions)")
                .isGreaterThanOrEqualTo(1);
    }

    /** 2,000 synthetic records, about 1% malformed, with one bad record near Kafka's 1 MB limit among them. */
    private static Scenario scenario(String name, long seed) throws Exception {
        List<String> records = Scenario.syntheticRecords(seed, 2000, 0.01, Scenario.START);
        // As a JSON dead letter its control characters would take 6 MB.
        records.add(1500, "\u0001".repeat(900 * 1024));
        return new Scenario(name, records);
    }

    private static Configuration settings(Scenario scenario) {
        Configuration settings = new Configuration(scenario.settings);
        settings.set(KafkaOptions.BOOTSTRAP_SERVERS, BOOTSTRAP);
        settings.set(KafkaOptions.GROUP_ID, scenario.name);
        settings.set(KafkaOptions.STARTING_OFFSETS, "earliest");
        settings.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, scenario.name);
        // Event time moves only with the records, never with the outage (see the sentinels below).
        settings.set(FreshRecOptions.IDLENESS, Duration.ofHours(1));
        // Records of 2024 through Kafka: a backfill, which the live lag bound would send to the dead letters.
        settings.set(FreshRecOptions.MAX_LAG, Duration.ZERO);
        return settings;
    }

    /** What happens to the broker mid-stream, given the job's REST API and id. */
    private interface Outage {
        void inject(FlinkRest rest, String jobId) throws Exception;
    }

    /**
     * Runs the job on Kafka: the first half of the records, the outage once some outputs are committed, the second
     * half; then the checks. Records the summary row and returns the job's restarts.
     */
    private long run(Scenario scenario, Configuration settings, String fault, Outage outage) throws Exception {
        Phases phases = new Phases(scenario.name);
        try {
            return run(scenario, settings, fault, outage, phases);
        } catch (Throwable failed) {
            // Far away (CI) the output is all there is: say where it stopped and what the broker said last.
            System.out.printf(
                    "[reliability] %s failed in phase '%s' after %.1f s: %s%n",
                    scenario.name, phases.current, phases.elapsed(), failed);
            printBrokerLogTail();
            throw failed;
        }
    }

    private long run(Scenario scenario, Configuration settings, String fault, Outage outage, Phases phases)
            throws Exception {
        List<String> records = new ArrayList<>();
        for (long n = 0; n < scenario.count; n++) {
            records.add(scenario.records.map(n));
        }
        String interactions = settings.get(KafkaOptions.TOPIC_INTERACTIONS);
        String recommendations = settings.get(KafkaOptions.TOPIC_RECOMMENDATIONS);
        String deadLetterTopic = settings.get(KafkaOptions.TOPIC_DEAD_LETTERS);

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 120);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        env.configure(restarts);
        JobAssembly.build(env, settings, KafkaInteractions.source(settings), "unused");
        produce(interactions, records.subList(0, 1000));
        JobClient job = ReliabilityCluster.execute(env, null);
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        String id = job.getJobID().toHexString();

        // Mid-stream: the first half learnt and a checkpoint committed some outputs; then the broker goes away.
        phases.enter("first lists committed");
        try (CommittedRecords early = new CommittedRecords(BOOTSTRAP, recommendations)) {
            int committed = early.awaitUntil(all -> !all.isEmpty(), Duration.ofMinutes(2))
                    .size();
            System.out.printf("[reliability] %s: %d lists committed when the broker goes%n", scenario.name, committed);
        }
        phases.enter("outage");
        long outageStarted = System.nanoTime();
        outage.inject(rest, id);
        System.out.printf(
                "[reliability] broker down and up again in %.1f s%n", (System.nanoTime() - outageStarted) / 1e9);
        phases.enter("second half produced");
        produce(interactions, records.subList(1000, records.size()));
        // After the last event, one far later event on each partition moves every partition's watermark past it. The
        // sentinels themselves stay pending (nothing moves the watermark past them), so they are not in the oracle.
        long sentinelTime = scenario.end + Duration.ofHours(1).toMillis();
        try (KafkaProducer<byte[], byte[]> producer = KafkaBroker.producer(BOOTSTRAP)) {
            KafkaBroker.sendSentinels(producer, interactions, 2, sentinelTime);
        }

        phases.enter("lists equal the oracle");
        try (RecommendationClient lookups = ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
            long watermark = sentinelTime
                    - settings.get(FreshRecOptions.OUT_OF_ORDERNESS).toMillis()
                    - 1;
            ExactlyOnce.awaitOracle(lookups, scenario, watermark, Duration.ofMinutes(3));
        }
        phases.enter("totals");
        long deadLetters = ExactlyOnce.awaitTotals(
                rest, id, scenario.events.size() + 2, scenario.deadLetters, Duration.ofSeconds(60));

        // What read_committed consumers see: each valid event's list once, each bad record once. Read until every
        // expected record is there, then, once the job has stopped (stop-with-savepoint commits its last
        // transactions, nothing writes after it), on to the topics' end: everything committed, duplicates included.
        Map<String, Integer> expectedLists = new TreeMap<>();
        scenario.events.forEach(event -> expectedLists.merge(event.userId + "@" + event.timestamp, 1, Integer::sum));
        List<ConsumerRecord<byte[], byte[]>> lists;
        List<ConsumerRecord<byte[], byte[]>> letters;
        long restartsSeen;
        String savepoint;
        phases.enter("committed records read");
        try (CommittedRecords listReader = new CommittedRecords(BOOTSTRAP, recommendations);
                CommittedRecords letterReader = new CommittedRecords(BOOTSTRAP, deadLetterTopic)) {
            listReader.awaitUntil(
                    all -> CommittedRecords.listsByUserAndEventTime(all)
                            .keySet()
                            .containsAll(expectedLists.keySet()),
                    Duration.ofMinutes(2));
            letterReader.awaitUntil(all -> all.size() >= scenario.deadLetters, Duration.ofMinutes(1));
            restartsSeen = ExactlyOnce.restarts(rest, id);
            savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(2, TimeUnit.MINUTES);
            lists = listReader.readToEnd(Duration.ofMinutes(1));
            letters = letterReader.readToEnd(Duration.ofMinutes(1));
        }
        phases.enter("savepoint read");
        ExactlyOnce.Applied applied = ExactlyOnce.appliedEvents(savepoint, scenario);
        System.out.printf(
                "[reliability] %s: job restarts %d; committed lists %d, dead letters %d%n",
                scenario.name, restartsSeen, lists.size(), letters.size());
        new ExactlyOnce.Outcome(applied, deadLetters, restartsSeen, savepoint).record(fault, scenario, null);
        Map<String, Integer> committedLists = CommittedRecords.listsByUserAndEventTime(lists);
        assertThat(surplus(committedLists, expectedLists))
                .as("lists committed more often than their event arrived (user@event time=surplus)")
                .isEmpty();
        assertThat(surplus(expectedLists, committedLists))
                .as("lists never committed (user@event time)")
                .isEmpty();
        assertThat(letters).as("committed dead letters").hasSize(scenario.deadLetters);
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertThat(JSON.readTree(letter.value()).get("reason").asText()).matches("[a-z-]+: .+");
        }
        return restartsSeen;
    }

    /** The test's phases, each printed with the time it started, so a hang shows where it is. */
    private static final class Phases {
        private final String scenario;
        private final long started = System.nanoTime();
        volatile String current = "start";

        Phases(String scenario) {
            this.scenario = scenario;
        }

        void enter(String phase) {
            current = phase;
            System.out.printf("[reliability] %s: +%.1f s %s%n", scenario, elapsed(), phase);
        }

        double elapsed() {
            return (System.nanoTime() - started) / 1e9;
        }
    }

    private static void printBrokerLogTail() {
        try {
            List<String> lines = Files.readAllLines(BROKER_DIR.resolve("broker.log"));
            List<String> warnings = lines.stream()
                    .filter(line -> line.contains(" WARN ") || line.contains(" ERROR "))
                    .toList();
            System.out.println("[reliability] broker.log, its last warnings and errors, then its last 20 lines:");
            warnings.subList(Math.max(0, warnings.size() - 10), warnings.size())
                    .forEach(line -> System.out.println("  | " + line));
            System.out.println("  ...");
            lines.subList(Math.max(0, lines.size() - 20), lines.size())
                    .forEach(line -> System.out.println("  | " + line));
        } catch (IOException | RuntimeException e) {
            System.out.println("[reliability] broker.log unreadable: " + e);
        }
    }

    /** Waits until the job has restarted at least {@code atLeast} times; returns its restarts. */
    private static long awaitRestarts(FlinkRest rest, String jobId, long atLeast, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long seen = -1;
        while (System.nanoTime() < deadline) {
            try {
                seen = ExactlyOnce.restarts(rest, jobId);
            } catch (IOException | AssertionError notYet) {
                seen = -1;
            }
            if (seen >= atLeast) {
                return seen;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("job " + jobId + " did not restart " + atLeast + " time(s) within " + timeout
                + " of the broker going down (restarts " + seen + ")");
    }

    /** The oldest failure in the job's exception history: exception, task and its root cause. */
    private static String firstFailure(FlinkRest rest, String jobId) {
        try {
            JsonNode entries = rest.get("jobs/" + jobId + "/exceptions")
                    .path("exceptionHistory")
                    .path("entries");
            if (entries.isEmpty()) {
                return "none in the exception history";
            }
            JsonNode oldest = entries.get(entries.size() - 1);
            String cause = oldest.path("stacktrace")
                    .asText()
                    .lines()
                    .filter(line -> line.startsWith("Caused by: "))
                    .reduce((first, last) -> last)
                    .orElse("");
            return oldest.path("exceptionName").asText() + " in "
                    + oldest.path("taskName").asText("the job") + "; " + cause;
        } catch (IOException e) {
            return "exception history unreadable: " + e.getMessage();
        }
    }

    /** What {@code counts} holds beyond {@code expected}, key by key. */
    private static Map<String, Integer> surplus(Map<String, Integer> counts, Map<String, Integer> expected) {
        Map<String, Integer> surplus = new TreeMap<>();
        counts.forEach((key, count) -> {
            int more = count - expected.getOrDefault(key, 0);
            if (more > 0) {
                surplus.put(key, more);
            }
        });
        return surplus;
    }

    private static void produce(String topic, List<String> records) throws Exception {
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
        try (KafkaProducer<byte[], byte[]> producer = KafkaBroker.producer(BOOTSTRAP)) {
            for (String record : records) {
                // Keyed by user, as `freshrec produce` does: a user's events stay in order on one partition.
                var parsed = parser.parse(record, System.currentTimeMillis());
                byte[] key = parsed.isValid()
                        ? Long.toString(parsed.interaction().userId).getBytes(StandardCharsets.UTF_8)
                        : null;
                producer.send(new ProducerRecord<>(topic, key, record.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }
    }
}

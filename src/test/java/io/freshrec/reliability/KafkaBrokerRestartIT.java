package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaInteractions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.ops.JobAssembly;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.KafkaBroker;
import io.freshrec.testing.TestPorts;
import java.nio.charset.StandardCharsets;
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
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 6: the Kafka broker (its own process, src/main/scripts/kafka-broker.sh, on this suite's port and directory)
 * stopped and restarted on the same data while the job reads the interactions topic and writes its outputs through
 * exactly-once sinks. Afterwards the model equals the oracle, every user's history applied each event once, and
 * what read_committed consumers see on the recommendations and dead-letter topics is each valid event's list once
 * and each bad record once: the checkpointed set, nothing from aborted transactions.
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

    @Test
    void shouldApplyAndPublishEveryEventOnceAcrossABrokerRestart() throws Exception {
        List<String> records = Scenario.syntheticRecords(26, 2000, 0.01, Scenario.START);
        // A bad record near Kafka's 1 MB limit: as a JSON dead letter its control characters would take 6 MB.
        records.add(1500, "\u0001".repeat(900 * 1024));
        Scenario scenario = new Scenario("kafka-broker-restart", records);
        Configuration settings = new Configuration(scenario.settings);
        settings.set(KafkaOptions.BOOTSTRAP_SERVERS, BOOTSTRAP);
        settings.set(KafkaOptions.GROUP_ID, scenario.name);
        settings.set(KafkaOptions.STARTING_OFFSETS, "earliest");
        settings.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, scenario.name);
        // Event time moves only with the records, never with the outage (see the sentinels below).
        settings.set(FreshRecOptions.IDLENESS, Duration.ofHours(1));

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 120);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(1));
        env.configure(restarts);
        JobAssembly.build(env, settings, KafkaInteractions.source(settings), "unused");
        produce(settings.get(KafkaOptions.TOPIC_INTERACTIONS), records.subList(0, 1000));
        JobClient job = ReliabilityCluster.execute(env, null);
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        String id = job.getJobID().toHexString();

        // Mid-stream: the first half learnt and a checkpoint committed some outputs; then the broker goes away.
        awaitCommitted(settings.get(KafkaOptions.TOPIC_RECOMMENDATIONS), 1, Duration.ofMinutes(2));
        long stopped = System.currentTimeMillis();
        broker("stop");
        Thread.sleep(3000);
        broker("start");
        System.out.printf(
                "[reliability] broker down and up again in %.1f s%n", (System.currentTimeMillis() - stopped) / 1000.0);
        produce(settings.get(KafkaOptions.TOPIC_INTERACTIONS), records.subList(1000, records.size()));
        // After the last event, one far later event on each partition moves every partition's watermark past it. The
        // sentinels themselves stay pending (nothing moves the watermark past them), so they are not in the oracle.
        long sentinelTime = scenario.end + Duration.ofHours(1).toMillis();
        try (KafkaProducer<byte[], byte[]> producer = KafkaBroker.producer(BOOTSTRAP)) {
            for (int partition = 0; partition < 2; partition++) {
                Interaction sentinel = new Interaction();
                sentinel.userId = 1_000_000 + partition;
                sentinel.itemId = 1_000_000;
                sentinel.type = EventType.VIEW;
                sentinel.timestamp = sentinelTime;
                producer.send(new ProducerRecord<>(
                        settings.get(KafkaOptions.TOPIC_INTERACTIONS),
                        partition,
                        null,
                        InteractionParser.toJson(sentinel).getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();
        }

        try (RecommendationClient lookups = ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
            long watermark = sentinelTime
                    - settings.get(FreshRecOptions.OUT_OF_ORDERNESS).toMillis()
                    - 1;
            ExactlyOnce.awaitOracle(lookups, scenario, watermark, Duration.ofMinutes(3));
        }
        long deadLetters = ExactlyOnce.awaitTotals(
                rest, id, scenario.events.size() + 2, scenario.deadLetters, Duration.ofSeconds(60));

        // What read_committed consumers see: each valid event's list once, each bad record once.
        Map<String, Integer> expectedLists = new TreeMap<>();
        scenario.events.forEach(event -> expectedLists.merge(event.userId + "@" + event.timestamp, 1, Integer::sum));
        List<ConsumerRecord<byte[], byte[]>> lists = awaitCommitted(
                settings.get(KafkaOptions.TOPIC_RECOMMENDATIONS), scenario.events.size(), Duration.ofMinutes(2));
        Map<String, Integer> committedLists = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : lists) {
            JsonNode list = JSON.readTree(record.value());
            committedLists.merge(
                    list.get("userId").asLong() + "@" + list.get("eventTime").asLong(), 1, Integer::sum);
        }
        List<ConsumerRecord<byte[], byte[]>> letters = awaitCommitted(
                settings.get(KafkaOptions.TOPIC_DEAD_LETTERS), scenario.deadLetters, Duration.ofMinutes(1));
        long restartsSeen = ExactlyOnce.restarts(rest, id);
        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        ExactlyOnce.Applied applied = ExactlyOnce.appliedEvents(savepoint, scenario);
        System.out.printf(
                "[reliability] job restarts during the outage: %d; committed lists %d, dead letters %d%n",
                restartsSeen, lists.size(), letters.size());
        new ExactlyOnce.Outcome(applied, deadLetters, restartsSeen, savepoint)
                .record("6 Kafka broker stopped and restarted", scenario, null);
        assertThat(committedLists)
                .as("(user, event time) of every committed recommendation record")
                .isEqualTo(expectedLists);
        assertThat(letters).as("committed dead letters").hasSize(scenario.deadLetters);
        for (ConsumerRecord<byte[], byte[]> letter : letters) {
            assertThat(JSON.readTree(letter.value()).get("reason").asText()).matches("[a-z-]+: .+");
        }
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

    /** Reads the topic read_committed until it holds at least {@code count} records, then once more after a while. */
    private static List<ConsumerRecord<byte[], byte[]>> awaitCommitted(String topic, int count, Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        while (records.size() < count) {
            assertThat(System.nanoTime())
                    .as("%d committed records on %s in time (have %d)", count, topic, records.size())
                    .isLessThan(deadline);
            Thread.sleep(500);
            records = KafkaBroker.readCommitted(BOOTSTRAP, topic, Duration.ofSeconds(10));
        }
        // A few more checkpoints: anything committed twice would show now.
        Thread.sleep(2000);
        return KafkaBroker.readCommitted(BOOTSTRAP, topic, Duration.ofSeconds(10));
    }
}

package io.freshrec.kafka;

import static io.freshrec.testing.ServedLists.assertSameList;
import static io.freshrec.testing.ServedLists.awaitFinalLists;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.Recommendations;
import io.freshrec.ops.JobAssembly;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CommittedRecords;
import io.freshrec.testing.FailOnceAfterCheckpoint;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.KafkaBrokerExtension;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job on Kafka, against a real broker (KRaft, in this JVM) and a MiniCluster at parallelism 2:
 * interactions from a two-partition topic, dead letters, model updates and recommendations to their
 * topics through exactly-once sinks. What a read_committed consumer sees is checked record by record
 * against the input, and the served model against {@link ReferenceModel}, an independent fold. The
 * topics are read until every expected record has arrived, then, after the job stopped with a
 * savepoint, on to their end: a duplicate committed at any time shows.
 */
class KafkaJobTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    private static final long START = 1_704_067_200_000L; // 2024-01-01T00:00:00Z
    private static final ObjectMapper JSON = new ObjectMapper();
    /** How long the outputs may take to be committed, and to be read to their end. */
    private static final Duration OUTPUT_TIMEOUT = Duration.ofSeconds(60);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extension(PROXY_PORT, PORTS.port(1));

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path savepoints;

    /** Topics and ids of one test. */
    private record Topics(String interactions, String deadLetters, String models, String recommendations) {
        static Topics create(String name) throws Exception {
            Topics topics = new Topics(
                    name + "-interactions", name + "-dead-letters", name + "-model-updates", name + "-recommendations");
            KAFKA.broker().createTopic(topics.interactions, 2, Map.of());
            KAFKA.broker().createTopic(topics.deadLetters, 1, Map.of());
            KAFKA.broker().createTopic(topics.models, 2, Map.of("cleanup.policy", "compact"));
            KAFKA.broker().createTopic(topics.recommendations, 2, Map.of("cleanup.policy", "compact"));
            return topics;
        }
    }

    private static Configuration settings(String name, Topics topics) {
        Configuration settings = new Configuration();
        settings.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        // More candidates than items: no truncation, so ties at the cut cannot make the comparison flaky.
        settings.set(FreshRecOptions.NEIGHBOURS, 500);
        settings.set(FreshRecOptions.TOP_N, 10);
        settings.set(FreshRecOptions.TRENDING_SIZE, 20);
        settings.set(FreshRecOptions.PUBLISH_INTERVAL, Duration.ofMillis(500));
        settings.set(FreshRecOptions.OUT_OF_ORDERNESS, Duration.ofMillis(100));
        settings.set(FreshRecOptions.IDLENESS, Duration.ofSeconds(3));
        settings.set(KafkaOptions.BOOTSTRAP_SERVERS, KAFKA.broker().bootstrapServers());
        settings.set(KafkaOptions.TOPIC_INTERACTIONS, topics.interactions);
        settings.set(KafkaOptions.TOPIC_DEAD_LETTERS, topics.deadLetters);
        settings.set(KafkaOptions.TOPIC_MODEL_UPDATES, topics.models);
        settings.set(KafkaOptions.TOPIC_RECOMMENDATIONS, topics.recommendations);
        settings.set(KafkaOptions.GROUP_ID, name);
        settings.set(KafkaOptions.STARTING_OFFSETS, "earliest");
        settings.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, name);
        // Records of 2024 through Kafka: a backfill, which the live lag bound would send to the dead letters.
        settings.set(FreshRecOptions.MAX_LAG, Duration.ZERO);
        return settings;
    }

    private static List<Interaction> synthetic(int count) {
        SyntheticInteractions world = new SyntheticInteractions(11, 60, 120, 6, START, 20, 20_000, 20, 0.0);
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < count; n++) {
            events.add(world.at(n));
        }
        return events;
    }

    /** Poison pills as they arrive on a real topic: null values, empty and non-UTF-8 bytes, hostile JSON. */
    private static List<byte[]> poisonPills() {
        List<byte[]> pills = new ArrayList<>();
        pills.add(null); // tombstone
        pills.add(new byte[0]);
        pills.add(new byte[] {(byte) 0xC3, (byte) 0x28, (byte) 0xFF, '{'});
        for (String text : List.of(
                "not json at all",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":99999999999999}",
                "{\"user\":1,\"item\":2,\"type\":\"teleport\",\"ts\":" + START + "}",
                "{\"user\":\"x\",\"item\":2,\"type\":\"click\",\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":NaN,\"ts\":" + START + "}",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + START + ",\"pad\":\"" + "x".repeat(70_000)
                        + "\"}")) {
            pills.add(text.getBytes(StandardCharsets.UTF_8));
        }
        return pills;
    }

    /** Writes the events keyed by user (a user's events stay in order), a poison pill after every 7th. */
    private static int produce(String topic, List<Interaction> events, int from, int to) throws Exception {
        List<byte[]> pills = poisonPills();
        int injected = 0;
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.broker().producer()) {
            for (int i = from; i < to; i++) {
                Interaction event = events.get(i);
                byte[] key = Long.toString(event.userId).getBytes(StandardCharsets.UTF_8);
                producer.send(new ProducerRecord<>(
                        topic, key, InteractionParser.toJson(event).getBytes(StandardCharsets.UTF_8)));
                if (i % 7 == 3) {
                    producer.send(new ProducerRecord<>(topic, key, pills.get((i / 7) % pills.size())));
                    injected++;
                }
            }
            producer.flush();
        }
        return injected;
    }

    @Test
    void shouldRoundTripThroughKafkaWithPoisonPillsAndServeTheIndependentFold() throws Exception {
        Topics topics = Topics.create("roundtrip");
        List<Interaction> events = synthetic(1200);
        int injected = produce(topics.interactions, events, 0, events.size());

        Configuration settings = settings("roundtrip", topics);
        StreamExecutionEnvironment env = environment();
        JobAssembly.build(env, settings, KafkaInteractions.source(settings), "unused");
        runAndCheck(env, settings, topics, events, injected, null);
    }

    @Test
    void shouldWriteEveryOutputExactlyOnceAcrossAFailureAfterACheckpoint() throws Exception {
        Topics topics = Topics.create("failover");
        List<Interaction> events = synthetic(1500);
        Configuration settings = settings("failover", topics);
        StreamExecutionEnvironment env = environment();
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        env.configure(restarts);
        FreshRecJob.Outputs outputs = JobAssembly.build(env, settings, KafkaInteractions.source(settings), "unused");
        // The failure: thrown once, mid-stream, after a checkpoint has completed and outputs were committed.
        outputs.recommendations
                .map(new FailOnceAfterCheckpoint<Recommendations>("kafka-failover", 200))
                .uid("fail-once")
                .name("fail-once")
                .sinkTo(new DiscardingSink<>())
                .uid("fail-once-sink")
                .name("fail-once-sink");

        // Input keeps arriving while the job runs, so the failure lands mid-stream.
        int[] injected = new int[1];
        Thread producer = new Thread(() -> {
            try {
                for (int batch = 0; batch < 10; batch++) {
                    injected[0] += produce(topics.interactions, events, batch * 150, (batch + 1) * 150);
                    Thread.sleep(700);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        producer.start();
        runAndCheck(env, settings, topics, events, -1, () -> {
            producer.join();
            return injected[0];
        });
        assertThat(FailOnceAfterCheckpoint.failed("kafka-failover"))
                .as("the failure was injected")
                .isTrue();
    }

    private static StreamExecutionEnvironment environment() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // Kafka transactions commit on checkpoints: check often so the test sees outputs soon.
        env.enableCheckpointing(500);
        return env;
    }

    private interface Injected {
        int count() throws Exception;
    }

    private void runAndCheck(
            StreamExecutionEnvironment env,
            Configuration settings,
            Topics topics,
            List<Interaction> events,
            int injectedUpfront,
            Injected injectedLater)
            throws Exception {
        JobClient client = env.executeAsync(FreshRecJob.JOB_NAME);
        boolean stopped = false;
        try (RecommendationClient lookups = new RecommendationClient(
                        "localhost",
                        PROXY_PORT,
                        URI.create("http://localhost:1"),
                        client.getJobID(),
                        Duration.ofSeconds(60));
                CommittedRecords recReader =
                        new CommittedRecords(KAFKA.broker().bootstrapServers(), topics.recommendations);
                CommittedRecords letterReader =
                        new CommittedRecords(KAFKA.broker().bootstrapServers(), topics.deadLetters);
                CommittedRecords modelReader =
                        new CommittedRecords(KAFKA.broker().bootstrapServers(), topics.models)) {
            int injected = injectedLater == null ? injectedUpfront : injectedLater.count();
            ReferenceModel reference = new ReferenceModel(OracleSettings.of(settings), events);

            // The model: what serving holds equals the independent fold of the valid input.
            Map<Long, Recommendations> served = awaitFinalLists(lookups, reference, Duration.ofSeconds(120));
            assertThat(served.keySet()).containsExactlyInAnyOrderElementsOf(reference.users());
            for (Map.Entry<Long, Recommendations> entry : served.entrySet()) {
                assertSameList(entry.getKey(), entry.getValue(), reference.recommend(entry.getKey()));
            }

            // Outputs commit with checkpoints: wait until every expected record is visible to read_committed...
            Map<String, Integer> expectedTimes = new TreeMap<>();
            for (Interaction event : events) {
                expectedTimes.merge(event.userId + "@" + event.timestamp, 1, Integer::sum);
            }
            long itemCount =
                    events.stream().mapToLong(event -> event.itemId).distinct().count();
            recReader.awaitUntil(
                    all -> CommittedRecords.listsByUserAndEventTime(all)
                            .keySet()
                            .containsAll(expectedTimes.keySet()),
                    OUTPUT_TIMEOUT);
            letterReader.awaitUntil(all -> all.size() >= injected, OUTPUT_TIMEOUT);
            modelReader.awaitUntil(
                    all -> all.stream()
                                    .filter(record -> !isCommit(record))
                                    .map(KafkaJobTest::key)
                                    .distinct()
                                    .count()
                            >= itemCount,
                    OUTPUT_TIMEOUT);
            // ...then end the job (stop-with-savepoint commits its last transactions; nothing writes after it) and
            // read every topic to its end: all the job ever committed, where a duplicate would show.
            client.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                    .get(2, TimeUnit.MINUTES);
            stopped = true;
            List<ConsumerRecord<byte[], byte[]>> recs = recReader.readToEnd(OUTPUT_TIMEOUT);
            List<ConsumerRecord<byte[], byte[]>> letters = letterReader.readToEnd(OUTPUT_TIMEOUT);
            List<ConsumerRecord<byte[], byte[]>> models = modelReader.readToEnd(OUTPUT_TIMEOUT);

            // Recommendations: one committed record per valid interaction, none lost, none twice.
            Map<Long, JsonNode> latest = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> record : recs) {
                JsonNode list = JSON.readTree(record.value());
                long user = list.get("userId").asLong();
                assertThat(new String(record.key(), StandardCharsets.UTF_8)).isEqualTo(Long.toString(user));
                latest.put(user, list);
            }
            assertThat(CommittedRecords.listsByUserAndEventTime(recs))
                    .as("(user, event time) of every committed recommendation record")
                    .isEqualTo(expectedTimes);
            for (Map.Entry<Long, Recommendations> entry : served.entrySet()) {
                List<Long> items = new ArrayList<>();
                latest.get(entry.getKey()).get("items").forEach(item -> items.add(item.asLong()));
                assertThat(items)
                        .as("latest record of user %d", entry.getKey())
                        .containsExactlyElementsOf(toList(entry.getValue().items));
            }

            // Dead letters: each injected poison pill exactly once, with a reason.
            assertThat(letters).hasSize(injected);
            for (ConsumerRecord<byte[], byte[]> record : letters) {
                assertThat(JSON.readTree(record.value()).get("reason").asText()).contains(":");
            }

            // Model updates: every item published, no (item, version time) twice, commits numbered 1..n once each.
            Set<String> itemVersions = new HashSet<>();
            Set<Long> commits = new HashSet<>();
            for (ConsumerRecord<byte[], byte[]> record : models) {
                JsonNode update = JSON.readTree(record.value());
                if (isCommit(record)) {
                    assertThat(commits.add(update.get("version").asLong()))
                            .as("commit %s once", update.get("version"))
                            .isTrue();
                } else {
                    String id = key(record) + "@"
                            + update.get("item").get("versionTime").asLong();
                    assertThat(itemVersions.add(id))
                            .as("item snapshot %s once", id)
                            .isTrue();
                }
            }
            long lastCommit = commits.stream().mapToLong(Long::longValue).max().orElse(0);
            List<Long> missing = new ArrayList<>();
            for (long version = 1; version <= lastCommit; version++) {
                if (!commits.contains(version)) {
                    missing.add(version);
                }
            }
            assertThat(missing)
                    .as("committed versions missing below the last one (%d)", lastCommit)
                    .isEmpty();
            assertThat(lastCommit)
                    .isGreaterThanOrEqualTo(served.values().stream()
                            .mapToLong(list -> list.modelVersion)
                            .max()
                            .orElseThrow());
        } finally {
            if (!stopped) {
                client.cancel().get(1, TimeUnit.MINUTES);
            }
        }
    }

    private static boolean isCommit(ConsumerRecord<byte[], byte[]> record) {
        return KafkaOutputs.COMMIT_KEY.equals(key(record));
    }

    private static String key(ConsumerRecord<byte[], byte[]> record) {
        return new String(record.key(), StandardCharsets.UTF_8);
    }

    private static List<Long> toList(long[] values) {
        List<Long> list = new ArrayList<>();
        for (long value : values) {
            list.add(value);
        }
        return list;
    }
}

package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.kafka.KafkaInteractions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.ops.JobAssembly;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.KafkaBroker;
import io.freshrec.testing.KafkaBrokerExtension;
import io.freshrec.testing.TestPorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 10: one partition of the interactions topic receives nothing but valid events with old timestamps (2001, all
 * the while) while the other two carry the live stream. A partition that keeps receiving events is never idle, so
 * before the lag bound ({@code freshrec.watermark.max-lag}) its watermark stayed in 2001 and held event time back for
 * the whole job: every live event waited, the model learnt nothing. Now each old event is a dead letter {@code
 * too-old} and moves no watermark, the partition counts as idle, and the job learns from the others: it ends in the
 * oracle's state with nothing lost, and its dead letters are the scenario's bad records plus every old event sent.
 */
class EventTimeHostageIT {
    private static final int BASE = TestPorts.block().first();
    /** The partition held hostage; 0 and 1 carry the live stream (each user on one of them, in order). */
    private static final int HOSTAGE = 2;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path savepoints;

    @AfterEach
    void cancelJobs() throws Exception {
        FreshRecCluster.cancelActiveJobs(CLUSTER);
    }

    @Test
    void shouldLearnFromTheLiveStreamWhileOnePartitionReceivesOnlyOldEvents() throws Exception {
        KafkaBroker broker = KAFKA.broker();
        // A live stream: 2,000 records over 100 s of event time, ending about 8 min before now (within the default
        // 30 min bound), about 1% of them malformed.
        long start = System.currentTimeMillis() - Duration.ofMinutes(10).toMillis();
        List<String> records = Scenario.syntheticRecords(31, 2000, 0.01, start);
        Scenario scenario = new Scenario("event-time-hostage", records);

        String prefix = scenario.name + "-";
        Configuration settings = new Configuration(scenario.settings);
        settings.set(KafkaOptions.BOOTSTRAP_SERVERS, broker.bootstrapServers());
        settings.set(KafkaOptions.TOPIC_INTERACTIONS, prefix + "interactions");
        settings.set(KafkaOptions.TOPIC_DEAD_LETTERS, prefix + "dead-letters");
        settings.set(KafkaOptions.TOPIC_MODEL_UPDATES, prefix + "model-updates");
        settings.set(KafkaOptions.TOPIC_RECOMMENDATIONS, prefix + "recommendations");
        settings.set(KafkaOptions.GROUP_ID, scenario.name);
        settings.set(KafkaOptions.STARTING_OFFSETS, "earliest");
        settings.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, scenario.name);
        String topic = settings.get(KafkaOptions.TOPIC_INTERACTIONS);
        broker.createTopic(topic, 3, Map.of());
        broker.createTopic(prefix + "dead-letters", 1, Map.of());
        broker.createTopic(prefix + "model-updates", 2, Map.of("cleanup.policy", "compact"));
        broker.createTopic(prefix + "recommendations", 2, Map.of("cleanup.policy", "compact"));

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        JobAssembly.build(env, settings, KafkaInteractions.source(settings), "unused");
        JobClient job = ReliabilityCluster.execute(env, null);
        FlinkRest rest = ReliabilityCluster.rest(CLUSTER);
        String id = job.getJobID().toHexString();

        long oldEvents;
        try (KafkaProducer<byte[], byte[]> producer = broker.producer();
                OldEvents hostage = new OldEvents(broker.producer(), topic)) {
            // The hostage partition first and throughout, then the live stream.
            hostage.awaitSent(20, Duration.ofSeconds(30));
            InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
            for (String record : records) {
                var parsed = parser.parse(record, System.currentTimeMillis());
                int partition = parsed.isValid() ? (int) (parsed.interaction().userId % 2) : 0;
                byte[] key = parsed.isValid()
                        ? Long.toString(parsed.interaction().userId).getBytes(StandardCharsets.UTF_8)
                        : null;
                producer.send(new ProducerRecord<>(topic, partition, key, record.getBytes(StandardCharsets.UTF_8)));
            }
            producer.flush();

            // Once the live partitions have been idle for freshrec.watermark.idleness, their event time moves on with
            // the wall clock, past the stream's last event: every model version is committed in the end.
            try (RecommendationClient lookups =
                    ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
                ExactlyOnce.awaitOracle(lookups, scenario, Long.MAX_VALUE, Duration.ofMinutes(3));
            }
            oldEvents = hostage.stop();
        }
        System.out.printf(
                "[reliability] %s: %d old events on partition %d while the model learnt the live stream%n",
                scenario.name, oldEvents, HOSTAGE);
        // Every old event is a dead letter.
        long deadLetters = ExactlyOnce.awaitTotals(
                rest, id, scenario.events.size(), scenario.deadLetters + oldEvents, Duration.ofSeconds(60));
        // (A client of its own: FlinkRest keeps the metric names it first found per vertex.)
        Map<String, FlinkRest.Aggregate> tooOld =
                ReliabilityCluster.rest(CLUSTER).metrics(id, List.of("parse.deadLetterReason.too-old"));
        assertThat(tooOld.get("parse.deadLetterReason.too-old").sum)
                .as("dead letters too-old")
                .isEqualTo((double) oldEvents);
        long restarts = ExactlyOnce.restarts(rest, id);
        String savepoint = job.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        new ExactlyOnce.Outcome(ExactlyOnce.appliedEvents(savepoint, scenario), deadLetters, restarts, savepoint)
                .record("10 partition held by old events (" + oldEvents + " too-old)", scenario, null);
    }

    /** Valid events of 2001, one every 20 ms, on the hostage partition until stopped; counts what was acknowledged. */
    private static final class OldEvents implements AutoCloseable {
        private final KafkaProducer<byte[], byte[]> producer;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong sent = new AtomicLong();
        private final Thread thread;

        OldEvents(KafkaProducer<byte[], byte[]> producer, String topic) {
            this.producer = producer;
            long first = Instant.parse("2001-01-01T00:00:00Z").toEpochMilli();
            this.thread = new Thread(
                    () -> {
                        for (long n = 0; running.get(); n++) {
                            Interaction old = new Interaction(
                                    5000 + n % 50, 9000 + n % 20, EventType.VIEW, Double.NaN, first + n);
                            try {
                                producer.send(new ProducerRecord<>(
                                                topic,
                                                HOSTAGE,
                                                null,
                                                InteractionParser.toJson(old).getBytes(StandardCharsets.UTF_8)))
                                        .get(30, TimeUnit.SECONDS);
                                sent.incrementAndGet();
                                Thread.sleep(20);
                            } catch (InterruptedException e) {
                                return;
                            } catch (Exception e) {
                                throw new IllegalStateException("an old event was not acknowledged", e);
                            }
                        }
                    },
                    "old-events");
            thread.setDaemon(true);
            thread.start();
        }

        void awaitSent(long count, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (sent.get() < count) {
                assertThat(thread.isAlive()).as("old-event producer alive").isTrue();
                assertThat(System.nanoTime())
                        .as("%d old events sent in time", count)
                        .isLessThan(deadline);
                Thread.sleep(20);
            }
        }

        /** Stops sending and returns how many were acknowledged. */
        long stop() throws InterruptedException {
            running.set(false);
            thread.join(60_000);
            assertThat(thread.isAlive()).as("old-event producer stopped").isFalse();
            return sent.get();
        }

        @Override
        public void close() throws InterruptedException {
            if (thread.isAlive()) {
                stop();
            }
            producer.close();
        }
    }
}

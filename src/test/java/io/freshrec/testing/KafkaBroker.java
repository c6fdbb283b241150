package io.freshrec.testing;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.testkit.KafkaClusterTestKit;
import kafka.testkit.TestKitNodes;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A real Kafka broker (KRaft, one combined broker + controller) inside the test JVM, from Kafka's own
 * test kit at the version of the connector's clients.
 */
public final class KafkaBroker implements AutoCloseable {
    private final KafkaClusterTestKit cluster;
    private final String bootstrapServers;

    private KafkaBroker(KafkaClusterTestKit cluster) {
        this.cluster = cluster;
        this.bootstrapServers = cluster.clientProperties().getProperty("bootstrap.servers");
    }

    public static KafkaBroker start() throws Exception {
        KafkaClusterTestKit cluster = new KafkaClusterTestKit.Builder(new TestKitNodes.Builder()
                        .setCombined(true)
                        .setNumBrokerNodes(1)
                        .setNumControllerNodes(1)
                        .build())
                // One broker: internal topics with a single replica.
                .setConfigProp("offsets.topic.replication.factor", "1")
                .setConfigProp("offsets.topic.num.partitions", "1")
                .setConfigProp("transaction.state.log.replication.factor", "1")
                .setConfigProp("transaction.state.log.min.isr", "1")
                .setConfigProp("transaction.state.log.num.partitions", "1")
                .setConfigProp("group.initial.rebalance.delay.ms", "0")
                .build();
        try {
            cluster.format();
            cluster.startup();
            cluster.waitForReadyBrokers();
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
        return new KafkaBroker(cluster);
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public void createTopic(String name, int partitions, Map<String, String> configs) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs)))
                    .all()
                    .get();
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        return producer(bootstrapServers);
    }

    /**
     * Sends one interaction at {@code time} (long after the input) to each of {@code partitions} partitions of
     * {@code topic} and flushes: every partition's watermark then moves past the input's last event. The sentinels
     * themselves stay pending (nothing moves the watermark past them), so they are in no oracle.
     */
    public static void sendSentinels(KafkaProducer<byte[], byte[]> producer, String topic, int partitions, long time) {
        for (int partition = 0; partition < partitions; partition++) {
            Interaction sentinel = new Interaction();
            sentinel.userId = 1_000_000 + partition;
            sentinel.itemId = 1_000_000;
            sentinel.type = EventType.VIEW;
            sentinel.timestamp = time;
            producer.send(new ProducerRecord<>(
                    topic, partition, null, InteractionParser.toJson(sentinel).getBytes(StandardCharsets.UTF_8)));
        }
        producer.flush();
    }

    /**
     * The job's four topics named {@code prefix} + interactions, dead-letters, model-updates and recommendations (the
     * last two compacted, as kafka-broker.sh makes them), with {@code partitions} partitions, on any broker.
     */
    public static void createJobTopics(String bootstrapServers, String prefix, int partitions) throws Exception {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrapServers))) {
            admin.createTopics(List.of(
                            new NewTopic(prefix + "interactions", partitions, (short) 1),
                            new NewTopic(prefix + "dead-letters", partitions, (short) 1),
                            new NewTopic(prefix + "model-updates", partitions, (short) 1)
                                    .configs(Map.of("cleanup.policy", "compact")),
                            new NewTopic(prefix + "recommendations", partitions, (short) 1)
                                    .configs(Map.of("cleanup.policy", "compact"))))
                    .all()
                    .get(1, TimeUnit.MINUTES);
        }
    }

    /** A producer (acks all) of any broker, e.g. one in its own process. */
    public static KafkaProducer<byte[], byte[]> producer(String bootstrapServers) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Every committed record of {@code topic} up to its end offsets as of the call (read after the writers stopped:
     * the whole output), as a read_committed consumer sees it; fails when that takes longer than {@code timeout}.
     */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, Duration quiet) {
        return readCommitted(bootstrapServers, topic, quiet);
    }

    /** As {@link #readCommitted(String, Duration)}, from any broker. */
    public static List<ConsumerRecord<byte[], byte[]>> readCommitted(
            String bootstrapServers, String topic, Duration quiet) {
        try (CommittedRecords records = new CommittedRecords(bootstrapServers, topic)) {
            return records.readToEnd(quiet);
        }
    }

    /** End offsets per partition as read_uncommitted and read_committed consumers see them: they differ while a transaction is open. */
    public String endOffsets(String topic) {
        StringBuilder text = new StringBuilder();
        for (String isolation : List.of("read_uncommitted", "read_committed")) {
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
            try (KafkaConsumer<byte[], byte[]> consumer =
                    new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
                List<TopicPartition> partitions = new ArrayList<>();
                consumer.partitionsFor(topic)
                        .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
                text.append(isolation)
                        .append(' ')
                        .append(consumer.endOffsets(partitions))
                        .append("; ");
            }
        }
        return text.toString();
    }

    @Override
    public void close() throws Exception {
        cluster.close();
    }
}

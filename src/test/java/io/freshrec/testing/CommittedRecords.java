package io.freshrec.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a read_committed consumer sees on one topic, read from the beginning of every partition and kept: wait until
 * the expected records have arrived ({@link #awaitUntil}), end what writes to the topic, then read the rest up to the
 * topic's end ({@link #readToEnd}) and look for duplicates in all of it. No fixed waits: a duplicate committed late
 * is found because the reading goes on until the end of the output, not for a while.
 */
public final class CommittedRecords implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String topic;
    private final KafkaConsumer<byte[], byte[]> consumer;
    private final List<TopicPartition> partitions = new ArrayList<>();
    private final List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();

    public CommittedRecords(String bootstrapServers, String topic) {
        this.topic = topic;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        consumer.partitionsFor(topic, Duration.ofSeconds(30))
                .forEach(info -> partitions.add(new TopicPartition(topic, info.partition())));
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Polls until {@code done} holds for everything read so far; fails at the deadline, showing what it has. */
    public List<ConsumerRecord<byte[], byte[]>> awaitUntil(
            Predicate<List<ConsumerRecord<byte[], byte[]>>> done, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!done.test(Collections.unmodifiableList(records))) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the expected records of " + topic + " did not arrive within " + timeout
                        + " (read " + records.size() + "; end offsets " + endOffsets() + ")");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return List.copyOf(records);
    }

    /**
     * Reads on until the position reaches the topic's end offsets as of this call, and returns everything read. For a
     * read_committed consumer those are the last stable offsets: every transaction ended (committed or aborted)
     * before the call is behind them. Called after the writers stopped, that is the whole output.
     */
    public List<ConsumerRecord<byte[], byte[]>> readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("did not read " + topic + " to its end offsets " + end + " within " + timeout
                        + " (read " + records.size() + ")");
            }
            consumer.poll(Duration.ofMillis(200)).forEach(records::add);
        }
        return List.copyOf(records);
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (TopicPartition partition : partitions) {
            if (consumer.position(partition) < end.get(partition)) {
                return false;
            }
        }
        return true;
    }

    private String endOffsets() {
        try {
            return consumer.endOffsets(partitions, Duration.ofSeconds(5)).toString();
        } catch (RuntimeException e) {
            return "unknown: " + e;
        }
    }

    /** How many recommendation records (JSON lists) each "user@eventTime" has among {@code records}. */
    public static Map<String, Integer> listsByUserAndEventTime(List<ConsumerRecord<byte[], byte[]>> records) {
        Map<String, Integer> times = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            try {
                JsonNode list = JSON.readTree(record.value());
                times.merge(
                        list.get("userId").asLong() + "@"
                                + list.get("eventTime").asLong(),
                        1,
                        Integer::sum);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return times;
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}

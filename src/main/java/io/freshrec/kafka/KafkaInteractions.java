package io.freshrec.kafka;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.job.MetricNames;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.InteractionWatermarks;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.metrics.Counter;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * The interactions topic as the job's source. Records are read as raw strings and parsed inside the
 * job, so a poison pill becomes a dead letter instead of failing the reader on the same offset
 * forever. Watermarks are generated per partition inside the source (bounded out-of-orderness,
 * idleness), so a reader holding several partitions does not mistake one partition's lag for
 * lateness.
 */
public final class KafkaInteractions {
    public static final String SOURCE_NAME = "source-kafka";

    private KafkaInteractions() {}

    public static InteractionSource source(Configuration conf) {
        KafkaOptions.Settings kafka = KafkaOptions.settings(conf);
        Properties properties = kafka.properties();
        // Consumers of a transactional topic (e.g. a FreshRec upstream) must not see aborted records.
        properties.putIfAbsent(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        KafkaSource<String> source = KafkaSource.<String>builder()
                .setBootstrapServers(kafka.bootstrapServers())
                .setTopics(kafka.interactionsTopic())
                .setGroupId(kafka.groupId())
                .setStartingOffsets(startingOffsets(kafka.startingOffsets()))
                .setDeserializer(new RawRecords())
                .setProperties(properties)
                .build();
        InputFormat format = InputFormat.JSON_LINES;
        FreshRecOptions.JobSettings job = FreshRecOptions.jobSettings(conf);
        // The job's own parser with its bounds: a too-old or far-future record moves no partition's event time.
        InteractionParser parser = new InteractionParser(
                format, job.maxFuture().toMillis(), job.maxLag().toMillis());
        return new InteractionSource(
                        source,
                        SOURCE_NAME,
                        0,
                        format,
                        InteractionWatermarks.forRawRecords(parser, job.outOfOrderness(), job.idleness()))
                .live();
    }

    /** Where a job without checkpointed offsets starts reading. */
    static OffsetsInitializer startingOffsets(String setting) {
        String value = setting.trim().toLowerCase(Locale.ROOT);
        if (value.equals("committed")) {
            return OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
        }
        if (value.equals("earliest")) {
            return OffsetsInitializer.earliest();
        }
        if (value.equals("latest")) {
            return OffsetsInitializer.latest();
        }
        if (value.startsWith("timestamp:")) {
            try {
                return OffsetsInitializer.timestamp(Long.parseLong(value.substring("timestamp:".length())));
            } catch (NumberFormatException e) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException(KafkaOptions.STARTING_OFFSETS.key() + ": '" + setting
                + "' is not one of committed, earliest, latest, timestamp:EPOCH_MS");
    }

    /**
     * Kafka record values as UTF-8 strings. A tombstone (null value) becomes an empty record, which
     * the parser sends to the dead letters as empty; bytes that are not UTF-8 are decoded with
     * replacement characters and rejected by the parser. Nothing here throws.
     */
    static final class RawRecords implements KafkaRecordDeserializationSchema<String> {
        private static final long serialVersionUID = 1L;
        private transient Counter tombstones;

        @Override
        public void open(DeserializationSchema.InitializationContext context) {
            tombstones = context.getMetricGroup().counter(MetricNames.KAFKA_TOMBSTONES);
        }

        @Override
        public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<String> out) throws IOException {
            byte[] value = record.value();
            if (value == null) {
                if (tombstones != null) {
                    tombstones.inc();
                }
                out.collect("");
                return;
            }
            out.collect(new String(value, StandardCharsets.UTF_8));
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }
    }
}

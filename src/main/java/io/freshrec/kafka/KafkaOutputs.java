package io.freshrec.kafka;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.ModelUpdate;
import io.freshrec.model.Recommendations;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Properties;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.environment.CheckpointConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * What FreshRec writes to Kafka, each through its own transactional sink (exactly once by default:
 * records become visible to read_committed consumers when the checkpoint that covers them completes):
 * <ul>
 *   <li>dead letters: JSON {reason, payload, rejectedAt}, no key;</li>
 *   <li>model updates: the validated snapshot deltas, keyed by item id, and each version's commit
 *       (with the trending list) keyed {@value #COMMIT_KEY}: on a compacted topic the latest state of
 *       every item and the latest commit survive;</li>
 *   <li>recommendations: every recomputed list, keyed by user id (compacted: each user's latest).</li>
 * </ul>
 */
public final class KafkaOutputs {
    public static final String DEAD_LETTER_SINK = "dead-letter-topic";
    public static final String MODEL_UPDATE_SINK = "model-update-topic";
    public static final String RECOMMENDATION_SINK = "recommendation-topic";
    /** Key of the version commits on the model-updates topic. */
    public static final String COMMIT_KEY = "commit";

    private KafkaOutputs() {}

    /** Adds the configured Kafka sinks to the job's outputs. */
    public static void attach(FreshRecJob.Outputs outputs, Configuration settings) {
        KafkaOptions.Settings conf = KafkaOptions.settings(settings);
        CheckpointConfig checkpoints =
                outputs.recommendations.getExecutionEnvironment().getCheckpointConfig();
        if (conf.delivery() == DeliveryGuarantee.EXACTLY_ONCE
                && !settings.contains(CheckpointingOptions.CHECKPOINTING_TIMEOUT)) {
            checkpoints.setCheckpointTimeout(KafkaOptions.DEFAULT_CHECKPOINT_TIMEOUT.toMillis());
        }
        KafkaOptions.checkTransactionWindow(
                conf,
                Duration.ofMillis(checkpoints.getCheckpointTimeout()),
                Duration.ofMillis(Math.max(0, checkpoints.getCheckpointInterval())),
                Duration.ofMillis(checkpoints.getMinPauseBetweenCheckpoints()));
        String deadLetters = conf.deadLetterTopic();
        if (!deadLetters.isBlank()) {
            sink(outputs.deadLetters, conf, DEAD_LETTER_SINK, new Records<>(deadLetters, null), -1);
        }
        String models = conf.modelUpdatesTopic();
        if (!models.isBlank()) {
            // The gate commits versions at parallelism 1; its sink runs beside it.
            sink(
                    outputs.modelUpdates,
                    conf,
                    MODEL_UPDATE_SINK,
                    new Records<>(models, new ModelUpdateKey()),
                    outputs.modelUpdates.getParallelism());
        }
        String recommendations = conf.recommendationsTopic();
        if (!recommendations.isBlank()) {
            sink(
                    outputs.recommendations,
                    conf,
                    RECOMMENDATION_SINK,
                    new Records<>(recommendations, new UserKey()),
                    outputs.recommendations.getParallelism());
        }
    }

    private static <T> void sink(
            DataStream<T> stream, KafkaOptions.Settings conf, String name, Records<T> records, int parallelism) {
        Properties properties = conf.properties();
        properties.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(conf.transactionTimeout().toMillis()));
        KafkaSink<T> sink = KafkaSink.<T>builder()
                .setBootstrapServers(conf.bootstrapServers())
                .setRecordSerializer(records)
                .setDeliveryGuarantee(conf.delivery())
                // One prefix per sink: the three sinks of one job must not fence each other.
                .setTransactionalIdPrefix(conf.transactionalIdPrefix() + "-" + name)
                .setKafkaProducerConfig(properties)
                .build();
        DataStreamSink<T> added = stream.sinkTo(sink).uid(name).name(name);
        if (parallelism > 0) {
            added.setParallelism(parallelism);
        }
    }

    /** Item snapshots keyed by item id, commits by {@link #COMMIT_KEY}. */
    static final class ModelUpdateKey implements SerializationSchema<ModelUpdate> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(ModelUpdate update) {
            String key = update.isCommit() ? COMMIT_KEY : Long.toString(update.item.item);
            return key.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Lists keyed by user id. */
    static final class UserKey implements SerializationSchema<Recommendations> {
        private static final long serialVersionUID = 1L;

        @Override
        public byte[] serialize(Recommendations recs) {
            return Long.toString(recs.userId).getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * Records of one topic: optional key, JSON value, and NO record timestamp, so the producer stamps
     * the wall clock. Flink would otherwise pass the event time, and a replay of old data (MovieLens
     * runs from 1996) would give the broker records that time-based retention deletes at once and
     * that roll a new log segment per batch; the event time is in the value.
     */
    static final class Records<T> implements KafkaRecordSerializationSchema<T> {
        private static final long serialVersionUID = 1L;
        private final String topic;
        private final SerializationSchema<T> key;
        private final Json<T> value = new Json<>();

        Records(String topic, SerializationSchema<T> key) {
            this.topic = topic;
            this.key = key;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(T element, KafkaSinkContext context, Long timestamp) {
            return new ProducerRecord<>(
                    topic, null, null, key == null ? null : key.serialize(element), value.serialize(element));
        }
    }

    /** JSON of the record's public fields (the same objects the job and the lookup client use). */
    static final class Json<T> implements SerializationSchema<T> {
        private static final long serialVersionUID = 1L;
        private transient ObjectMapper mapper;

        @Override
        public byte[] serialize(T value) {
            if (mapper == null) {
                mapper = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
            }
            try {
                return mapper.writeValueAsBytes(value);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException(
                        "cannot write " + value.getClass().getSimpleName() + " as JSON", e);
            }
        }
    }
}

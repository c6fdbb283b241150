package io.freshrec.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.InputFormat;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.ops.JobAssembly;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.InteractionWatermarks;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.TimestampAssigner;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** The Kafka settings, the raw-record deserializer and the source-side timestamps, without a broker. */
class KafkaOptionsTest {
    private static Configuration kafka() {
        Configuration conf = new Configuration();
        conf.set(KafkaOptions.BOOTSTRAP_SERVERS, "localhost:9092");
        return conf;
    }

    @Test
    void shouldSwitchToKafkaOnlyWhenBootstrapServersAreSet() {
        assertThat(KafkaOptions.enabled(new Configuration())).isFalse();
        Configuration blank = new Configuration();
        blank.set(KafkaOptions.BOOTSTRAP_SERVERS, " ");
        assertThat(KafkaOptions.enabled(blank)).isFalse();
        assertThat(KafkaOptions.enabled(kafka())).isTrue();
    }

    @Test
    void shouldPassPrefixedClientPropertiesThrough() {
        Configuration conf = kafka();
        conf.setString("freshrec.kafka.properties.security.protocol", "SASL_SSL");
        conf.setString("freshrec.kafka.properties.sasl.mechanism", "PLAIN");
        conf.setString("freshrec.kafka.group-id", "not-a-client-property");
        assertThat(KafkaOptions.clientProperties(conf))
                .containsEntry("security.protocol", "SASL_SSL")
                .containsEntry("sasl.mechanism", "PLAIN")
                .hasSize(2);
    }

    @Test
    void shouldParseDeliveryGuaranteesAndRejectOthersInOneLine() {
        Configuration conf = kafka();
        assertThat(KafkaOptions.deliveryGuarantee(conf)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        conf.setString("freshrec.kafka.delivery-guarantee", "at-least-once");
        assertThat(KafkaOptions.deliveryGuarantee(conf)).isEqualTo(DeliveryGuarantee.AT_LEAST_ONCE);
        conf.setString("freshrec.kafka.delivery-guarantee", "twice");
        assertThatThrownBy(() -> KafkaOptions.validate(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "freshrec.kafka.delivery-guarantee: 'twice' is not one of exactly-once, at-least-once, none");
    }

    @Test
    void shouldAcceptTheStartingOffsetsItDocumentsAndNothingElse() {
        for (String value : List.of("committed", "earliest", "latest", "timestamp:1704067200000", "EARLIEST")) {
            Configuration conf = kafka();
            conf.set(KafkaOptions.STARTING_OFFSETS, value);
            assertThat(KafkaInteractions.startingOffsets(conf.get(KafkaOptions.STARTING_OFFSETS)))
                    .as(value)
                    .isNotNull();
        }
        for (String value : List.of("beginning", "timestamp:", "timestamp:soon")) {
            Configuration conf = kafka();
            conf.set(KafkaOptions.STARTING_OFFSETS, value);
            assertThatThrownBy(() -> KafkaOptions.validate(conf))
                    .as(value)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("is not one of committed, earliest, latest, timestamp:EPOCH_MS");
        }
    }

    @Test
    void shouldRejectAnEmptyTopicOrPrefixAndANonPositiveTimeout() {
        Configuration topic = kafka();
        topic.set(KafkaOptions.TOPIC_INTERACTIONS, "");
        assertThatThrownBy(() -> KafkaOptions.validate(topic))
                .hasMessage("freshrec.kafka.topic.interactions must name a topic");
        Configuration prefix = kafka();
        prefix.set(KafkaOptions.TRANSACTIONAL_ID_PREFIX, " ");
        assertThatThrownBy(() -> KafkaOptions.validate(prefix)).hasMessageContaining("transactional-id-prefix");
        Configuration timeout = kafka();
        timeout.set(KafkaOptions.TRANSACTION_TIMEOUT, Duration.ZERO);
        assertThatThrownBy(() -> KafkaOptions.validate(timeout)).hasMessageContaining("must be positive");
    }

    @Test
    void shouldRejectATransactionTimeoutAboveTheBrokersMaximumForExactlyOnceOnly() {
        Configuration tooLong = kafka();
        tooLong.set(KafkaOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(20));
        assertThatThrownBy(() -> KafkaOptions.validate(tooLong))
                .hasMessage(
                        "freshrec.kafka.transaction-timeout 20 min exceeds "
                                + "the brokers' transaction.max.timeout.ms (freshrec.kafka.broker-max-transaction-timeout 15 min): every transaction would fail");
        Configuration raised = kafka();
        raised.set(KafkaOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(20));
        raised.set(KafkaOptions.BROKER_MAX_TRANSACTION_TIMEOUT, Duration.ofHours(1));
        KafkaOptions.validate(raised);
        Configuration atLeastOnce = kafka();
        atLeastOnce.set(KafkaOptions.TRANSACTION_TIMEOUT, Duration.ofMinutes(20));
        atLeastOnce.set(KafkaOptions.DELIVERY, "at-least-once");
        KafkaOptions.validate(atLeastOnce);
        KafkaOptions.validate(kafka()); // the default 10 min fits
    }

    @Test
    void shouldTurnTombstonesAndBrokenBytesIntoRecordsTheParserRejects() throws Exception {
        KafkaInteractions.RawRecords records = new KafkaInteractions.RawRecords();
        List<String> out = new ArrayList<>();
        Collector<String> collector = new Collector<>() {
            @Override
            public void collect(String record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
        records.deserialize(new ConsumerRecord<>("t", 0, 0, null, null), collector);
        records.deserialize(new ConsumerRecord<>("t", 0, 1, null, new byte[] {(byte) 0xC3, (byte) 0x28}), collector);
        records.deserialize(
                new ConsumerRecord<>("t", 0, 2, null, "{\"a\":1}".getBytes(StandardCharsets.UTF_8)), collector);
        assertThat(out).containsExactly("", "\uFFFD(", "{\"a\":1}");
    }

    @Test
    void shouldTimestampOnlyValidRecordsSoHostileOnesCannotMoveTheWatermark() {
        InteractionWatermarks.RawTimestamps timestamps =
                new InteractionWatermarks.RawTimestamps(InputFormat.JSON_LINES);
        long start = 1_704_067_200_000L;
        assertThat(timestamps.extractTimestamp("{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + start + "}", 0L))
                .isEqualTo(start);
        assertThat(timestamps.extractTimestamp("{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":99999999999999}", 0L))
                .isEqualTo(InteractionWatermarks.NO_TIMESTAMP);
        assertThat(timestamps.extractTimestamp("garbage", 0L)).isEqualTo(InteractionWatermarks.NO_TIMESTAMP);
        assertThat(timestamps.extractTimestamp("", 0L)).isEqualTo(InteractionWatermarks.NO_TIMESTAMP);
    }

    @Test
    void shouldBeALiveSourceWhosePartitionsIgnoreEventsTooFarBehindOrAheadOfTheClock() throws Exception {
        Configuration conf = new Configuration();
        conf.set(KafkaOptions.BOOTSTRAP_SERVERS, "127.0.0.1:1");
        conf.set(FreshRecOptions.MAX_LAG, Duration.ofMinutes(10));
        InteractionSource source = KafkaInteractions.source(conf);
        assertThat(source.isLive()).isTrue();
        TimestampAssigner<String> timestamps = source.sourceWatermarks().createTimestampAssigner(null);
        long now = System.currentTimeMillis();
        String recent = "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + (now - 60_000) + "}";
        String old = "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + (now - 11 * 60_000) + "}";
        String ahead = "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + (now + 6 * 60_000) + "}";
        assertThat(timestamps.extractTimestamp(recent, 0L)).isEqualTo(now - 60_000);
        assertThat(timestamps.extractTimestamp(old, 0L)).isEqualTo(InteractionWatermarks.NO_TIMESTAMP);
        assertThat(timestamps.extractTimestamp(ahead, 0L)).isEqualTo(InteractionWatermarks.NO_TIMESTAMP);
        // With the bound off (a backfill), an old event moves event time again.
        conf.set(FreshRecOptions.MAX_LAG, Duration.ZERO);
        assertThat(KafkaInteractions.source(conf)
                        .sourceWatermarks()
                        .createTimestampAssigner(null)
                        .extractTimestamp(old, 0L))
                .isEqualTo(now - 11 * 60_000);
    }

    @Test
    void shouldRefuseACheckpointTimeoutThatCouldOutliveAnExactlyOnceTransaction() {
        KafkaOptions.Settings kafka = KafkaOptions.settings(kafka());
        // Flink's default checkpoint timeout (10 min) equals the default transaction timeout: refused, in one line.
        assertThatThrownBy(() -> KafkaOptions.checkTransactionWindow(
                        kafka, Duration.ofMinutes(10), Duration.ofSeconds(10), Duration.ofSeconds(2)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("freshrec.kafka.transaction-timeout 10 min must exceed the longest a transaction can stay "
                        + "open, execution.checkpointing.timeout + interval + min-pause (612 s): lower the checkpoint "
                        + "timeout or raise the transaction timeout");
        KafkaOptions.checkTransactionWindow(
                kafka, Duration.ofMinutes(3), Duration.ofSeconds(10), Duration.ofSeconds(2));
        Configuration atLeastOnce = kafka();
        atLeastOnce.setString("freshrec.kafka.delivery-guarantee", "at-least-once");
        KafkaOptions.checkTransactionWindow(
                KafkaOptions.settings(atLeastOnce), Duration.ofHours(1), Duration.ZERO, Duration.ZERO);
    }

    @Test
    void shouldGiveAJobWithExactlyOnceSinksACheckpointTimeoutBelowItsTransactionTimeout() {
        // Unset: the assembled job's checkpoints time out after 3 min, not Flink's 10.
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        JobAssembly.build(env, kafka(), KafkaInteractions.source(kafka()), null);
        assertThat(env.getCheckpointConfig().getCheckpointTimeout())
                .isEqualTo(Duration.ofMinutes(3).toMillis());

        // Set too long by the user: the job is refused before it starts.
        Configuration slow = kafka();
        slow.setString("execution.checkpointing.timeout", "15 min");
        slow.setString("freshrec.kafka.broker-max-transaction-timeout", "1 h");
        slow.setString("freshrec.kafka.transaction-timeout", "15 min");
        StreamExecutionEnvironment slowEnv = StreamExecutionEnvironment.getExecutionEnvironment(slow);
        assertThatThrownBy(() -> JobAssembly.build(slowEnv, slow, KafkaInteractions.source(slow), null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("freshrec.kafka.transaction-timeout 15 min must exceed");

        // Set within the window: kept.
        Configuration quick = kafka();
        quick.setString("execution.checkpointing.timeout", "1 min");
        StreamExecutionEnvironment quickEnv = StreamExecutionEnvironment.getExecutionEnvironment(quick);
        JobAssembly.build(quickEnv, quick, KafkaInteractions.source(quick), null);
        assertThat(quickEnv.getCheckpointConfig().getCheckpointTimeout())
                .isEqualTo(Duration.ofMinutes(1).toMillis());
    }

    @Test
    void shouldResolveEnvironmentReferencesInClientPropertiesOnlyWhenTheyAreBuilt() {
        Configuration conf = new Configuration();
        conf.set(KafkaOptions.BOOTSTRAP_SERVERS, "127.0.0.1:1");
        conf.setString(KafkaOptions.PROPERTIES_PREFIX + "sasl.jaas.config", "x password=\"${env:PATH}\";");
        KafkaOptions.Settings settings = KafkaOptions.settings(conf);
        assertThat(settings.properties().getProperty("sasl.jaas.config"))
                .isEqualTo("x password=\"" + System.getenv("PATH") + "\";");
        assertThat(settings.toString()).as("the settings keep the reference").doesNotContain(System.getenv("PATH"));

        conf.setString(KafkaOptions.PROPERTIES_PREFIX + "ssl.key.password", "${env:FRESHREC_TEST_UNSET_VARIABLE}");
        assertThatThrownBy(() -> KafkaOptions.settings(conf).properties())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(
                        "freshrec.kafka.properties.ssl.key.password: environment variable"
                                + " FRESHREC_TEST_UNSET_VARIABLE is not set (referenced as ${env:FRESHREC_TEST_UNSET_VARIABLE})");
    }
}

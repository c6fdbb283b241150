package io.freshrec.kafka;

import io.freshrec.ops.Secrets;
import java.time.Duration;
import java.util.Collections;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.util.TimeUtils;

/**
 * FreshRec's Kafka settings ({@code freshrec.kafka.*} in config.yaml, {@code -D} or the command-line
 * flags). Setting the bootstrap servers switches the job to Kafka: interactions are read from the
 * interactions topic, and dead letters, model deltas and recommendation changes are written to theirs.
 */
public final class KafkaOptions {
    private KafkaOptions() {}

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("freshrec.kafka.bootstrap-servers")
            .stringType()
            .noDefaultValue()
            .withDescription("Kafka bootstrap servers (host:port,...). Set: read from and write to Kafka.");
    public static final ConfigOption<String> TOPIC_INTERACTIONS = ConfigOptions.key("freshrec.kafka.topic.interactions")
            .stringType()
            .defaultValue("freshrec-interactions")
            .withDescription("Topic the interactions are read from (JSON lines).");
    public static final ConfigOption<String> TOPIC_DEAD_LETTERS = ConfigOptions.key("freshrec.kafka.topic.dead-letters")
            .stringType()
            .defaultValue("freshrec-dead-letters")
            .withDescription("Dead letters (reason + raw payload). Empty: no dead-letter topic (files instead).");
    public static final ConfigOption<String> TOPIC_MODEL_UPDATES = ConfigOptions.key(
                    "freshrec.kafka.topic.model-updates")
            .stringType()
            .defaultValue("freshrec-model-updates")
            .withDescription("Model snapshot deltas keyed by item, and version commits (compacted topic). Empty: off.");
    public static final ConfigOption<String> TOPIC_RECOMMENDATIONS = ConfigOptions.key(
                    "freshrec.kafka.topic.recommendations")
            .stringType()
            .defaultValue("freshrec-recommendations")
            .withDescription("Every recomputed recommendation list, keyed by user (compacted topic). Empty: off.");
    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("freshrec.kafka.group-id")
            .stringType()
            .defaultValue("freshrec")
            .withDescription(
                    "Consumer group of the interactions source (offsets are committed on checkpoints, for monitoring).");
    public static final ConfigOption<String> STARTING_OFFSETS = ConfigOptions.key("freshrec.kafka.starting-offsets")
            .stringType()
            .defaultValue("committed")
            .withDescription("committed (the group's offsets, else earliest) | earliest | latest | timestamp:EPOCH_MS. "
                    + "A restore from a checkpoint or savepoint always resumes at the checkpointed offsets.");
    public static final ConfigOption<String> DELIVERY = ConfigOptions.key("freshrec.kafka.delivery-guarantee")
            .stringType()
            .defaultValue("exactly-once")
            .withDescription("exactly-once (transactions committed on checkpoints) | at-least-once | none.");
    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX = ConfigOptions.key(
                    "freshrec.kafka.transactional-id-prefix")
            .stringType()
            .defaultValue("freshrec")
            .withDescription(
                    "Unique per job writing to the same cluster: jobs sharing it fence each other's transactions.");
    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT = ConfigOptions.key(
                    "freshrec.kafka.transaction-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(10))
            .withDescription("Must not exceed the broker's transaction.max.timeout.ms (15 min by default), "
                    + "and must exceed the longest checkpoint plus a restart.");
    /** Prefix of pass-through client properties (security, SASL, SSL, tuning), e.g. freshrec.kafka.properties.security.protocol. */
    public static final String PROPERTIES_PREFIX = "freshrec.kafka.properties.";

    /** The broker's transaction.max.timeout.ms (15 min by default): a longer transaction timeout fails every transaction. */
    public static final ConfigOption<Duration> BROKER_MAX_TRANSACTION_TIMEOUT = ConfigOptions.key(
                    "freshrec.kafka.broker-max-transaction-timeout")
            .durationType()
            .defaultValue(Duration.ofMinutes(15))
            .withDescription("The brokers' transaction.max.timeout.ms; transaction-timeout must not exceed it. "
                    + "Raise both together.");

    public static boolean enabled(Configuration conf) {
        String servers = conf.get(BOOTSTRAP_SERVERS);
        return servers != null && !servers.isBlank();
    }

    /** The pass-through client properties, without the prefix. */
    public static Properties clientProperties(Configuration conf) {
        Properties properties = new Properties();
        for (Map.Entry<String, String> entry : conf.toMap().entrySet()) {
            if (entry.getKey().startsWith(PROPERTIES_PREFIX) && entry.getKey().length() > PROPERTIES_PREFIX.length()) {
                properties.setProperty(entry.getKey().substring(PROPERTIES_PREFIX.length()), entry.getValue());
            }
        }
        return properties;
    }

    public static DeliveryGuarantee deliveryGuarantee(Configuration conf) {
        String value = conf.get(DELIVERY).trim().toLowerCase(Locale.ROOT);
        switch (value) {
            case "exactly-once":
                return DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once":
                return DeliveryGuarantee.AT_LEAST_ONCE;
            case "none":
                return DeliveryGuarantee.NONE;
            default:
                throw new IllegalArgumentException(DELIVERY.key() + ": '" + conf.get(DELIVERY)
                        + "' is not one of exactly-once, at-least-once, none");
        }
    }

    /**
     * Every Kafka setting, read from the configuration in one place (the source and the sinks take theirs from here).
     *
     * @param clientProperties the pass-through client properties, without their prefix
     */
    public record Settings(
            String bootstrapServers,
            String interactionsTopic,
            String deadLetterTopic,
            String modelUpdatesTopic,
            String recommendationsTopic,
            String groupId,
            String startingOffsets,
            DeliveryGuarantee delivery,
            String transactionalIdPrefix,
            Duration transactionTimeout,
            Duration brokerMaxTransactionTimeout,
            Map<String, String> clientProperties) {
        /** The client properties as a fresh {@link Properties} the caller may add to. */
        /** The client properties, {@code ${env:NAME}} references resolved from this process's environment. */
        public Properties properties() {
            Properties properties = new Properties();
            clientProperties.forEach(
                    (key, value) -> properties.put(key, Secrets.resolve(PROPERTIES_PREFIX + key, value)));
            return properties;
        }
    }

    /** The validated settings; a one-line IllegalArgumentException when one is wrong. */
    public static Settings settings(Configuration conf) {
        validate(conf);
        Map<String, String> properties = new TreeMap<>();
        clientProperties(conf).forEach((key, value) -> properties.put((String) key, (String) value));
        return new Settings(
                conf.get(BOOTSTRAP_SERVERS),
                conf.get(TOPIC_INTERACTIONS),
                conf.get(TOPIC_DEAD_LETTERS),
                conf.get(TOPIC_MODEL_UPDATES),
                conf.get(TOPIC_RECOMMENDATIONS),
                conf.get(GROUP_ID),
                conf.get(STARTING_OFFSETS),
                deliveryGuarantee(conf),
                conf.get(TRANSACTIONAL_ID_PREFIX),
                conf.get(TRANSACTION_TIMEOUT),
                conf.get(BROKER_MAX_TRANSACTION_TIMEOUT),
                Collections.unmodifiableMap(properties));
    }

    /** The checkpoint timeout a job with exactly-once sinks gets when its settings name none (Flink's is 10 min). */
    public static final Duration DEFAULT_CHECKPOINT_TIMEOUT = Duration.ofMinutes(3);

    /**
     * An exactly-once sink's transaction is open from one checkpoint until the next completes and commits it: at most
     * the checkpoint interval and minimum pause plus one checkpoint, which the checkpoint timeout bounds. Past the
     * transaction timeout the broker aborts the transaction and what it held is lost at commit, so a slow checkpoint
     * must time out (and the job retry) first. One-line IllegalArgumentException when it could not.
     */
    public static void checkTransactionWindow(
            Settings kafka, Duration checkpointTimeout, Duration interval, Duration minPause) {
        if (kafka.delivery() != DeliveryGuarantee.EXACTLY_ONCE) {
            return;
        }
        Duration open = checkpointTimeout.plus(interval).plus(minPause);
        if (kafka.transactionTimeout().compareTo(open) <= 0) {
            throw new IllegalArgumentException(TRANSACTION_TIMEOUT.key() + " "
                    + TimeUtils.formatWithHighestUnit(kafka.transactionTimeout())
                    + " must exceed the longest a transaction can stay open, execution.checkpointing.timeout + "
                    + "interval + min-pause (" + TimeUtils.formatWithHighestUnit(open)
                    + "): lower the checkpoint timeout or raise the transaction timeout");
        }
    }

    /** Checks the settings a job needs before it starts; one-line IllegalArgumentException otherwise. */
    public static void validate(Configuration conf) {
        if (conf.get(TOPIC_INTERACTIONS).isBlank()) {
            throw new IllegalArgumentException(TOPIC_INTERACTIONS.key() + " must name a topic");
        }
        deliveryGuarantee(conf);
        Duration timeout = conf.get(TRANSACTION_TIMEOUT);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(TRANSACTION_TIMEOUT.key() + " must be positive");
        }
        Duration brokerMax = conf.get(BROKER_MAX_TRANSACTION_TIMEOUT);
        if (deliveryGuarantee(conf) == DeliveryGuarantee.EXACTLY_ONCE && timeout.compareTo(brokerMax) > 0) {
            throw new IllegalArgumentException(TRANSACTION_TIMEOUT.key() + " "
                    + TimeUtils.formatWithHighestUnit(timeout)
                    + " exceeds the brokers' transaction.max.timeout.ms (" + BROKER_MAX_TRANSACTION_TIMEOUT.key() + " "
                    + TimeUtils.formatWithHighestUnit(brokerMax) + "): every transaction would fail");
        }
        if (conf.get(TRANSACTIONAL_ID_PREFIX).isBlank()) {
            throw new IllegalArgumentException(TRANSACTIONAL_ID_PREFIX.key() + " must not be empty");
        }
        KafkaInteractions.startingOffsets(conf.get(STARTING_OFFSETS));
    }
}

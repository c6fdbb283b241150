package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.QualityBreaker;
import io.freshrec.redis.RedisOptions;
import io.freshrec.redis.RedisSettings;
import io.freshrec.testing.OracleSettings;
import io.freshrec.versions.VersionOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every {@code freshrec.*} key, set on its own to a value unlike its default, lands in the field it names: a table
 * written by hand (key, the raw value a user writes, where it must arrive, what must arrive there). Two keys mapped
 * to each other's field, a key read into the wrong field or not read at all fail their rows; a new option without a
 * row fails the completeness check. Where the {@link OracleSettings} reads the key too, the oracle's own reading of
 * the raw value must agree.
 */
class OptionMappingTest {
    private static final Path BASE = Path.of("/srv/freshrec");

    /** One key: its raw value, where the job reads it to and what it must read, and the oracle's reading if any. */
    record Row(
            String key,
            String raw,
            Function<Configuration, Object> job,
            Object expected,
            Function<OracleSettings, Object> oracle) {
        @Override
        public String toString() {
            return key + " = " + raw;
        }
    }

    private static Row row(String key, String raw, Function<Configuration, Object> job, Object expected) {
        return new Row(key, raw, job, expected, null);
    }

    private static Row model(
            String key,
            String raw,
            Function<Configuration, Object> job,
            Object expected,
            Function<OracleSettings, Object> oracle) {
        return new Row(key, raw, job, expected, oracle);
    }

    static Stream<Row> rows() {
        Function<Configuration, ModelConfig> m = FreshRecOptions::modelConfig;
        Function<Configuration, FreshRecOptions.JobSettings> j = FreshRecOptions::jobSettings;
        Function<Configuration, QualityBreaker.Settings> b = FreshRecOptions::breakerSettings;
        Function<Configuration, KafkaOptions.Settings> k = KafkaOptions::settings;
        // The Redis settings exist only with a URL: one is added when the row does not set it.
        Function<Configuration, RedisSettings> r = c -> {
            Configuration withUrl = new Configuration(c);
            if (!RedisOptions.enabled(withUrl)) {
                withUrl.set(RedisOptions.URL, "redis://localhost");
            }
            return RedisOptions.settings(withUrl);
        };
        return Stream.of(
                model("freshrec.model.history-length", "7", c -> m.apply(c).historyLength, 7, o -> o.historyLength),
                row("freshrec.model.seen-limit", "999", c -> m.apply(c).seenLimit, 999),
                model("freshrec.model.neighbours", "49", c -> m.apply(c).neighbours, 49, o -> o.neighbours),
                model("freshrec.model.trending-size", "99", c -> m.apply(c).trendingSize, 99, o -> o.trendingSize),
                model(
                        "freshrec.model.similarity-half-life",
                        "3 d",
                        c -> m.apply(c).similarityHalfLifeMs,
                        259_200_000L,
                        o -> o.similarityHalfLifeMs),
                model(
                        "freshrec.model.history-half-life",
                        "16 min",
                        c -> m.apply(c).historyHalfLifeMs,
                        960_000L,
                        o -> o.historyHalfLifeMs),
                model(
                        "freshrec.model.trending-half-life",
                        "2 d",
                        c -> m.apply(c).trendingHalfLifeMs,
                        172_800_000L,
                        o -> o.trendingHalfLifeMs),
                model("freshrec.model.norm-exponent", "0.65", c -> m.apply(c).normExponent, 0.65, o -> o.normExponent),
                model(
                        "freshrec.model.popularity-blend",
                        "0.25",
                        c -> m.apply(c).popularityBlend,
                        0.25,
                        o -> o.popularityBlend),
                model(
                        "freshrec.model.publish-interval",
                        "750 ms",
                        c -> m.apply(c).publishIntervalMs,
                        750L,
                        o -> o.publishIntervalMs),
                model(
                        "freshrec.model.weight.view",
                        "0.5",
                        c -> m.apply(c).weights.get(EventType.VIEW),
                        0.5,
                        o -> o.weightOf(event(EventType.VIEW))),
                model(
                        "freshrec.model.weight.click",
                        "3.0",
                        c -> m.apply(c).weights.get(EventType.CLICK),
                        3.0,
                        o -> o.weightOf(event(EventType.CLICK))),
                model(
                        "freshrec.model.weight.add-to-cart",
                        "5.0",
                        c -> m.apply(c).weights.get(EventType.ADD_TO_CART),
                        5.0,
                        o -> o.weightOf(event(EventType.ADD_TO_CART))),
                model(
                        "freshrec.model.weight.purchase",
                        "9.0",
                        c -> m.apply(c).weights.get(EventType.PURCHASE),
                        9.0,
                        o -> o.weightOf(event(EventType.PURCHASE))),
                // A rating of 2 weighs base + 2 * slope: 1.5 + 1.0 with the base set, 1.0 + 1.5 with the slope.
                model(
                        "freshrec.model.weight.rating-base",
                        "1.5",
                        c -> m.apply(c).weights.ratingBase,
                        1.5,
                        o -> o.weightOf(rating(2)) - 1.0),
                model(
                        "freshrec.model.weight.rating-slope",
                        "0.75",
                        c -> m.apply(c).weights.ratingSlope,
                        0.75,
                        o -> (o.weightOf(rating(2)) - 1.0) / 2),
                model("freshrec.serving.top-n", "19", c -> m.apply(c).topN, 19, o -> o.topN),
                model(
                        "freshrec.serving.max-staleness",
                        "2 min",
                        c -> m.apply(c).maxStalenessMs,
                        120_000L,
                        o -> o.maxStalenessMs),
                row("freshrec.serving.refresh-interval", "45 s", c -> j.apply(c).refreshIntervalMs(), 45_000L),
                row("freshrec.serving.align-to-model", "true", c -> j.apply(c).alignToModel(), true),
                row("freshrec.state.user-ttl", "100 d", c -> m.apply(c).userTtlMs, 8_640_000_000L),
                row("freshrec.state.item-ttl", "200 d", c -> m.apply(c).itemTtlMs, 17_280_000_000L),
                row("freshrec.bundle.max-size", "777", c -> j.apply(c).bundleMaxSize(), 777),
                row("freshrec.state.cache-size", "96 mb", c -> j.apply(c).stateCacheBytes(), 96L << 20),
                model(
                        "freshrec.model.max-cooccurrences",
                        "1500",
                        c -> m.apply(c).cooccurrenceBound(),
                        1500,
                        o -> o.maxCooccurrences),
                model(
                        "freshrec.model.cooccurrence-prune-below",
                        "0.25",
                        c -> m.apply(c).cooccurrencePruneBelow,
                        0.25,
                        o -> o.cooccurrencePruneBelow),
                model(
                        "freshrec.input.user-rate-limit",
                        "300",
                        c -> m.apply(c).userRateLimit,
                        300,
                        o -> o.userRateLimit),
                row("freshrec.serving.max-items", "4321", c -> j.apply(c).maxServingItems(), 4321),
                row(
                        "freshrec.monitoring.new-id-rate-alert",
                        "77",
                        c -> j.apply(c).newIdRateAlert(),
                        77),
                row(
                        "freshrec.watermark.out-of-orderness",
                        "250 ms",
                        c -> j.apply(c).outOfOrderness(),
                        Duration.ofMillis(250)),
                row("freshrec.watermark.idleness", "7 s", c -> j.apply(c).idleness(), Duration.ofSeconds(7)),
                row("freshrec.watermark.max-lag", "2 h", c -> j.apply(c).maxLag(), Duration.ofHours(2)),
                row("freshrec.watermark.max-future", "90 s", c -> j.apply(c).maxFuture(), Duration.ofSeconds(90)),
                row(
                        "freshrec.monitoring.watermark-lag-alert",
                        "3 min",
                        c -> j.apply(c).watermarkLagAlert(),
                        Duration.ofMinutes(3)),
                row("freshrec.eval.track-served-items", "true", c -> j.apply(c).trackServedItems(), true),
                row("freshrec.eval.rolling-window", "555", c -> j.apply(c).recallWindow(), 555),
                row("freshrec.gate.quality.enabled", "false", c -> b.apply(c).enabled, false),
                row("freshrec.gate.quality.max-drop", "0.4", c -> b.apply(c).maxDrop, 0.4),
                row("freshrec.gate.quality.hold", "45 s", c -> b.apply(c).holdMs, 45_000L),
                row("freshrec.gate.quality.min-scored", "333", c -> b.apply(c).minScored, 333L),
                row(
                        "freshrec.gate.quality.baseline-half-life",
                        "20 min",
                        c -> b.apply(c).baselineHalfLifeMs,
                        1_200_000L),
                row("freshrec.monitoring.drift-window", "2 min", FreshRecOptions::driftWindowMs, 120_000L),
                row(
                        "freshrec.kafka.bootstrap-servers",
                        "broker-1:9092",
                        c -> k.apply(c).bootstrapServers(),
                        "broker-1:9092"),
                row("freshrec.kafka.topic.interactions", "in-1", c -> k.apply(c).interactionsTopic(), "in-1"),
                row("freshrec.kafka.topic.dead-letters", "dl-1", c -> k.apply(c).deadLetterTopic(), "dl-1"),
                row(
                        "freshrec.kafka.topic.model-updates",
                        "mu-1",
                        c -> k.apply(c).modelUpdatesTopic(),
                        "mu-1"),
                row(
                        "freshrec.kafka.topic.recommendations",
                        "rec-1",
                        c -> k.apply(c).recommendationsTopic(),
                        "rec-1"),
                row("freshrec.kafka.group-id", "group-1", c -> k.apply(c).groupId(), "group-1"),
                row("freshrec.kafka.starting-offsets", "latest", c -> k.apply(c).startingOffsets(), "latest"),
                row(
                        "freshrec.kafka.delivery-guarantee",
                        "at-least-once",
                        c -> k.apply(c).delivery(),
                        DeliveryGuarantee.AT_LEAST_ONCE),
                row(
                        "freshrec.kafka.transactional-id-prefix",
                        "tx-1",
                        c -> k.apply(c).transactionalIdPrefix(),
                        "tx-1"),
                row(
                        "freshrec.kafka.transaction-timeout",
                        "5 min",
                        c -> k.apply(c).transactionTimeout(),
                        Duration.ofMinutes(5)),
                row(
                        "freshrec.kafka.broker-max-transaction-timeout",
                        "20 min",
                        c -> k.apply(c).brokerMaxTransactionTimeout(),
                        Duration.ofMinutes(20)),
                row(
                        "freshrec.redis.url",
                        "redis://cache:7000/2",
                        c -> RedisOptions.enabled(c) ? RedisOptions.settings(c).url() : null,
                        "redis://cache:7000/2"),
                row("freshrec.redis.key-prefix", "app:", c -> r.apply(c).keyPrefix(), "app:"),
                row("freshrec.redis.batch-size", "77", c -> r.apply(c).batchSize(), 77),
                row("freshrec.redis.flush-interval", "2 s", c -> r.apply(c).flushIntervalMs(), 2000L),
                row("freshrec.redis.ttl", "1 h", c -> r.apply(c).ttlMs(), 3_600_000L),
                row(
                        "freshrec.versions.dir",
                        "registry-1",
                        c -> VersionOptions.directory(c, BASE),
                        BASE.resolve("registry-1").toAbsolutePath().normalize()),
                row("freshrec.versions.interval", "2 h", VersionOptions::interval, Duration.ofHours(2)),
                row("freshrec.versions.retain", "4", VersionOptions::retain, 4));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void shouldLandEachKeyInItsOwnField(Row row) {
        Configuration defaults = new Configuration();
        Configuration set = Configuration.fromMap(Map.of(row.key(), row.raw()));

        assertThat(row.job().apply(set))
                .as("%s read from '%s'", row.key(), row.raw())
                .isEqualTo(row.expected());
        assertThat(row.job().apply(defaults))
                .as("%s: the table's value must differ from the default, or the row proves nothing", row.key())
                .isNotEqualTo(row.expected());
        if (row.oracle() != null) {
            assertThat(row.oracle().apply(OracleSettings.of(set)))
                    .as("the oracle's reading of %s", row.key())
                    .isEqualTo(row.expected());
            assertThat(row.oracle().apply(OracleSettings.of(defaults)))
                    .as("the oracle's default of %s is the job's", row.key())
                    .isEqualTo(row.job().apply(defaults));
        }
    }

    @Test
    void shouldHaveARowForEveryOption() {
        Set<String> keys = ConfigurationDocs.options().stream()
                .map(ConfigurationDocs.Option::key)
                .collect(Collectors.toCollection(TreeSet::new));
        Set<String> rows = rows().map(Row::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(rows).isEqualTo(keys);
    }

    @Test
    void shouldLetTheBreakerWaitForTheRollingWindowUnlessMinScoredIsSet() {
        Configuration window = Configuration.fromMap(Map.of("freshrec.eval.rolling-window", "555"));
        assertThat(FreshRecOptions.breakerSettings(window).minScored).isEqualTo(555L);
        Configuration both = Configuration.fromMap(
                Map.of("freshrec.eval.rolling-window", "555", "freshrec.gate.quality.min-scored", "333"));
        assertThat(FreshRecOptions.breakerSettings(both).minScored).isEqualTo(333L);
    }

    @Test
    void shouldPassPrefixedKafkaClientPropertiesThroughWithoutThePrefix() {
        Configuration conf = Configuration.fromMap(Map.of(
                "freshrec.kafka.properties.security.protocol", "SSL",
                "freshrec.kafka.properties.linger.ms", "7"));
        assertThat(KafkaOptions.settings(conf).clientProperties())
                .isEqualTo(Map.of("security.protocol", "SSL", "linger.ms", "7"));
        assertThat(List.copyOf(KafkaOptions.settings(conf).properties().stringPropertyNames()))
                .containsExactlyInAnyOrder("security.protocol", "linger.ms");
    }

    private static Interaction event(EventType type) {
        return new Interaction(1, 2, type, Double.NaN, 0);
    }

    private static Interaction rating(double value) {
        return new Interaction(1, 2, EventType.RATING, value, 0);
    }
}

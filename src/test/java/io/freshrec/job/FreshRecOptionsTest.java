package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.EventType;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.ModelConfig;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FreshRecOptionsTest {

    @Test
    void shouldKeepTheWeightKeysOfTheFixedWeightTypes() {
        assertThat(FreshRecOptions.WEIGHTS.values())
                .extracting(ConfigOption::key)
                .containsExactly(
                        "freshrec.model.weight.view",
                        "freshrec.model.weight.click",
                        "freshrec.model.weight.add-to-cart",
                        "freshrec.model.weight.purchase");
        assertThat(FreshRecOptions.WEIGHT_RATING_BASE.key()).isEqualTo("freshrec.model.weight.rating-base");
        assertThat(FreshRecOptions.WEIGHT_RATING_SLOPE.key()).isEqualTo("freshrec.model.weight.rating-slope");
    }

    @ParameterizedTest
    @EnumSource(value = EventType.class, names = "RATING", mode = EnumSource.Mode.EXCLUDE)
    void shouldDeriveTheWeightOptionOfAnEventTypeFromTheEnum(EventType type) {
        ConfigOption<Double> option = FreshRecOptions.WEIGHTS.get(type);

        assertThat(option).isNotNull();
        assertThat(option.key()).isEqualTo("freshrec.model.weight." + type.wireName());
        assertThat(option.defaultValue()).isEqualTo(type.defaultWeight());
        assertThat(FreshRecOptions.modelConfig(new Configuration()).weights.get(type))
                .isEqualTo(type.defaultWeight());

        // Every fixed weight set, increasing in declaration order (so the order check passes): each lands in
        // EventWeights.
        Configuration conf = new Configuration();
        FreshRecOptions.WEIGHTS.forEach((t, o) -> conf.set(o, 100.0 + t.ordinal()));
        ModelConfig config = FreshRecOptions.modelConfig(conf);
        assertThat(config.weights.get(type)).isEqualTo(100.0 + type.ordinal());
        assertThat(config.weights.weightOf(type, Double.NaN)).isEqualTo(100.0 + type.ordinal());
    }

    @Test
    void shouldHaveNoFixedWeightOptionForATypeWeighedByItsValue() {
        assertThat(EventType.RATING.weighedByValue()).isTrue();
        assertThat(FreshRecOptions.WEIGHTS).doesNotContainKey(EventType.RATING);
        for (EventType type : EventType.values()) {
            assertThat(FreshRecOptions.WEIGHTS.containsKey(type))
                    .as(type.wireName())
                    .isEqualTo(!type.weighedByValue());
        }
    }

    @Test
    void shouldReadTheEventTimeBoundsWithTheirDocumentedDefaults() {
        FreshRecOptions.JobSettings defaults = FreshRecOptions.jobSettings(new Configuration());
        assertThat(defaults.maxLag()).isEqualTo(Duration.ofMinutes(30));
        assertThat(defaults.maxFuture()).isEqualTo(Duration.ofMinutes(5));
        assertThat(defaults.watermarkLagAlert()).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void shouldRefuseStateTtlsNotFarAboveTheFutureBound() {
        Configuration conf = new Configuration();
        conf.set(FreshRecOptions.MAX_FUTURE, Duration.ofHours(1));
        conf.set(FreshRecOptions.USER_TTL, Duration.ofHours(9));
        assertThatThrownBy(() -> FreshRecOptions.jobSettings(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("freshrec.state.user-ttl (9 h) must be at least 10 x freshrec.watermark.max-future (1 h):"
                        + " lower freshrec.watermark.max-future or raise the TTL");
        conf.set(FreshRecOptions.USER_TTL, Duration.ofHours(10));
        conf.set(FreshRecOptions.ITEM_TTL, Duration.ofMinutes(30));
        assertThatThrownBy(() -> FreshRecOptions.jobSettings(conf)).hasMessageStartingWith("freshrec.state.item-ttl");
        conf.set(FreshRecOptions.ITEM_TTL, Duration.ofHours(10));
        assertThat(FreshRecOptions.jobSettings(conf).maxFuture()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldRefuseNegativeEventTimeBounds() {
        for (ConfigOption<Duration> option :
                List.of(FreshRecOptions.MAX_LAG, FreshRecOptions.MAX_FUTURE, FreshRecOptions.WATERMARK_LAG_ALERT)) {
            Configuration conf = new Configuration();
            conf.set(option, Duration.ofSeconds(-1));
            assertThatThrownBy(() -> FreshRecOptions.jobSettings(conf))
                    .hasMessage(option.key() + " must not be negative");
        }
    }

    @Test
    void shouldBoundTheLagOfLiveSourcesOnlyAndTheFutureOfEvery() {
        Configuration conf = new Configuration();
        conf.set(FreshRecOptions.MAX_LAG, Duration.ofMinutes(12));
        conf.set(FreshRecOptions.MAX_FUTURE, Duration.ofMinutes(2));
        SyntheticInteractions world = SyntheticInteractions.defaults(1, 10, 100, 100, 1_704_067_200_000L);
        InteractionSource live = InteractionSource.generator(world, 10, 0, true);
        InteractionSource synthetic = InteractionSource.generator(world, 10, 0, false);
        assertThat(live.isLive()).isTrue();
        assertThat(synthetic.isLive()).isFalse();

        InteractionParser parser = new FreshRecJob(conf, live, null, null).parser();
        assertThat(parser.maxLagMs()).isEqualTo(12 * 60_000L);
        assertThat(parser.maxFutureMs()).isEqualTo(2 * 60_000L);
        InteractionParser replay = new FreshRecJob(conf, synthetic, null, null).parser();
        assertThat(replay.maxLagMs()).as("a replay is never too old").isZero();
        assertThat(replay.maxFutureMs()).isEqualTo(2 * 60_000L);
    }
}

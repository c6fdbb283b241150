package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.model.ModelConfig;
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
}

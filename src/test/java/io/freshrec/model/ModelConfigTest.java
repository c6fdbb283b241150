package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ModelConfigTest {

    @Test
    void shouldAcceptTheDefaults() {
        ModelConfig config = new ModelConfig();

        assertThat(config.validate()).isSameAs(config);
    }

    @Test
    void shouldAcceptBoundaryValues() {
        ModelConfig config = new ModelConfig();
        config.historyLength = 1;
        config.seenLimit = 1;
        config.neighbours = 1;
        config.topN = 1;
        config.trendingSize = 1;
        config.similarityHalfLifeMs = 0;
        config.historyHalfLifeMs = 0;
        config.trendingHalfLifeMs = 1;
        config.normExponent = 0;
        config.publishIntervalMs = 1;
        config.maxStalenessMs = 0;
        assertThatCode(config::validate).doesNotThrowAnyException();

        config.historyLength = 1000;
        config.seenLimit = 1000;
        config.neighbours = 1000;
        config.topN = 1000;
        config.trendingSize = 1000;
        config.normExponent = 1;
        assertThatCode(config::validate).doesNotThrowAnyException();
    }

    static Stream<Arguments> brokenSettings() {
        return Stream.of(
                broken("history-length", c -> c.historyLength = 0),
                broken("history-length", c -> c.historyLength = 1001),
                broken("seen-limit", c -> c.seenLimit = c.historyLength - 1),
                broken("neighbours", c -> c.neighbours = 0),
                broken("neighbours", c -> c.neighbours = 1001),
                broken("top-n", c -> c.topN = 0),
                broken("top-n", c -> c.topN = 1001),
                broken("trending-size", c -> c.trendingSize = c.topN - 1),
                broken("half-life", c -> c.similarityHalfLifeMs = -1),
                broken("half-life", c -> c.historyHalfLifeMs = -1),
                broken("half-life", c -> c.trendingHalfLifeMs = 0),
                broken("norm-exponent", c -> c.normExponent = -0.01),
                broken("norm-exponent", c -> c.normExponent = 1.01),
                broken("norm-exponent", c -> c.normExponent = Double.NaN),
                broken("popularity-blend", c -> c.popularityBlend = -0.1),
                broken("popularity-blend", c -> c.popularityBlend = Double.NaN),
                broken("popularity-blend", c -> c.popularityBlend = Double.POSITIVE_INFINITY),
                broken("publish-interval", c -> c.publishIntervalMs = 0),
                broken("max-staleness", c -> c.maxStalenessMs = -1),
                broken("ttl", c -> c.userTtlMs = 0),
                broken("ttl", c -> c.itemTtlMs = -1),
                broken("event weights", c -> c.weights.set(EventType.VIEW, 0)),
                broken("event weights", c -> c.weights.set(EventType.CLICK, 0.5)),
                broken("event weights", c -> c.weights.set(EventType.ADD_TO_CART, 1.5)),
                broken("event weights", c -> c.weights.set(EventType.PURCHASE, 3.0)),
                broken("event weights", c -> c.weights.set(EventType.VIEW, Double.NaN)),
                broken("rating weight", c -> c.weights.minRatingWeight = 0),
                broken("rating weight", c -> c.weights.ratingBase = Double.POSITIVE_INFINITY),
                broken("rating weight", c -> c.weights.ratingSlope = Double.NaN));
    }

    private static Arguments broken(String mention, Consumer<ModelConfig> change) {
        return Arguments.of(mention, change);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenSettings")
    void shouldRejectBrokenSettingWithAOneLineMessageNamingIt(String mention, Consumer<ModelConfig> change) {
        ModelConfig config = new ModelConfig();
        change.accept(config);

        assertThatThrownBy(config::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(mention)
                .hasMessageNotContaining("\n");
    }

    // ---------------------------------------------------------------- EventWeights

    @Test
    void shouldWeighIntentInIncreasingOrder() {
        EventWeights weights = new EventWeights();

        assertThat(weights.weightOf(EventType.VIEW, Double.NaN)).isEqualTo(1.0);
        assertThat(weights.weightOf(EventType.CLICK, Double.NaN)).isEqualTo(2.0);
        assertThat(weights.weightOf(EventType.ADD_TO_CART, Double.NaN)).isEqualTo(4.0);
        assertThat(weights.weightOf(EventType.PURCHASE, Double.NaN)).isEqualTo(8.0);
        assertThat(weights.problem()).isNull();
    }

    @Test
    void shouldStateTheDocumentedOrderWhenTheWeightsBreakIt() {
        EventWeights weights = new EventWeights().set(EventType.CLICK, 0.5);

        assertThat(weights.problem())
                .isEqualTo("event weights must satisfy 0 < view <= click <= add-to-cart <= purchase");
    }

    @Test
    void shouldWeighRatingLinearlyInItsValue() {
        EventWeights weights = new EventWeights();

        // 1 + 0.5 * value
        assertThat(weights.weightOf(new Interaction(1, 2, EventType.RATING, 4.0, 0)))
                .isEqualTo(3.0);
        assertThat(weights.weightOf(EventType.RATING, 0.5)).isEqualTo(1.25);
        assertThat(weights.weightOf(EventType.RATING, 0.0)).isEqualTo(1.0);
    }

    @Test
    void shouldNeverWeighARatingBelowTheMinimum() {
        EventWeights weights = new EventWeights();
        weights.ratingBase = -2.0;
        weights.ratingSlope = 1.0;

        assertThat(weights.weightOf(EventType.RATING, 1.0)).isEqualTo(0.1);
        assertThat(weights.weightOf(EventType.RATING, 5.0)).isEqualTo(3.0);
    }

    @Test
    void shouldIgnoreTheValueOfNonRatingEvents() {
        EventWeights weights = new EventWeights();

        assertThat(weights.weightOf(new Interaction(1, 2, EventType.PURCHASE, 1000.0, 0)))
                .isEqualTo(8.0);
    }
}

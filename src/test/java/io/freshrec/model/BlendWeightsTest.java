package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class BlendWeightsTest {

    @Test
    void shouldTakeTheSoftmaxGradientStepByHand() {
        BlendWeights blend = BlendWeights.equal(2);
        // Scores 1 and 1: p = 1/2 each; expected features (1/2, 1/2); taken (1, 0): step 0.2 * (1/2, -1/2).
        blend.learn(new double[][] {{1, 0}, {0, 1}}, 2, 0, 0.2);
        assertThat(blend.weights[0]).isCloseTo(1.1, within(1e-12));
        assertThat(blend.weights[1]).isCloseTo(0.9, within(1e-12));
        assertThat(blend.updates).isEqualTo(1);

        BlendWeights other = new BlendWeights();
        other.weights = new double[] {2, 0};
        // Scores 2 and 1: p0 = e / (e + 1). Expected: (p0 + p1 / 2, p0 / 2 + p1). Taken: row 1 = (1/2, 1).
        other.learn(new double[][] {{1, 0.5}, {0.5, 1}}, 2, 1, 0.1);
        double p0 = Math.E / (Math.E + 1);
        double p1 = 1 - p0;
        assertThat(other.weights[0]).isCloseTo(2 + 0.1 * (0.5 - (p0 + p1 / 2)), within(1e-12));
        assertThat(other.weights[1]).isCloseTo(0.1 * (1 - (p0 / 2 + p1)), within(1e-12));
    }

    @Test
    void shouldScoreAsTheWeightedSum() {
        BlendWeights blend = new BlendWeights();
        blend.weights = new double[] {0.5, 2, -1};
        assertThat(blend.score(new double[] {1, 0.25, 0.5})).isCloseTo(0.5, within(1e-12));
    }

    @Test
    void shouldTurnAwayFromAComponentThatProposesWhatUsersDoNotTake() {
        // Three components over 20 candidates per interaction: one ranks the taken item first, one is noise, and a
        // poisoned one (a bot driving it) puts its own item first and the taken one nowhere.
        Random random = new Random(7);
        BlendWeights blend = BlendWeights.equal(3);
        int candidates = 20;
        double[][] features = new double[candidates][3];
        for (int step = 0; step < 2_000; step++) {
            int taken = random.nextInt(candidates);
            int pushed = (taken + 1 + random.nextInt(candidates - 1)) % candidates;
            for (int c = 0; c < candidates; c++) {
                features[c][0] = c == taken ? 1.0 : random.nextDouble() * 0.8;
                features[c][1] = random.nextDouble();
                features[c][2] = c == pushed ? 1.0 : c == taken ? 0.0 : random.nextDouble() * 0.3;
            }
            blend.learn(features, candidates, taken, BlendWeights.DEFAULT_RATE);
        }
        assertThat(blend.weights[2]).isLessThan(0.0);
        assertThat(blend.weights[0]).isGreaterThan(1.0).isGreaterThan(blend.weights[1]);
        assertThat(blend.updates).isEqualTo(2_000);
    }

    @Test
    void shouldRefuseATakenRowThatIsNotACandidate() {
        BlendWeights blend = BlendWeights.equal(2);
        assertThatThrownBy(() -> blend.learn(new double[][] {{1, 0}}, 1, 1, 0.1))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("one of the 1 candidates");
        assertThat(blend.copy().weights).containsExactly(1.0, 1.0);
    }
}

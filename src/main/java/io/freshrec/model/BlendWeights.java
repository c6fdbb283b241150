package io.freshrec.model;

import java.util.Arrays;

/**
 * The ensemble's blend, learnt online: a candidate's score is {@code sum_k w_k * x_k}, where {@code x_k} is component
 * k's score for it divided by component k's best score in that list (so every component speaks on the same 0..1
 * scale, whatever its units), 0 when k did not propose it. After each interaction that was scored, the weights take
 * one gradient step on the log-likelihood of a softmax over the candidates ("which of these did the user take?"):
 *
 * <pre>
 *   p(c) = exp(s(c)) / sum over candidates c' of exp(s(c'))
 *   w_k += rate * (x_k(taken) - sum over c of p(c) * x_k(c))
 * </pre>
 *
 * <p>A component whose scores single out the taken item more than the blend expected gains weight; one that proposes
 * what users do not take (a bot driving it, or a signal that does not fit the domain) loses it, down to negative
 * weights for a signal that points away from what users take. Unlike picking the best component (Hedge), the blend
 * can beat every component alone, and unlike a fixed blend it adapts to the domain. An interaction whose item no
 * component proposed teaches nothing (no candidate to prefer it to). Plain Java; the weights are a few doubles.
 */
public final class BlendWeights {
    /** The learning rate by default: measured on ml-latest-small, its day-rounded variant and the generator. */
    public static final double DEFAULT_RATE = 0.2;

    public double[] weights;
    /** Interactions learnt from. */
    public long updates;

    public BlendWeights() {}

    /** Equal weights of 1. */
    public static BlendWeights equal(int components) {
        BlendWeights blend = new BlendWeights();
        blend.weights = new double[components];
        Arrays.fill(blend.weights, 1.0);
        return blend;
    }

    /** The blended score of a candidate with features {@code x} (one per component). */
    public double score(double[] x) {
        double sum = 0;
        for (int k = 0; k < weights.length; k++) {
            sum += weights[k] * x[k];
        }
        return sum;
    }

    /**
     * One step towards the candidate the user took.
     *
     * @param features the candidates' features, {@code features[c][k]} for candidate c and component k
     * @param candidates how many rows of {@code features} are candidates
     * @param taken the row of the candidate taken
     */
    public void learn(double[][] features, int candidates, int taken, double rate) {
        if (taken < 0 || taken >= candidates) {
            throw new IllegalArgumentException("taken must be one of the " + candidates + " candidates: " + taken);
        }
        int k = weights.length;
        double max = Double.NEGATIVE_INFINITY;
        double[] scores = new double[candidates];
        for (int c = 0; c < candidates; c++) {
            scores[c] = score(features[c]);
            max = Math.max(max, scores[c]);
        }
        double total = 0;
        double[] expected = new double[k];
        for (int c = 0; c < candidates; c++) {
            double p = Math.exp(scores[c] - max); // shifted: no overflow, same probabilities
            total += p;
            for (int j = 0; j < k; j++) {
                expected[j] += p * features[c][j];
            }
        }
        for (int j = 0; j < k; j++) {
            weights[j] += rate * (features[taken][j] - expected[j] / total);
        }
        updates++;
    }

    public BlendWeights copy() {
        BlendWeights copy = new BlendWeights();
        copy.weights = weights.clone();
        copy.updates = updates;
        return copy;
    }

    @Override
    public String toString() {
        return Arrays.toString(weights);
    }
}

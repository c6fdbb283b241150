package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import java.util.Comparator;
import java.util.function.LongPredicate;

/**
 * A model scored prequentially next to FreshRec: asked for a user's top k before each event, then taught the
 * event. Plain Java, single-threaded.
 */
public interface Baseline {
    /**
     * Equal scores: the larger item id first. With it the running-popularity baseline reproduces the MovieLens README's
     * published 0.0464 (smaller ids first: 0.0461); the cosine baseline gives 0.0830 (8,319 hits) where the README
     * publishes 0.0831 (smaller ids first: 0.0821): see EvaluateMovieLensTest for that difference.
     */
    Comparator<Long> BEFORE_ON_TIE = Comparator.reverseOrder();

    String name();

    /**
     * The {@code k} best items known to the model (seen in an earlier event) for which {@code seen} is false,
     * best first; fewer only when fewer qualify.
     */
    long[] recommend(long user, int k, LongPredicate seen);

    /** Learns one event (after it was scored). */
    void learn(Interaction event);
}

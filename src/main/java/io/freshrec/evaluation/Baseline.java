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
     * Equal scores: the larger item id first. The published reference figures of the MovieLens README were computed
     * with this order (0.0464 and 0.0831; smaller ids first gives 0.0461 and 0.0821 on the same replay).
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

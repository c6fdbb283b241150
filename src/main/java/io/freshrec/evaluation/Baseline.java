package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import java.util.function.LongPredicate;

/**
 * A model scored prequentially next to FreshRec: asked for a user's top k before each event, then taught the
 * event. Plain Java, single-threaded.
 */
public interface Baseline {
    String name();

    /**
     * The {@code k} best items known to the model (seen in an earlier event) for which {@code seen} is false,
     * best first; fewer when fewer qualify.
     */
    long[] recommend(long user, int k, LongPredicate seen);

    /** Learns one event (after it was scored). */
    void learn(Interaction event);
}

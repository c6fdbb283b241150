package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import io.freshrec.model.RecallTracker;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * Prequential (test-then-train) evaluation of a {@link Baseline}: every event in replay order; a user with an
 * earlier event is served the model's top 10 of the known items they have not seen, the event is scored against
 * it (recall@10, NDCG@10), then the model learns it. An event whose item the user has already seen is not scored
 * (it cannot be among unseen items; FreshRec's serving skips it too); on a file without repeats, such as the
 * MovieLens ratings, that is the whole protocol.
 */
public final class Prequential {
    public static final int K = 10;
    /** Progress is reported every this many events. */
    public static final int PROGRESS_EVERY = 20_000;

    private Prequential() {}

    public static Figures evaluate(Baseline model, ReplayedEvents replay, LongConsumer progress) {
        long started = System.nanoTime();
        Map<Long, Set<Long>> seen = new HashMap<>();
        Set<Long> covered = new HashSet<>();
        Figures figures = new Figures(model.name());
        List<Interaction> events = replay.events;
        for (int n = 0; n < events.size(); n++) {
            Interaction event = events.get(n);
            Set<Long> userSeen = seen.get(event.userId);
            if (userSeen == null) {
                userSeen = new HashSet<>();
                seen.put(event.userId, userSeen);
            } else if (userSeen.contains(event.itemId)) {
                figures.repeats++;
            } else {
                long[] top = model.recommend(event.userId, K, userSeen::contains);
                int rank = -1;
                for (int r = 0; r < top.length; r++) {
                    covered.add(top[r]);
                    if (top[r] == event.itemId) {
                        rank = r;
                    }
                }
                figures.record(rank);
            }
            userSeen.add(event.itemId);
            model.learn(event);
            if ((n + 1) % PROGRESS_EVERY == 0) {
                progress.accept(n + 1);
            }
        }
        figures.covered = covered.size();
        figures.catalogue = replay.catalogue;
        figures.seconds = (System.nanoTime() - started) / 1e9;
        return figures;
    }

    /** One model's figures on one replay. */
    public static final class Figures {
        public final String model;
        public long scored;
        public long hits;
        public double ndcgGain;
        /** Distinct items in at least one top-10 list served at a scoring moment. */
        public long covered;

        public long catalogue;
        /** Events of a known user with an item they had already seen: not scored. */
        public long repeats;

        public double seconds;

        public Figures(String model) {
            this.model = model;
        }

        void record(int rank) {
            scored++;
            if (rank >= 0) {
                hits++;
                ndcgGain += RecallTracker.gain(rank);
            }
        }

        public double recall() {
            return scored == 0 ? 0 : (double) hits / scored;
        }

        public double ndcg() {
            return scored == 0 ? 0 : ndcgGain / scored;
        }

        public double coverage() {
            return catalogue == 0 ? 0 : (double) covered / catalogue;
        }
    }
}

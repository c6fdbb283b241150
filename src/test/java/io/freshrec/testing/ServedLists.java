package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.LongFunction;

/** Compares what the job serves through queryable state with {@link ReferenceModel}. */
public final class ServedLists {
    private ServedLists() {}

    /** Polls until every user's list reflects their last interaction (align-to-model serves it late). */
    public static Map<Long, Recommendations> awaitFinalLists(
            RecommendationClient lookups, ReferenceModel reference, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<Long, Recommendations> served = new TreeMap<>();
        while (true) {
            boolean complete = true;
            for (long user : reference.users()) {
                Optional<Recommendations> recs = lookups.recommendations(user);
                if (recs.isPresent() && recs.get().eventTime == reference.lastEventTime(user)) {
                    served.put(user, recs.get());
                } else {
                    complete = false;
                }
            }
            if (complete) {
                return served;
            }
            assertThat(System.nanoTime())
                    .as("all users served their final list in time")
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /**
     * Polls until every user of {@code reference} is served {@code expected.apply(user)} (lists are
     * recomputed asynchronously, e.g. once more when a finite input ends); returns the served lists.
     */
    public static Map<Long, Recommendations> awaitLists(
            RecommendationClient lookups,
            ReferenceModel reference,
            LongFunction<ReferenceModel.Served> expected,
            Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Map<Long, Recommendations> served = new TreeMap<>();
            try {
                for (long user : reference.users()) {
                    Optional<Recommendations> recs = lookups.recommendations(user);
                    assertThat(recs).as("list of user %d", user).isPresent();
                    assertSameList(user, recs.get(), expected.apply(user));
                    served.put(user, recs.get());
                }
                return served;
            } catch (AssertionError notYet) {
                if (System.nanoTime() > deadline) {
                    throw notYet;
                }
                Thread.sleep(500);
            }
        }
    }

    /** Same items and scores (exact ties may swap places), same trending fill. */
    public static void assertSameList(long user, Recommendations actual, ReferenceModel.Served expected) {
        assertThat(actual.items.length).as("list length of user %d", user).isEqualTo(expected.items.size());
        assertThat(actual.fromTrending).as("trending fill of user %d", user).isEqualTo(expected.fromTrending);
        int learned = expected.items.size() - expected.fromTrending;
        for (int i = 0; i < learned; i++) {
            double want = expected.scores.get(i);
            assertThat(actual.scores[i])
                    .as("score %d of user %d", i, user)
                    .isCloseTo(want, within(1e-9 * Math.max(1, want)));
            if (actual.items[i] != expected.items.get(i)) {
                // Only an exact tie may order items differently.
                int other = expected.items.indexOf(actual.items[i]);
                assertThat(other)
                        .as("item %d of user %d is expected at all", actual.items[i], user)
                        .isGreaterThanOrEqualTo(0);
                assertThat(expected.scores.get(other)).isCloseTo(want, within(1e-9 * Math.max(1, want)));
            }
        }
        for (int i = learned; i < expected.items.size(); i++) {
            assertThat(actual.items[i])
                    .as("trending fill %d of user %d", i, user)
                    .isEqualTo(expected.items.get(i));
        }
    }

    /** The item's state as served equals the reference's (no truncation: more neighbour slots than items). */
    public static void assertSameItem(long item, Optional<ItemState> served, ReferenceModel.Item expected) {
        assertSameItem(item, served, expected, Integer.MAX_VALUE);
    }

    /**
     * The item's state as served equals the reference's, its neighbour list cut to the best {@code kept}: every
     * neighbour served has the reference's co-occurrence with the item, every one better than the cut is served,
     * and none worse than it; which of several tied at the cut are kept is left open.
     */
    public static void assertSameItem(long item, Optional<ItemState> served, ReferenceModel.Item expected, int kept) {
        if (expected == null) {
            assertThat(served).as("item %d", item).isEmpty();
            return;
        }
        assertThat(served).as("item %d", item).isPresent();
        ItemState state = served.get();
        assertThat(state.snapshot.time).as("time of item %d", item).isEqualTo(expected.time);
        assertThat(state.snapshot.norm)
                .as("norm of item %d", item)
                .isCloseTo(expected.norm, within(1e-9 * Math.max(1, expected.norm)));
        assertThat(state.snapshot.trending)
                .as("trending of item %d", item)
                .isCloseTo(expected.trending, within(1e-9 * Math.max(1, expected.trending)));
        Map<Long, Double> neighbours = new HashMap<>();
        for (int i = 0; i < state.snapshot.neighbours.length; i++) {
            neighbours.put(state.snapshot.neighbours[i], state.snapshot.cooccurrence[i]);
        }
        List<Double> values = new ArrayList<>();
        expected.cooccurrence.values().forEach(value -> {
            if (value > 0) {
                values.add(value);
            }
        });
        values.sort(Comparator.reverseOrder());
        if (values.size() <= kept) {
            assertThat(neighbours.keySet()).as("neighbours of item %d", item).isEqualTo(expected.cooccurrence.keySet());
        } else {
            double cut = values.get(kept - 1);
            double slack = ReferenceModel.TIE * Math.max(1, cut);
            assertThat(neighbours).as("neighbours kept of item %d", item).hasSize(kept);
            expected.cooccurrence.forEach((other, value) -> {
                if (value > cut + slack) {
                    assertThat(neighbours).as("neighbours of item %d", item).containsKey(other);
                }
            });
            neighbours.forEach((other, value) -> assertThat(value)
                    .as("neighbour %d of item %d is within the best %d", other, item, kept)
                    .isGreaterThanOrEqualTo(cut - slack));
        }
        neighbours.forEach((other, value) -> {
            assertThat(expected.cooccurrence).as("neighbours of item %d", item).containsKey(other);
            double want = expected.cooccurrence.get(other);
            assertThat(value)
                    .as("co-occurrence of items %d and %d", item, other)
                    .isCloseTo(want, within(1e-9 * Math.max(1, want)));
        });
    }
}

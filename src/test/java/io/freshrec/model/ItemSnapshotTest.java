package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class ItemSnapshotTest {

    private static final long T = 1_700_000_000_000L;

    private static ItemSnapshot valid() {
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = 1;
        snapshot.time = T;
        snapshot.norm = 4.0;
        snapshot.trending = 2.0;
        snapshot.neighbours = new long[] {5, 3, 9};
        snapshot.cooccurrence = new double[] {3.0, 2.0, 2.0};
        return snapshot;
    }

    @Test
    void shouldFindNoProblemInAConsistentSnapshot() {
        assertThat(valid().problem(3)).isNull();
        assertThat(new ItemSnapshot().problem(0)).isNull();
    }

    @Test
    void shouldRejectNegativeOrNonFiniteNorm() {
        for (double norm : new double[] {-1e-9, Double.NaN, Double.POSITIVE_INFINITY}) {
            ItemSnapshot snapshot = valid();
            snapshot.norm = norm;
            assertThat(snapshot.problem(3)).startsWith("norm");
        }
    }

    @Test
    void shouldRejectNegativeOrNonFiniteTrending() {
        for (double trending : new double[] {-1, Double.NaN, Double.NEGATIVE_INFINITY}) {
            ItemSnapshot snapshot = valid();
            snapshot.trending = trending;
            assertThat(snapshot.problem(3)).startsWith("trending");
        }
    }

    @Test
    void shouldRejectArraysOfDifferentLengthOrMissing() {
        ItemSnapshot snapshot = valid();
        snapshot.cooccurrence = new double[] {3.0, 2.0};
        assertThat(snapshot.problem(3)).contains("differ in length");

        snapshot = valid();
        snapshot.neighbours = null;
        assertThat(snapshot.problem(3)).contains("differ in length");
    }

    @Test
    void shouldRejectMoreNeighboursThanTheLimit() {
        assertThat(valid().problem(2)).contains("exceed the limit 2");
    }

    @Test
    void shouldRejectItemListingItselfAsNeighbour() {
        ItemSnapshot snapshot = valid();
        snapshot.neighbours[2] = 1;
        assertThat(snapshot.problem(3)).contains("itself");
    }

    @Test
    void shouldRejectZeroNegativeOrNonFiniteCooccurrence() {
        for (double value : new double[] {0.0, -1.0, Double.NaN}) {
            ItemSnapshot snapshot = valid();
            snapshot.cooccurrence[2] = value;
            assertThat(snapshot.problem(3)).startsWith("co-occurrence");
        }
        ItemSnapshot snapshot = valid();
        snapshot.cooccurrence[0] = Double.POSITIVE_INFINITY;
        assertThat(snapshot.problem(3)).startsWith("co-occurrence");
    }

    @Test
    void shouldRejectUnsortedNeighbours() {
        ItemSnapshot snapshot = valid();
        snapshot.cooccurrence = new double[] {3.0, 2.0, 2.5};
        assertThat(snapshot.problem(3)).contains("not sorted");
    }

    @Test
    void shouldRejectDuplicateNeighbours() {
        ItemSnapshot snapshot = valid();
        snapshot.neighbours = new long[] {5, 3, 5};
        assertThat(snapshot.problem(3)).contains("duplicate");
    }

    @Test
    void shouldBeATombstoneOnlyWhenEmpty() {
        assertThat(new ItemSnapshot().isTombstone()).isTrue();
        assertThat(valid().isTombstone()).isFalse();
        ItemSnapshot onlyNeighbours = new ItemSnapshot();
        onlyNeighbours.neighbours = new long[] {2};
        onlyNeighbours.cooccurrence = new double[] {1};
        assertThat(onlyNeighbours.isTombstone()).isFalse();
        ItemSnapshot onlyTrending = new ItemSnapshot();
        onlyTrending.trending = 0.1;
        assertThat(onlyTrending.isTombstone()).isFalse();
    }

    @Test
    void shouldStateValuesAtAnotherTimeWithTheirHalfLives() {
        ModelConfig config = new ModelConfig();
        config.similarityHalfLifeMs = 1_000;
        config.trendingHalfLifeMs = 500;
        ItemSnapshot snapshot = valid();

        assertThat(snapshot.normAt(T + 1_000, config)).isCloseTo(2.0, within(1e-12));
        assertThat(snapshot.cooccurrenceAt(0, T + 2_000, config)).isCloseTo(0.75, within(1e-12));
        assertThat(snapshot.trendingAt(T + 1_000, config)).isCloseTo(0.5, within(1e-12));
    }
}

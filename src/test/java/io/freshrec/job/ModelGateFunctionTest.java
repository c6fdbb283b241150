package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.TrendingList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.contrib.streaming.state.EmbeddedRocksDBStateBackend;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.KeyedProcessOperator;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One constant key, on RocksDB; at most 3 neighbours, trending list of 5. */
class ModelGateFunctionTest {
    private static final int KEY = 0;

    private HarnessSupport.CapturedMetrics metrics;
    private MockEnvironment environment;
    private KeyedOneInputStreamOperatorTestHarness<Integer, ItemSnapshot, ModelUpdate> harness;

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.neighbours = 3;
        config.topN = 5;
        config.trendingSize = 5;
        config.trendingHalfLifeMs = 1000;
        return config.validate();
    }

    @BeforeEach
    void open() throws Exception {
        metrics = new HarnessSupport.CapturedMetrics();
        environment = HarnessSupport.environment(metrics);
        harness =
                HarnessSupport.rocksDbHarness(new ModelGateFunction(config()), snapshot -> KEY, Types.INT, environment);
    }

    @AfterEach
    void close() throws Exception {
        harness.close();
        environment.close();
    }

    private static ItemSnapshot snapshot(
            long item,
            long time,
            long versionTime,
            double norm,
            double trending,
            long[] neighbours,
            double[] cooccurrence) {
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = item;
        snapshot.time = time;
        snapshot.versionTime = versionTime;
        snapshot.norm = norm;
        snapshot.trending = trending;
        snapshot.neighbours = neighbours;
        snapshot.cooccurrence = cooccurrence;
        return snapshot;
    }

    private static ItemSnapshot snapshot(long item, long time, long versionTime, double trending) {
        return snapshot(item, time, versionTime, 1.0, trending, new long[] {item + 100}, new double[] {1.0});
    }

    private static ItemSnapshot tombstone(long item, long time) {
        return snapshot(item, time, time, 0, 0, new long[0], new double[0]);
    }

    private void send(ItemSnapshot snapshot) throws Exception {
        harness.processElement(snapshot, snapshot.time);
    }

    private List<ModelUpdate> updates() {
        return harness.extractOutputValues();
    }

    private List<ModelUpdate> commits() {
        return updates().stream().filter(ModelUpdate::isCommit).toList();
    }

    @Test
    void shouldRejectSnapshotWithNaNNormToRejectedSnapshots() throws Exception {
        ItemSnapshot broken = snapshot(7, 100, 200, Double.NaN, 1.0, new long[] {8}, new double[] {1.0});

        send(broken);

        assertThat(updates()).isEmpty();
        List<DeadLetter> rejected = sideOutput(harness, FreshRecState.REJECTED_SNAPSHOTS);
        assertThat(rejected).singleElement().satisfies(letter -> {
            assertThat(letter.reason).isEqualTo("invalid-snapshot: norm NaN is not a finite non-negative number");
            assertThat(letter.payload).contains("item=7").contains("norm=NaN");
        });
        assertThat(metrics.count("snapshotsRejected")).isEqualTo(1L);
        assertThat(metrics.count("snapshotsAccepted")).isZero();
        // A rejected snapshot opens no version and changes no state.
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(keysWithState(harness, "trending")).isEmpty();
        harness.processWatermark(200);
        assertThat(updates()).isEmpty();
    }

    static Stream<Arguments> invalidSnapshots() {
        return Stream.of(
                Arguments.of("negative norm", snapshot(1, 100, 200, -1, 1, new long[0], new double[0])),
                Arguments.of(
                        "infinite trending",
                        snapshot(1, 100, 200, 1, Double.POSITIVE_INFINITY, new long[0], new double[0])),
                Arguments.of("arrays of different length", snapshot(1, 100, 200, 1, 1, new long[] {2}, new double[0])),
                Arguments.of(
                        "too many neighbours",
                        snapshot(1, 100, 200, 1, 1, new long[] {2, 3, 4, 5}, new double[] {4, 3, 2, 1})),
                Arguments.of("itself as neighbour", snapshot(1, 100, 200, 1, 1, new long[] {1}, new double[] {1})),
                Arguments.of("zero co-occurrence", snapshot(1, 100, 200, 1, 1, new long[] {2}, new double[] {0})),
                Arguments.of(
                        "NaN co-occurrence", snapshot(1, 100, 200, 1, 1, new long[] {2}, new double[] {Double.NaN})),
                Arguments.of(
                        "unsorted neighbours", snapshot(1, 100, 200, 1, 1, new long[] {2, 3}, new double[] {1, 2})),
                Arguments.of(
                        "duplicate neighbours", snapshot(1, 100, 200, 1, 1, new long[] {2, 2}, new double[] {2, 1})));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidSnapshots")
    void shouldRejectInconsistentSnapshotWithoutForwardingIt(String problem, ItemSnapshot snapshot) throws Exception {
        send(snapshot);

        assertThat(updates()).isEmpty();
        assertThat(sideOutput(harness, FreshRecState.REJECTED_SNAPSHOTS))
                .singleElement()
                .satisfies(letter -> assertThat(letter.reason).startsWith("invalid-snapshot: "));
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void shouldForwardValidSnapshotAsDeltaOfItsVersionTimeAndCommitWhenWatermarkPassesIt() throws Exception {
        ItemSnapshot snapshot = snapshot(1, 100, 200, 3.0);

        send(snapshot);

        assertThat(updates()).singleElement().satisfies(update -> {
            assertThat(update.isCommit()).isFalse();
            // Deltas carry no number (0): they are identified by their version time; numbers come with commits.
            assertThat(update.version).isZero();
            assertThat(update.time).isEqualTo(200L);
            assertThat(update.item).usingRecursiveComparison().isEqualTo(snapshot);
        });
        assertThat(sideOutput(harness, FreshRecState.REJECTED_SNAPSHOTS)).isEmpty();
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(value(harness, KEY, FreshRecState.gateVersion())).isNull();

        harness.processWatermark(199);
        assertThat(commits()).isEmpty();

        harness.processWatermark(200);

        assertThat(commits()).singleElement().satisfies(commit -> {
            assertThat(commit.version).isEqualTo(1L);
            assertThat(commit.time).isEqualTo(200L);
            assertThat(commit.trending.items).containsExactly(1L);
            assertThat(commit.trending.scores).containsExactly(3.0);
        });
        assertThat(value(harness, KEY, FreshRecState.gateVersion())).isEqualTo(1L);
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(metrics.count("snapshotsAccepted")).isEqualTo(1L);
    }

    @Test
    void shouldNumberVersionsConsecutivelyAcrossCommits() throws Exception {
        send(snapshot(1, 100, 200, 1.0));
        harness.processWatermark(200);
        send(snapshot(2, 300, 400, 1.0));
        harness.processWatermark(400);
        send(snapshot(1, 500, 600, 1.0));
        harness.processWatermark(600);

        assertThat(updates())
                .extracting(u -> u.isCommit()
                        ? "commit " + u.version + "@" + u.time
                        : "item " + u.item.item + " v" + u.version + "@" + u.time)
                .containsExactly(
                        "item 1 v0@200",
                        "commit 1@200",
                        "item 2 v0@400",
                        "commit 2@400",
                        "item 1 v0@600",
                        "commit 3@600");
        assertThat(value(harness, KEY, FreshRecState.gateVersion())).isEqualTo(3L);
    }

    @Test
    void shouldKeepCommittingInAJobRestoredFromASavepointTakenAfterTheInputEnded() throws Exception {
        // A finite input ends (--keep-running): the final watermark commits everything; a version is taken then.
        send(snapshot(1, 100, 200, 1.0));
        harness.processWatermark(Long.MAX_VALUE);
        assertThat(commits()).extracting(u -> u.version).containsExactly(1L);
        OperatorSubtaskState savepoint = harness.snapshot(1, 1);
        harness.close();

        // The job restored from it starts a new watermark and must go on committing versions.
        metrics = new HarnessSupport.CapturedMetrics();
        environment.close();
        environment = HarnessSupport.environment(metrics);
        harness = new KeyedOneInputStreamOperatorTestHarness<>(
                new KeyedProcessOperator<>(new ModelGateFunction(config())), snapshot -> KEY, Types.INT, environment);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.initializeState(savepoint);
        harness.open();
        // The restored model shows its version before anything new commits.
        assertThat(metrics.gauge("modelVersion")).isEqualTo(1L);

        send(snapshot(2, 300, 400, 1.0));
        harness.processWatermark(400);
        send(snapshot(1, 500, 600, 1.0));
        harness.processWatermark(600);

        assertThat(commits()).extracting(u -> u.version + "@" + u.time).containsExactly("2@400", "3@600");
        assertThat(value(harness, KEY, FreshRecState.gateVersion())).isEqualTo(3L);
        assertThat(metrics.gauge("modelVersion")).isEqualTo(3L);
    }

    @Test
    void shouldCommitOnceForAllSnapshotsOfOneVersionWithTrendingStrongestFirst() throws Exception {
        send(snapshot(1, 100, 200, 2.0));
        send(snapshot(3, 100, 200, 5.0));
        send(snapshot(2, 100, 200, 5.0));
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(200);

        assertThat(updates())
                .filteredOn(u -> !u.isCommit())
                .extracting(u -> u.version)
                .containsOnly(0L);
        assertThat(updates())
                .filteredOn(u -> !u.isCommit())
                .extracting(u -> u.time)
                .containsOnly(200L);
        assertThat(commits()).singleElement().satisfies(commit -> {
            assertThat(commit.version).isEqualTo(1L);
            // Equal scores: smaller item first.
            assertThat(commit.trending.items).containsExactly(2L, 3L, 1L);
            assertThat(commit.trending.scores).containsExactly(5.0, 5.0, 2.0);
        });
        TrendingList stored = value(harness, KEY, FreshRecState.gateTrending());
        assertThat(stored.items).containsExactly(2L, 3L, 1L);
    }

    @Test
    void shouldForwardTombstoneAndDropTheItemFromTrendingList() throws Exception {
        send(snapshot(1, 100, 200, 5.0));
        send(snapshot(2, 100, 200, 3.0));
        harness.processWatermark(200);

        send(tombstone(1, 300));
        harness.processWatermark(300);

        ModelUpdate forwarded = updates().get(3);
        assertThat(forwarded.isCommit()).isFalse();
        assertThat(forwarded.item.item).isEqualTo(1L);
        assertThat(forwarded.item.isTombstone()).isTrue();
        assertThat(forwarded.version).isZero();
        assertThat(forwarded.time).isEqualTo(300L);
        assertThat(commits()).hasSize(2);
        ModelUpdate second = commits().get(1);
        assertThat(second.version).isEqualTo(2L);
        assertThat(second.time).isEqualTo(300L);
        assertThat(second.trending.items).containsExactly(2L);
        assertThat(second.trending.scores).containsExactly(3.0);
    }

    @Test
    void shouldDecayTrendingScoresToTheNewestSnapshotTime() throws Exception {
        send(snapshot(1, 1000, 2000, 8.0));
        send(snapshot(2, 2000, 2000, 5.0));

        harness.processWatermark(2000);

        // Item 1's 8 at 1000 is worth 4 at 2000 (one half-life), below item 2's 5.
        TrendingList trending = commits().get(0).trending;
        assertThat(trending.time).isEqualTo(2000L);
        assertThat(trending.items).containsExactly(2L, 1L);
        assertThat(trending.scores[1]).isCloseTo(8 * Math.pow(0.5, 1), Offset.offset(1e-9));
    }

    /**
     * A watermark that passes several publish boundaries at once (normal in replays) lets snapshots of
     * a later version (here 400, stating an interaction at 250) reach the gate before the commit of an
     * earlier one (200). A version "reflects every interaction before" its time and its commit carries
     * "the trending list as of its end" (ItemSnapshot.versionTime, ModelUpdate), so version 200's
     * trending list must not contain item 2, which first appears in version 400.
     */
    @Test
    void shouldCommitTrendingListWithOnlySnapshotsOfVersionsUpToTheCommittedOne() throws Exception {
        send(snapshot(1, 150, 200, 1.0));
        send(snapshot(2, 250, 400, 5.0));

        harness.processWatermark(450);

        assertThat(commits()).extracting(c -> c.time).containsExactly(200L, 400L);
        assertThat(commits().get(0).trending.items)
                .as("trending list committed with version 1 (time 200)")
                .containsExactly(1L);
        assertThat(commits().get(1).trending.items)
                .as("trending list committed with version 2 (time 400)")
                .containsExactly(2L, 1L);
    }
}

package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.accumulator;
import static io.freshrec.job.HarnessSupport.barrier;
import static io.freshrec.job.HarnessSupport.map;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.DecayedValue;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.ModelConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One bot and one hot item against the keyed operators: the per-user rate limit and co-occurrence pruning. */
class HostileTrafficOperatorsTest {
    private static final long BOT = 1L;
    private static final long PERSON = 2L;
    private static final long HOT = 10L;

    private final HarnessSupport.Opened opened = new HarnessSupport.Opened();

    @AfterEach
    void close() throws Exception {
        opened.close();
    }

    private <IN, OUT> KeyedOneInputStreamOperatorTestHarness<Long, IN, OUT> open(
            org.apache.flink.streaming.api.operators.OneInputStreamOperator<IN, OUT> operator,
            org.apache.flink.api.java.functions.KeySelector<IN, Long> key,
            OperatorSubtaskState restoreFrom)
            throws Exception {
        return opened.keyed(operator, key, restoreFrom);
    }

    // ---- one bot: the per-user rate limit ----

    private static ModelConfig limited(int perMinute) {
        ModelConfig config = new ModelConfig();
        config.userRateLimit = perMinute;
        return config.validate();
    }

    private static Interaction view(long user, long item, long time) {
        return new Interaction(user, item, EventType.VIEW, Double.NaN, time);
    }

    @Test
    void shouldTurnABotsEventsBeyondItsAllowanceIntoDeadLettersAndLeaveOtherUsersAlone() throws Exception {
        var harness = open(new UserHistoryOperator(limited(60)), event -> event.userId, null);
        // The bot: 100 views within 99 ms; a person: 5 views at the same times.
        for (int i = 0; i < 100; i++) {
            harness.processElement(view(BOT, 1000 + i, 1_000 + i), 1_000 + i);
            if (i < 5) {
                harness.processElement(view(PERSON, 2000 + i, 1_000 + i), 1_000 + i);
            }
        }
        harness.processWatermark(2_000);

        List<ProfileUpdate> profiles = sideOutput(harness, FreshRecState.PROFILE_UPDATES);
        // A full bucket of 60; 99 ms refill 60 x 99 / 60,000 = 0.099 of an event: no 61st.
        assertThat(profiles.stream().filter(p -> p.userId == BOT)).hasSize(60);
        assertThat(profiles.stream().filter(p -> p.userId == PERSON)).hasSize(5);
        // The first 60 in the user's event order are applied, the other 40 refused.
        assertThat(profiles.stream().filter(p -> p.userId == BOT).mapToLong(p -> p.itemId))
                .containsExactlyElementsOf(
                        () -> java.util.stream.LongStream.range(1000, 1060).iterator());
        List<DeadLetter> refused = sideOutput(harness, FreshRecState.DEAD_LETTERS);
        assertThat(refused).hasSize(40);
        for (int i = 0; i < refused.size(); i++) {
            DeadLetter letter = refused.get(i);
            assertThat(letter.reason).startsWith("rate-limited: user 1 over 60 events a minute");
            // The payload is the refused event in the input's own format: it can be replayed.
            assertThat(letter.payload).isEqualTo(InteractionParser.toJson(view(BOT, 1060 + i, 1_060 + i)));
        }
        assertThat(opened.metrics.get(0).count("deadLetterReason.rate-limited")).isEqualTo(40);
        assertThat(accumulator(harness, ParseFunction.ACC_DEAD_LETTERS)).isEqualTo(40);
        // No pair update was made from a refused event: the bot's 60 views paired only with each other.
        assertThat(harness.extractOutputValues().stream().filter(u -> u.item >= 1060 && u.item < 2000))
                .isEmpty();

        // 30 s of event time later, half the bucket is back: 30 of 40 more pass.
        for (int i = 0; i < 40; i++) {
            harness.processElement(view(BOT, 3000 + i, 31_099), 31_099);
        }
        harness.processWatermark(32_000);
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES).stream().filter(p -> p.userId == BOT))
                .hasSize(90);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS)).hasSize(50);
    }

    @Test
    void shouldRefuseTheSameEventsWhenRestoredFromACheckpointTakenMidBurst() throws Exception {
        List<Interaction> burst = new ArrayList<>();
        Random random = new Random(7);
        for (int i = 0; i < 400; i++) {
            burst.add(view(BOT, 100 + random.nextInt(50), 1_000 + 25L * i + random.nextInt(20)));
        }
        var straight = open(new UserHistoryOperator(limited(120)), event -> event.userId, null);
        for (Interaction event : burst) {
            straight.processElement(event, event.timestamp);
        }
        straight.processWatermark(Long.MAX_VALUE - 1);
        List<String> expected = reasonsAndPayloads(sideOutput(straight, FreshRecState.DEAD_LETTERS));
        assertThat(expected).hasSizeBetween(100, 300); // the limit bit: 10,000 ms at 40 events/s against 2 a second

        var first = open(new UserHistoryOperator(limited(120)), event -> event.userId, null);
        for (int i = 0; i < 200; i++) {
            first.processElement(burst.get(i), burst.get(i).timestamp);
            if (i == 120) {
                first.processWatermark(burst.get(i).timestamp - 100);
            }
        }
        barrier(first);
        OperatorSubtaskState snapshot = first.snapshot(1, 1);
        List<String> refused = new ArrayList<>(reasonsAndPayloads(sideOutput(first, FreshRecState.DEAD_LETTERS)));
        var second = open(new UserHistoryOperator(limited(120)), event -> event.userId, snapshot);
        for (int i = 200; i < burst.size(); i++) {
            second.processElement(burst.get(i), burst.get(i).timestamp);
        }
        second.processWatermark(Long.MAX_VALUE - 1);
        refused.addAll(reasonsAndPayloads(sideOutput(second, FreshRecState.DEAD_LETTERS)));

        assertThat(refused).containsExactlyElementsOf(expected);
    }

    private static List<String> reasonsAndPayloads(List<DeadLetter> letters) {
        return letters.stream().map(l -> l.reason + " " + l.payload).toList();
    }

    @Test
    void shouldApplyEveryEventWithTheLimitOff() throws Exception {
        var harness = open(new UserHistoryOperator(limited(0)), event -> event.userId, null);
        for (int i = 0; i < 5_000; i++) {
            harness.processElement(view(BOT, 1000 + i % 30, 1_000), 1_000);
        }
        harness.processWatermark(2_000);
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES)).hasSize(5_000);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS)).isEmpty();
    }

    // ---- a flood of new ids: the alert ----

    @Test
    void shouldRaiseTheNewIdAlertWhenNewUsersArriveFasterThanTheThreshold() throws Exception {
        var harness = open(new UserHistoryOperator(limited(0)).alertOnNewIdsAbove(10), event -> event.userId, null);
        long check = BundledKeyedOperator.NEW_ID_CHECK_MS;
        harness.setProcessingTime(check); // the first check: nothing yet
        for (int i = 0; i < 2_000; i++) {
            harness.processElement(view(1_000_000 + i, 5, 1_000), 1_000);
        }
        harness.processWatermark(2_000);
        // Within the first minute nothing is said (every id of a live stream is new to a job that just started).
        harness.setProcessingTime(check + 55_000);
        assertThat(opened.metrics.get(0).count(MetricNames.NEW_ID_ALERTS)).isZero();
        // A minute of checks: 2,000 new users in it, 33 a second against 10: raised once.
        harness.setProcessingTime(check + 60_000);
        assertThat(opened.metrics.get(0).count(MetricNames.NEW_ID_ALERTS)).isEqualTo(1);
        // No new users for a minute and more: cleared, once.
        harness.setProcessingTime(check + 300_000);
        assertThat(opened.metrics.get(0).count(MetricNames.NEW_ID_ALERTS)).isEqualTo(2);
    }

    @Test
    void shouldStayQuietWithoutAThreshold() throws Exception {
        var harness = open(new UserHistoryOperator(limited(0)), event -> event.userId, null);
        for (int i = 0; i < 2_000; i++) {
            harness.processElement(view(1_000_000 + i, 5, 1_000), 1_000);
        }
        harness.processWatermark(2_000);
        harness.setProcessingTime(3 * BundledKeyedOperator.NEW_ID_CHECK_MS);
        assertThat(opened.metrics.get(0).count(MetricNames.NEW_ID_ALERTS)).isZero();
    }

    // ---- one hot item: its co-occurrence map stays bounded ----

    private static ModelConfig pruned(int max, double below) {
        ModelConfig config = new ModelConfig();
        config.neighbours = 3;
        config.maxCooccurrences = max;
        config.cooccurrencePruneBelow = below;
        config.publishIntervalMs = 100;
        config.similarityHalfLifeMs = 60_000;
        return config.validate();
    }

    /** The hot item paired once with each of 40 others, one a version, with distinct amounts. */
    private static List<ItemUpdate> hotItemUpdates() {
        Random random = new Random(11);
        List<ItemUpdate> updates = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            updates.add(ItemUpdate.pair(HOT, 100 + i, 0.5 + random.nextInt(1000) / 100.0, 50 + 100L * i));
        }
        return updates;
    }

    @Test
    void shouldKeepAHotItemsMapBoundedWithTheSameNeighboursAsAnUnboundedMap() throws Exception {
        var bounded = open(new ItemModelOperator(pruned(8, 0.0)), update -> update.item, null);
        var unbounded = open(new ItemModelOperator(pruned(0, 0.0)), update -> update.item, null);
        List<ItemUpdate> first = hotItemUpdates();
        List<ItemUpdate> second = hotItemUpdates();
        for (int i = 0; i < first.size(); i++) {
            bounded.processElement(first.get(i), first.get(i).time);
            bounded.processWatermark(first.get(i).time + 60);
            unbounded.processElement(second.get(i), second.get(i).time);
            unbounded.processWatermark(second.get(i).time + 60);
            Map<Long, DecayedValue> map = map(bounded, HOT, FreshRecState.cooccurrence());
            assertThat(map.size()).isLessThanOrEqualTo(8);
            ItemState state = value(bounded, HOT, FreshRecState.itemState());
            assertThat(state.cooccurrences).isEqualTo(map.size());
        }
        // Every version published the same neighbours and values.
        List<ItemSnapshot> withBound = sideOutput(bounded, FreshRecState.MODEL_DELTAS);
        List<ItemSnapshot> without = sideOutput(unbounded, FreshRecState.MODEL_DELTAS);
        assertThat(withBound).hasSameSizeAs(without);
        for (int i = 0; i < without.size(); i++) {
            assertThat(withBound.get(i).neighbours).containsExactly(without.get(i).neighbours);
            assertThat(withBound.get(i).cooccurrence).containsExactly(without.get(i).cooccurrence);
        }
        // What the bounded map kept is what the unbounded map holds for those pairs: its strongest.
        Map<Long, DecayedValue> kept = map(bounded, HOT, FreshRecState.cooccurrence());
        Map<Long, DecayedValue> all = map(unbounded, HOT, FreshRecState.cooccurrence());
        assertThat(all).hasSize(40);
        long now = 50 + 100L * 39;
        long halfLife = pruned(8, 0).similarityHalfLifeMs;
        double weakestKept = kept.values().stream()
                .mapToDouble(v -> v.valueAt(now, halfLife))
                .min()
                .orElseThrow();
        for (Map.Entry<Long, DecayedValue> entry : kept.entrySet()) {
            assertThat(entry.getValue().valueAt(now, halfLife))
                    .isCloseTo(all.get(entry.getKey()).valueAt(now, halfLife), within(1e-12));
        }
        assertThat(opened.metrics.get(0).count(MetricNames.COOCCURRENCES_PRUNED))
                .isEqualTo(40 - kept.size());
        // The final version's neighbours are all in the map.
        for (long neighbour : without.get(without.size() - 1).neighbours) {
            assertThat(kept).containsKey(neighbour);
        }
        assertThat(weakestKept).isPositive();
    }

    @Test
    void shouldStartAPrunedPairFromZeroWhenItComesBack() throws Exception {
        var harness = open(new ItemModelOperator(pruned(8, 0.0)), update -> update.item, null);
        // Nine pairs, the weakest (item 100, 0.1) first; the ninth makes the map due: three go, 100 among them.
        harness.processElement(ItemUpdate.pair(HOT, 100, 0.1, 50), 50);
        for (int i = 1; i < 9; i++) {
            harness.processElement(ItemUpdate.pair(HOT, 100 + i, 1 + i, 50), 50);
        }
        harness.processWatermark(200);
        Map<Long, DecayedValue> map = map(harness, HOT, FreshRecState.cooccurrence());
        assertThat(map).hasSize(6).doesNotContainKey(100L);

        harness.processElement(ItemUpdate.pair(HOT, 100, 0.25, 250), 250);
        harness.processWatermark(400);
        assertThat(map(harness, HOT, FreshRecState.cooccurrence()).get(100L).valueAt(250, 60_000))
                .isEqualTo(0.25);
    }

    @Test
    void shouldDropEntriesBelowTheThresholdWhenTheMapIsPruned() throws Exception {
        var harness = open(new ItemModelOperator(pruned(8, 2.0)), update -> update.item, null);
        // Nine pairs, four under the threshold: the bound alone would drop three (keep 6), the threshold drops four.
        double[] amounts = {0.5, 0.6, 0.7, 0.8, 3, 4, 5, 6, 7};
        for (int i = 0; i < amounts.length; i++) {
            harness.processElement(ItemUpdate.pair(HOT, 100 + i, amounts[i], 50), 50);
        }
        harness.processWatermark(200);
        assertThat(map(harness, HOT, FreshRecState.cooccurrence()).keySet())
                .containsExactlyInAnyOrder(104L, 105L, 106L, 107L, 108L);
    }
}

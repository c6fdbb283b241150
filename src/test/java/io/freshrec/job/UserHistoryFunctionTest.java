package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.barrier;
import static io.freshrec.job.HarnessSupport.keysWithState;
import static io.freshrec.job.HarnessSupport.list;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.value;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Keyed by user, on RocksDB. Unless a test says otherwise: history length 3, no decay of interest
 * (so amounts are exact products of event weights), user ttl 1000 ms (expiry rounded up to 100 ms),
 * weights view 1, click 2, add-to-cart 4, purchase 8.
 */
class UserHistoryFunctionTest {
    private static final long USER = 1L;

    private HarnessSupport.CapturedMetrics metrics;
    private final List<MockEnvironment> environments = new ArrayList<>();
    private final List<KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate>> opened =
            new ArrayList<>();

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.historyLength = 3;
        config.seenLimit = 10;
        config.historyHalfLifeMs = 0;
        config.userTtlMs = 1000;
        return config.validate();
    }

    private KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> open(ModelConfig config)
            throws Exception {
        metrics = new HarnessSupport.CapturedMetrics();
        MockEnvironment environment = HarnessSupport.environment(metrics);
        environments.add(environment);
        KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> harness = HarnessSupport.rocksDbHarness(
                new UserHistoryOperator(config), event -> event.userId, Types.LONG, environment);
        opened.add(harness);
        return harness;
    }

    @AfterEach
    void close() throws Exception {
        for (var harness : opened) {
            harness.close();
        }
        for (MockEnvironment environment : environments) {
            environment.close();
        }
    }

    private static Interaction event(long user, long item, EventType type, long ts) {
        return new Interaction(user, item, type, Double.NaN, ts);
    }

    private static void send(
            KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> harness, Interaction event)
            throws Exception {
        harness.processElement(event, event.timestamp);
    }

    private static ItemUpdate interaction(
            long item, double weight, double normIncrement, long[] others, double[] amounts, long time) {
        return ItemUpdate.interaction(item, weight, normIncrement, others, amounts, time);
    }

    private static List<ItemUpdate> updates(
            KeyedOneInputStreamOperatorTestHarness<Long, Interaction, ItemUpdate> harness) {
        return harness.extractOutputValues();
    }

    @Test
    void shouldRunOnRocksDbWithPojoStateTypes() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 100));
        harness.processWatermark(100);

        assertThat(HarnessSupport.isRocksDb(harness)).isTrue();
        assertThat(value(harness, USER, FreshRecState.userHistory()).items).containsExactly(10L);
    }

    @Test
    void shouldBufferEventInPendingStateUntilWatermarkPassesIt() throws Exception {
        var harness = open(config());
        Interaction view = event(USER, 10, EventType.VIEW, 100);
        view.ingestedAt = 4242L;

        send(harness, view);

        assertThat(updates(harness)).isEmpty();
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES)).isEmpty();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(list(harness, USER, FreshRecState.pendingEvents())).containsExactly(view);
        assertThat(value(harness, USER, FreshRecState.userHistory())).isNull();

        harness.processWatermark(99);
        assertThat(updates(harness)).isEmpty();

        harness.processWatermark(100);

        assertThat(updates(harness))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(interaction(10, 1.0, 1.0, new long[0], new double[0], 100));
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES))
                .singleElement()
                .satisfies(profile -> {
                    assertThat(profile.userId).isEqualTo(USER);
                    assertThat(profile.itemId).isEqualTo(10L);
                    assertThat(profile.time).isEqualTo(100L);
                    assertThat(profile.arrivedAt).isEqualTo(4242L);
                    assertThat(profile.history.items).containsExactly(10L);
                    assertThat(profile.history.weights).containsExactly(1.0);
                    assertThat(profile.history.times).containsExactly(100L);
                    assertThat(profile.history.lastEventTime).isEqualTo(100L);
                    assertThat(profile.history.events).isEqualTo(1L);
                });
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
        assertThat(keysWithState(harness, "history")).containsExactly(USER);
        // The event timer fired; what is left is the expiry timer at 100 + 1000 = 1100.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
    }

    @Test
    void shouldApplyOutOfOrderEventsInEventTimeOrderOnceWatermarkPassesThem() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 20, EventType.CLICK, 300));
        send(harness, event(USER, 10, EventType.VIEW, 100));
        send(harness, event(USER, 30, EventType.PURCHASE, 200));
        assertThat(updates(harness)).isEmpty();
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(harness.numEventTimeTimers()).isEqualTo(3);
        assertThat(list(harness, USER, FreshRecState.pendingEvents())).hasSize(3);

        harness.processWatermark(300);

        // In event time: view 10 (w 1), purchase 30 (w 8), click 20 (w 2). Each pair amount is
        // weight x the other item's interest (no decay); every pair goes both ways, the interacted
        // item's side batched into its own update.
        assertThat(updates(harness))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        interaction(10, 1, 1, new long[0], new double[0], 100),
                        ItemUpdate.pair(10, 30, 8 * 1, 200),
                        interaction(30, 8, 64, new long[] {10}, new double[] {8 * 1}, 200),
                        ItemUpdate.pair(10, 20, 2 * 1, 300),
                        ItemUpdate.pair(30, 20, 2 * 8, 300),
                        interaction(20, 2, 4, new long[] {10, 30}, new double[] {2 * 1, 2 * 8}, 300));
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES))
                .extracting(profile -> profile.itemId, profile -> profile.time)
                .containsExactly(Tuple.tuple(10L, 100L), Tuple.tuple(30L, 200L), Tuple.tuple(20L, 300L));
        UserHistory history = value(harness, USER, FreshRecState.userHistory());
        assertThat(history.items).containsExactly(10L, 30L, 20L);
        assertThat(history.weights).containsExactly(1.0, 8.0, 2.0);
        assertThat(history.lastEventTime).isEqualTo(300L);
        assertThat(history.events).isEqualTo(3L);
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
    }

    @Test
    void shouldApplyOnlyEventsUpToTheWatermarkAndKeepLaterOnesPending() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 100));
        send(harness, event(USER, 20, EventType.VIEW, 500));

        harness.processWatermark(300);

        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES))
                .extracting(p -> p.itemId)
                .containsExactly(10L);
        barrier(harness); // a checkpoint barrier: the bundle moves to pending state, with its timers
        assertThat(list(harness, USER, FreshRecState.pendingEvents()))
                .extracting(e -> e.itemId)
                .containsExactly(20L);

        harness.processWatermark(500);

        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES))
                .extracting(p -> p.itemId)
                .containsExactly(10L, 20L);
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
    }

    @Test
    void shouldProduceTheSameUpdatesForEveryArrivalOrderOfEventsWithEqualTimestamps() throws Exception {
        List<Interaction> events = List.of(
                event(USER, 5, EventType.CLICK, 400),
                event(USER, 3, EventType.CLICK, 400),
                event(USER, 3, EventType.VIEW, 400));
        List<List<Interaction>> orders = permutations(events);
        List<List<Long>> profileItems = new ArrayList<>();
        List<List<ItemUpdate>> outputs = new ArrayList<>();
        for (List<Interaction> order : orders) {
            var harness = open(config());
            for (Interaction event : order) {
                send(harness, event);
            }
            harness.processWatermark(400);
            outputs.add(updates(harness));
            profileItems.add(sideOutput(harness, FreshRecState.PROFILE_UPDATES).stream()
                    .map(p -> p.itemId)
                    .toList());
        }

        // Canonical order at equal time: item, then type (view before click): 3/view, 3/click, 5/click.
        assertThat(profileItems)
                .hasSize(6)
                .allSatisfy(items -> assertThat(items).containsExactly(3L, 3L, 5L));
        for (List<ItemUpdate> output : outputs) {
            assertThat(output).usingRecursiveFieldByFieldElementComparator().containsExactlyElementsOf(outputs.get(0));
        }
        // 3/view: norm 1. 3/click: existing, interest 1 -> 3, norm grows 9 - 1 = 8.
        // 5/click: pairs with 3 (interest 3): 2 x 3 = 6.
        assertThat(outputs.get(0))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        interaction(3, 1, 1, new long[0], new double[0], 400),
                        interaction(3, 2, 8, new long[0], new double[0], 400),
                        ItemUpdate.pair(3, 5, 6, 400),
                        interaction(5, 2, 4, new long[] {3}, new double[] {6}, 400));
    }

    private static <T> List<List<T>> permutations(List<T> items) {
        if (items.isEmpty()) {
            return List.of(List.of());
        }
        List<List<T>> result = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) {
            List<T> rest = new ArrayList<>(items);
            T head = rest.remove(i);
            for (List<T> tail : permutations(rest)) {
                List<T> permutation = new ArrayList<>();
                permutation.add(head);
                permutation.addAll(tail);
                result.add(permutation);
            }
        }
        return result;
    }

    @Test
    void shouldApplyEventsAtOrBehindWatermarkImmediatelyAndCountThemLate() throws Exception {
        var harness = open(config());
        harness.processWatermark(500);

        send(harness, event(USER, 10, EventType.VIEW, 500));
        send(harness, event(USER, 20, EventType.CLICK, 400));

        assertThat(updates(harness))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        interaction(10, 1, 1, new long[0], new double[0], 500),
                        ItemUpdate.pair(10, 20, 2 * 1, 400),
                        interaction(20, 2, 4, new long[] {10}, new double[] {2}, 400));
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
        assertThat(metrics.count("lateEvents")).isEqualTo(2L);
        // No buffering timers; one expiry timer for the last event time 500 (rounded: 1500).
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);
        assertThat(value(harness, USER, FreshRecState.userHistory()).lastEventTime)
                .isEqualTo(500L);
    }

    @Test
    void shouldGrowNormByChangeOfSquaredInterestWhenAnItemIsRepeated() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 100));
        send(harness, event(USER, 20, EventType.CLICK, 200));
        send(harness, event(USER, 10, EventType.CLICK, 300));

        harness.processWatermark(300);

        // At 300 item 10 has interest 1 and gets 2 more: norm grows 3^2 - 1^2 = 8; it pairs only with 20
        // (interest 2): 2 x 2 = 4, and moves to the newest end of the history.
        assertThat(updates(harness).subList(3, 5))
                .usingRecursiveFieldByFieldElementComparator()
                .containsExactly(
                        ItemUpdate.pair(20, 10, 4, 300), interaction(10, 2, 8, new long[] {20}, new double[] {4}, 300));
        UserHistory history = value(harness, USER, FreshRecState.userHistory());
        assertThat(history.items).containsExactly(20L, 10L);
        assertThat(history.weights).containsExactly(2.0, 3.0);
        assertThat(history.events).isEqualTo(3L);
    }

    @Test
    void shouldPairOnlyWithTheMostRecentItemsOfTheHistoryLength() throws Exception {
        var harness = open(config());
        for (int i = 1; i <= 5; i++) {
            send(harness, event(USER, 10L * i, EventType.VIEW, 100L * i));
        }

        harness.processWatermark(500);

        List<ItemUpdate> updates = updates(harness);
        ItemUpdate last = updates.get(updates.size() - 1);
        // History length 3: by the 5th view (item 50) the window holds 20, 30, 40; 10 was dropped.
        assertThat(last.item).isEqualTo(50L);
        assertThat(last.others).containsExactly(20L, 30L, 40L);
        assertThat(last.amounts).containsExactly(1.0, 1.0, 1.0);
        assertThat(value(harness, USER, FreshRecState.userHistory()).items).containsExactly(30L, 40L, 50L);
    }

    @Test
    void shouldDecayInterestInOlderItemsByTheHistoryHalfLife() throws Exception {
        ModelConfig config = config();
        config.historyHalfLifeMs = 1000;
        var harness = open(config);
        send(harness, event(USER, 10, EventType.CLICK, 1000));
        send(harness, event(USER, 20, EventType.PURCHASE, 3000));

        harness.processWatermark(3000);

        // Two half-lives later the click's interest 2 is worth 2 / 4; the purchase (8) pairs with it.
        double expected = 8 * 2 * Math.pow(0.5, 2.0);
        ItemUpdate purchase = updates(harness).get(updates(harness).size() - 1);
        assertThat(purchase.others).containsExactly(10L);
        assertThat(purchase.amounts[0]).isCloseTo(expected, within(1e-9));
    }

    @Test
    void shouldKeepUsersApartByKey() throws Exception {
        var harness = open(config());
        send(harness, event(1, 10, EventType.VIEW, 100));
        send(harness, event(2, 20, EventType.VIEW, 150));
        send(harness, event(1, 11, EventType.VIEW, 200));
        send(harness, event(2, 21, EventType.VIEW, 250));

        harness.processWatermark(300);

        assertThat(keysWithState(harness, "history")).containsExactlyInAnyOrder(1L, 2L);
        assertThat(value(harness, 1L, FreshRecState.userHistory()).items).containsExactly(10L, 11L);
        assertThat(value(harness, 2L, FreshRecState.userHistory()).items).containsExactly(20L, 21L);
        assertThat(updates(harness))
                .filteredOn(update -> !update.interaction)
                .extracting(update -> update.item + "-" + update.others[0])
                .containsExactlyInAnyOrder("10-11", "20-21");
    }

    @Test
    void shouldForgetIdleUserWhenExpiryTimerFires() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 1050));
        harness.processWatermark(1050);
        // Last event 1050 + ttl 1000 = 2050, rounded up to a tenth of the ttl: 2100.
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(2099);
        assertThat(value(harness, USER, FreshRecState.userHistory())).isNotNull();

        harness.processWatermark(2100);

        assertThat(keysWithState(harness, "history")).isEmpty();
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
        assertThat(metrics.count("usersExpired")).isEqualTo(1L);

        // Coming back, the user starts afresh: no pair with the forgotten item.
        send(harness, event(USER, 20, EventType.VIEW, 2200));
        harness.processWatermark(2200);

        assertThat(updates(harness).get(updates(harness).size() - 1))
                .usingRecursiveComparison()
                .isEqualTo(interaction(20, 1, 1, new long[0], new double[0], 2200));
        assertThat(value(harness, USER, FreshRecState.userHistory()).events).isEqualTo(1L);
        assertThat(metrics.count("usersCreated")).isEqualTo(2L);
    }

    @Test
    void shouldKeepUserWhoseLaterActivityMovedTheExpiry() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 1050));
        harness.processWatermark(1050);
        send(harness, event(USER, 20, EventType.VIEW, 1900));
        harness.processWatermark(1900);
        // Expiry timers at 2100 (for 1050) and 2900 (for 1900).
        assertThat(harness.numEventTimeTimers()).isEqualTo(2);

        harness.processWatermark(2100);

        assertThat(value(harness, USER, FreshRecState.userHistory()).items).containsExactly(10L, 20L);
        assertThat(harness.numEventTimeTimers()).isEqualTo(1);

        harness.processWatermark(2900);

        assertThat(keysWithState(harness, "history")).isEmpty();
        assertThat(harness.numEventTimeTimers()).isZero();
    }

    @Test
    void shouldKeepUsersWhenTheWatermarkJumpsToTheEndOfABoundedInput() throws Exception {
        var harness = open(config());
        send(harness, event(USER, 10, EventType.VIEW, 1050));
        harness.processWatermark(1050);
        send(harness, event(2L, 20, EventType.VIEW, 1500));

        // End of input: every timer fires, the expiry timers 2100 (user 1) and 2500 (user 2) included.
        harness.processWatermark(Long.MAX_VALUE);

        // User 2's buffered event is still applied, and nobody is forgotten: the end is not idleness.
        assertThat(sideOutput(harness, FreshRecState.PROFILE_UPDATES))
                .extracting(p -> p.userId + "/" + p.itemId)
                .containsExactly("1/10", "2/20");
        assertThat(keysWithState(harness, "history")).containsExactlyInAnyOrder(USER, 2L);
        assertThat(value(harness, USER, FreshRecState.userHistory()).items).containsExactly(10L);
        assertThat(value(harness, 2L, FreshRecState.userHistory()).items).containsExactly(20L);
        assertThat(keysWithState(harness, "pending-events")).isEmpty();
        assertThat(metrics.count("usersExpired")).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}

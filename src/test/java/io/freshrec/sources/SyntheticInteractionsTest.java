package io.freshrec.sources;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SyntheticInteractionsTest {

    private static final long START = 1_700_000_000_000L;
    private static final long DRIFT = 10 * 60_000L;

    private static SyntheticInteractions world(long seed) {
        return new SyntheticInteractions(seed, 1_000, 2_000, 20, START, 100.0, DRIFT, 50, 0.0);
    }

    @Test
    void shouldProduceTheSameEventForTheSameSeedAndIndex() {
        SyntheticInteractions a = world(7);
        SyntheticInteractions b = world(7);

        for (long n = 0; n < 2_000; n++) {
            assertThat(b.at(n)).isEqualTo(a.at(n));
            assertThat(b.lineAt(n)).isEqualTo(a.lineAt(n));
        }
        // Random access: asking out of order gives the same answer.
        assertThat(a.at(1_234)).isEqualTo(b.at(1_234));
        assertThat(a.at(1_234)).isEqualTo(a.at(1_234));
    }

    @Test
    void shouldProduceDifferentStreamsForDifferentSeeds() {
        SyntheticInteractions a = world(7);
        SyntheticInteractions b = world(8);

        int differing = 0;
        for (long n = 0; n < 1_000; n++) {
            if (!a.at(n).equals(b.at(n))) {
                differing++;
            }
        }
        assertThat(differing).isGreaterThan(900);
    }

    @Test
    void shouldStampEventsOnTheSyntheticClock() {
        SyntheticInteractions world = world(1);

        assertThat(world.timeOf(0)).isEqualTo(START);
        assertThat(world.timeOf(100)).isEqualTo(START + 1_000);
        assertThat(world.timeOf(250)).isEqualTo(START + 2_500);
        assertThat(world.at(250).timestamp).isEqualTo(START + 2_500);
        assertThat(world.at(250, 42L).timestamp).isEqualTo(42L);
    }

    @Test
    void shouldKeepUsersAndItemsInRangeAndItemsWithinTheGrowingCatalogue() {
        int users = 1_000;
        int items = 2_000;
        int newItemEvery = 50;
        SyntheticInteractions world = world(3);
        Set<Long> seenUsers = new HashSet<>();
        Map<EventType, Integer> types = new EnumMap<>(EventType.class);
        long maxItem = 0;
        for (long n = 0; n < 100_000; n += 3) {
            Interaction event = world.at(n);
            assertThat(event.userId).isBetween(1L, (long) users);
            long available = Math.min(items, items / 2 + n / newItemEvery);
            assertThat(event.itemId).as("event %d", n).isBetween(1L, available);
            assertThat(event.hasValue()).isFalse();
            assertThat(event.type).isNotEqualTo(EventType.RATING);
            types.merge(event.type, 1, Integer::sum);
            seenUsers.add(event.userId);
            maxItem = Math.max(maxItem, event.itemId);
        }
        // The catalogue grows to its full size and many users show up.
        assertThat(maxItem).isGreaterThan(items * 9L / 10);
        assertThat(seenUsers.size()).isGreaterThan(users / 2);
        assertThat(types.keySet())
                .containsExactlyInAnyOrder(EventType.VIEW, EventType.CLICK, EventType.ADD_TO_CART, EventType.PURCHASE);
        // Intent: views most common, purchases least.
        assertThat(types.get(EventType.VIEW)).isGreaterThan(types.get(EventType.CLICK));
        assertThat(types.get(EventType.CLICK)).isGreaterThan(types.get(EventType.ADD_TO_CART));
        assertThat(types.get(EventType.ADD_TO_CART)).isGreaterThan(types.get(EventType.PURCHASE));
    }

    @Test
    void shouldMostlyPickItemsOfTheUsersCurrentTaste() {
        SyntheticInteractions world = world(11);
        int matching = 0;
        int total = 20_000;
        for (long n = 0; n < total; n++) {
            Interaction event = world.at(n);
            int taste = world.tasteOf(event.userId, event.timestamp);
            assertThat(taste).isBetween(0, world.clusters() - 1);
            if (world.clusterOf(event.itemId) == taste) {
                matching++;
            }
        }
        // 80% follow the taste, plus the 1-in-20 chance of a random cluster hitting it: about 81%.
        assertThat(matching / (double) total).isBetween(0.75, 0.87);
    }

    @Test
    void shouldDriftTasteAcrossDriftPeriodsForSomeUsers() {
        SyntheticInteractions world = world(5);
        int changed = 0;
        for (long user = 1; user <= 200; user++) {
            if (world.tasteOf(user, START) != world.tasteOf(user, START + DRIFT)) {
                changed++;
            }
            // Within less than one period a taste changes at most once (one boundary per period).
            Set<Integer> tastes = new HashSet<>();
            for (long t = START; t < START + DRIFT; t += DRIFT / 50) {
                tastes.add(world.tasteOf(user, t));
            }
            assertThat(tastes.size()).isLessThanOrEqualTo(2);
        }
        // With 20 clusters a new period keeps the same taste about 1 time in 20.
        assertThat(changed).isGreaterThan(150);
    }

    @Test
    void shouldKeepTasteStableWithinOneDriftEpoch() {
        SyntheticInteractions world = world(5);
        for (long user = 1; user <= 50; user++) {
            int changes = 0;
            int previous = world.tasteOf(user, START);
            for (long t = START; t <= START + 10 * DRIFT; t += DRIFT / 20) {
                int taste = world.tasteOf(user, t);
                if (taste != previous) {
                    changes++;
                }
                previous = taste;
            }
            // Ten periods contain at most ten (user-phased) boundaries.
            assertThat(changes).isLessThanOrEqualTo(10);
        }
    }

    @Test
    void shouldMapItemsToClustersByResidue() {
        SyntheticInteractions world = world(1);

        assertThat(world.clusterOf(1)).isZero();
        assertThat(world.clusterOf(20)).isEqualTo(19);
        assertThat(world.clusterOf(21)).isZero();
        assertThat(world.clusters()).isEqualTo(20);
    }

    @Test
    void shouldWriteOnlyValidLinesWithoutABadRecordRate() {
        SyntheticInteractions world = world(2);
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);

        for (long n = 0; n < 5_000; n++) {
            ParseResult result = parser.parse(world.lineAt(n), world.timeOf(n));
            assertThat(result.isValid()).as(world.lineAt(n)).isTrue();
            assertThat(result.interaction()).isEqualTo(world.at(n));
        }
    }

    @Test
    void shouldBreakRoughlyTheConfiguredShareOfLinesSoThatTheParserRejectsThem() {
        double rate = 0.1;
        SyntheticInteractions world = world(9).withBadRecordRate(rate);
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
        int total = 20_000;
        int rejected = 0;
        Set<String> categories = new HashSet<>();
        for (long n = 0; n < total; n++) {
            String line = world.lineAt(n);
            ParseResult result = parser.parse(line, world.timeOf(n));
            if (result.isValid()) {
                // A line that is not broken is the event itself.
                assertThat(result.interaction()).isEqualTo(world.at(n));
            } else {
                rejected++;
                categories.add(result.reasonCategory());
            }
        }
        // Expected 2,000 with a standard deviation of about 42.
        assertThat(rejected).isBetween(1_600, 2_400);
        assertThat(categories).contains("malformed-json", "unknown-type", "wrong-type", "bad-timestamp");
    }

    @Test
    void shouldRejectInvalidGeneratorSettings() {
        assertThatThrownBy(() -> new SyntheticInteractions(1, 0, 10, 2, START, 1, DRIFT, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticInteractions(1, 10, 1, 2, START, 1, DRIFT, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticInteractions(1, 10, 10, 0, START, 1, DRIFT, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticInteractions(1, 10, 10, 2, START, 0, DRIFT, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticInteractions(1, 10, 10, 2, START, 1, 0, 1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SyntheticInteractions(1, 10, 10, 2, START, 1, DRIFT, 0, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> world(1).withBadRecordRate(1.0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> world(1).withBadRecordRate(-0.1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldBuildTheDocumentedDefaults() {
        SyntheticInteractions world = SyntheticInteractions.defaults(1, 10_000, 5_000, 1_000.0, START);

        assertThat(world.clusters()).isEqualTo(20);
        assertThat(world.timeOf(1_000)).isEqualTo(START + 1_000);
        for (long n = 0; n < 1_000; n++) {
            assertThat(world.at(n).itemId).isBetween(1L, 5_000L);
            assertThat(world.at(n).userId).isBetween(1L, 10_000L);
        }
    }
}

package io.freshrec.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Random;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class SeenItemsTest {

    @Test
    void shouldContainNothingWhenNew() {
        SeenItems seen = new SeenItems();

        assertThat(seen.size()).isZero();
        assertThat(seen.contains(1)).isFalse();
    }

    @Test
    void shouldContainAddedItemsAndRefuseDuplicates() {
        SeenItems seen = new SeenItems();

        assertThat(seen.add(5, 10)).isTrue();
        assertThat(seen.contains(5)).isTrue();
        assertThat(seen.add(3, 10)).isTrue();
        assertThat(seen.contains(3)).isTrue();
        assertThat(seen.add(5, 10)).isFalse();

        assertThat(seen.size()).isEqualTo(2);
        assertThat(seen.contains(4)).isFalse();
    }

    @Test
    void shouldSeeItemsAddedAfterAnEarlierLookup() {
        SeenItems seen = new SeenItems();
        seen.add(10, 10);
        assertThat(seen.contains(20)).isFalse();

        seen.add(20, 10);

        assertThat(seen.contains(20)).isTrue();
        assertThat(seen.contains(10)).isTrue();
    }

    @Test
    void shouldEvictTheOldestBeyondTheLimit() {
        SeenItems seen = new SeenItems();
        for (long item = 1; item <= 5; item++) {
            seen.add(item, 3);
        }

        assertThat(seen.items).containsExactly(3L, 4L, 5L);
        assertThat(seen.contains(1)).isFalse();
        assertThat(seen.contains(2)).isFalse();
        assertThat(seen.contains(3)).isTrue();
    }

    @Test
    void shouldShrinkToALowerLimitOnTheNextAdd() {
        SeenItems seen = new SeenItems();
        for (long item = 1; item <= 4; item++) {
            seen.add(item, 10);
        }

        seen.add(5, 2);

        assertThat(seen.items).containsExactly(4L, 5L);
    }

    @Test
    void shouldMatchABoundedQueueForDistinctItems() {
        Random random = new Random(3);
        SeenItems seen = new SeenItems();
        Deque<Long> expected = new ArrayDeque<>();
        int limit = 7;
        long next = 1;
        for (int step = 0; step < 300; step++) {
            long item = random.nextBoolean() ? next++ : 1 + random.nextInt((int) next);
            boolean present = expected.contains(item);
            if (present) {
                // Only fresh items here; re-interaction is covered separately.
                continue;
            }
            assertThat(seen.add(item, limit)).isTrue();
            expected.addLast(item);
            if (expected.size() > limit) {
                expected.removeFirst();
            }
            assertThat(seen.items)
                    .containsExactly(
                            expected.stream().mapToLong(Long::longValue).toArray());
            for (long probe = 0; probe <= next; probe++) {
                assertThat(seen.contains(probe)).isEqualTo(expected.contains(probe));
            }
        }
    }

    /**
     * The class keeps "the newest {@code limit}" items the user interacted with. Interacting with an
     * item again makes it one of the newest, so it must outlive items last touched before it.
     * (With seen-limit = history-length, which ModelConfig allows, an item still in the user's recent
     * history otherwise drops out of the seen set and gets recommended back to the user.)
     */
    @Test
    void shouldKeepAnItemInteractedWithAgainOverOlderOnes() {
        SeenItems seen = new SeenItems();
        seen.add(1, 2);
        seen.add(2, 2);
        seen.add(1, 2); // the user comes back to item 1: the newest two are now 2 and 1

        seen.add(3, 2); // the newest two are 1 and 3

        assertThat(seen.contains(1)).isTrue();
        assertThat(seen.contains(3)).isTrue();
        assertThat(seen.contains(2)).isFalse();
    }

    /** The sorted copy is not state: read back through Flink's serializer, lookups and additions still work. */
    @Test
    void shouldAnswerLookupsAfterARoundTripThroughItsStateSerializer() throws Exception {
        ExecutionConfig config = new ExecutionConfig();
        config.disableGenericTypes();
        TypeSerializer<SeenItems> serializer =
                TypeInformation.of(SeenItems.class).createSerializer(config.getSerializerConfig());
        SeenItems seen = new SeenItems();
        for (long item : new long[] {40, 7, 19, 3}) {
            seen.add(item, 10);
        }
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(seen, out);
        assertThat(out.length())
                .as("items only: a length and four longs, and the POJO's field flags")
                .isLessThan(4 * 8 * 2);
        SeenItems read = serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));

        assertThat(read.items).containsExactly(40L, 7L, 19L, 3L);
        assertThat(read.contains(19)).isTrue();
        assertThat(read.contains(20)).isFalse();
        read.add(20, 4); // drops the oldest (40)
        assertThat(read.contains(40)).isFalse();
        assertThat(read.contains(20)).isTrue();
        assertThat(read.items).containsExactly(7L, 19L, 3L, 20L);
    }
}

package io.freshrec.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.model.DecayedValue;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CooccurrenceCacheTest {

    @Test
    void shouldAnswerWhatWasWrittenAsACopyAndCountHitsAndMisses() throws Exception {
        CooccurrenceCache cache = new CooccurrenceCache(100);
        assertThat(cache.get(1, 2)).isNull();
        DecayedValue written = new DecayedValue(2.5, 1000);
        cache.put(1, 2, written);
        written.value = 99; // the caller's object is not the cached one
        DecayedValue read = cache.get(1, 2);
        assertThat(read.value).isEqualTo(2.5);
        assertThat(read.time).isEqualTo(1000);
        read.value = 77; // nor is the one handed out
        assertThat(cache.get(1, 2).value).isEqualTo(2.5);
        assertThat(cache.get(1, 3)).isNull();
        assertThat(cache.hits()).isEqualTo(2);
        assertThat(cache.misses()).isEqualTo(2);
        assertThat(cache.entries()).isEqualTo(1);
    }

    @Test
    void shouldKnowAPairIsAbsentOnlyWhenItHoldsTheItemsWholeMap() throws Exception {
        CooccurrenceCache cache = new CooccurrenceCache(100);
        cache.put(1, 2, new DecayedValue(1, 10));
        assertThat(cache.holdsAll(1)).isFalse(); // the map may hold more than was written here
        cache.clear(1); // e.g. a new item: its map is empty
        assertThat(cache.holdsAll(1)).isTrue();
        assertThat(cache.entries()).isZero();
        cache.put(1, 5, new DecayedValue(1, 10));
        assertThat(cache.holdsAll(1)).isTrue();
        assertThat(cache.get(1, 6)).isNull();
        assertThat(cache.hits()).as("known absent is a hit").isEqualTo(1);
        assertThat(all(cache, 1)).containsOnlyKeys(5L);

        cache.holdAll(
                2, new long[] {7, 8, 9}, new DecayedValue[] {new DecayedValue(1, 1), new DecayedValue(2, 2), null}, 2);
        assertThat(all(cache, 2)).containsOnlyKeys(7L, 8L);
        assertThat(all(cache, 2).get(8L)).isEqualTo("2.0@2");
        cache.remove(2, 7);
        assertThat(all(cache, 2)).containsOnlyKeys(8L);
        assertThat(cache.holdsAll(2)).isTrue();
        assertThat(cache.sizeIfAll(3)).isEqualTo(-1);
    }

    @Test
    void shouldEvictTheLeastRecentlyTouchedItemsWholeToKeepItsBound() throws Exception {
        CooccurrenceCache cache = new CooccurrenceCache(5);
        for (long other = 10; other < 13; other++) {
            cache.put(1, other, new DecayedValue(other, 0)); // item 1: three entries
        }
        cache.put(2, 10, new DecayedValue(1, 0));
        cache.put(2, 11, new DecayedValue(1, 0)); // item 2: two; five in all
        cache.get(1, 10); // item 1 is now the most recently touched
        cache.put(3, 10, new DecayedValue(1, 0)); // six: item 2 goes, whole
        assertThat(cache.entries()).isEqualTo(4);
        assertThat(cache.evictedItems()).isEqualTo(1);
        assertThat(cache.get(2, 10)).isNull();
        assertThat(cache.get(1, 12).value).isEqualTo(12);
        assertThat(cache.get(3, 10)).isNotNull();
    }

    @Test
    void shouldNotClaimAWholeMapItCannotHold() throws Exception {
        CooccurrenceCache cache = new CooccurrenceCache(2);
        DecayedValue one = new DecayedValue(1, 0);
        cache.holdAll(1, new long[] {1, 2, 3}, new DecayedValue[] {one, one, one}, 3);
        assertThat(cache.holdsAll(1)).isFalse();
        assertThat(cache.entries()).isZero();
        // An item written beyond the bound alone is dropped, with its claim to be whole.
        cache.clear(4);
        cache.put(4, 1, one);
        cache.put(4, 2, one);
        cache.put(4, 3, one);
        assertThat(cache.holdsAll(4)).isFalse();
        assertThat(cache.entries()).isLessThanOrEqualTo(2);
    }

    @Test
    void shouldHoldNothingWhenSizedZero() throws Exception {
        CooccurrenceCache cache = new CooccurrenceCache(0);
        cache.clear(1);
        cache.put(1, 2, new DecayedValue(1, 0));
        assertThat(cache.holdsAll(1)).isFalse();
        assertThat(cache.get(1, 2)).isNull();
        assertThat(cache.entries()).isZero();
        assertThatThrownBy(() -> new CooccurrenceCache(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    /** What a write-back cache wrote to the map: item -> other -> value@time, newest write last. */
    private static final class Written implements CooccurrenceCache.Writer {
        final Map<Long, Map<Long, String>> map = new HashMap<>();
        int batches;

        @Override
        public void write(long item, long[] others, double[] values, long[] times, int n) {
            batches++;
            for (int i = 0; i < n; i++) {
                map.computeIfAbsent(item, x -> new HashMap<>())
                        .put(others[i], new DecayedValue(values[i], times[i]).toString());
            }
        }
    }

    @Test
    void shouldWriteAChangedEntryBackOnceAtAFlushWithItsNewestValue() throws Exception {
        Written written = new Written();
        CooccurrenceCache cache = new CooccurrenceCache(100, written);
        assertThat(cache.writesBack()).isTrue();
        for (int version = 1; version <= 20; version++) {
            cache.put(1, 2, new DecayedValue(version, version * 100L));
            cache.put(3, 4, new DecayedValue(version, version * 100L));
        }
        assertThat(written.map).isEmpty(); // twenty versions, nothing written yet
        assertThat(cache.dirtyItems()).isEqualTo(2);
        cache.flush();
        assertThat(written.map).isEqualTo(Map.of(1L, Map.of(2L, "20.0@2000"), 3L, Map.of(4L, "20.0@2000")));
        assertThat(written.batches).isEqualTo(2); // one per item
        assertThat(cache.written()).isEqualTo(2);
        assertThat(cache.dirtyItems()).isZero();
        cache.flush(); // nothing changed since
        assertThat(written.batches).isEqualTo(2);
        // Still cached after the flush, and one item can be flushed alone (before its map is read whole).
        assertThat(cache.get(1, 2).value).isEqualTo(20);
        cache.put(1, 5, new DecayedValue(1, 1));
        cache.put(3, 5, new DecayedValue(1, 1));
        cache.flush(1);
        assertThat(written.map.get(1L)).containsOnlyKeys(2L, 5L);
        assertThat(written.map.get(3L)).containsOnlyKeys(4L);
        assertThat(cache.dirtyItems()).isEqualTo(1);
    }

    @Test
    void shouldHandWritesOverInTheStateBackendsKeyOrder() throws Exception {
        List<Long> itemsWritten = new ArrayList<>();
        List<long[]> othersWritten = new ArrayList<>();
        CooccurrenceCache cache = new CooccurrenceCache(
                10_000,
                (item, others, values, times, n) -> {
                    itemsWritten.add(item);
                    othersWritten.add(Arrays.copyOf(others, n));
                    for (int i = 0; i < n; i++) {
                        assertThat(values[i]).isEqualTo(others[i] + item); // each value stays with its pair
                    }
                },
                128);
        long[] items = {5, 900, 17, -3, 123_456, 64};
        long[] others = {7, -1, 2, 1L << 40, 300, Long.MIN_VALUE, 0};
        for (long item : items) {
            for (long other : others) {
                cache.put(item, other, new DecayedValue(other + item, 1));
            }
        }
        cache.flush();
        long[] expectedItems = items.clone();
        StateKeyOrder.sortKeys(expectedItems, expectedItems.length, 128);
        assertThat(itemsWritten)
                .containsExactlyElementsOf(Arrays.stream(expectedItems).boxed().toList());
        long[] expectedOthers = {0, 2, 7, 300, 1L << 40, Long.MIN_VALUE, -1}; // unsigned: negatives last
        for (long[] written : othersWritten) {
            assertThat(written).containsExactly(expectedOthers);
        }
    }

    @Test
    void shouldWriteAnEvictedItemsChangesAndDropRemovedOrClearedOnes() throws Exception {
        Written written = new Written();
        CooccurrenceCache cache = new CooccurrenceCache(3, written);
        cache.holdAll(1, new long[] {10}, new DecayedValue[] {new DecayedValue(1, 0)}, 1); // read from the map: clean
        cache.put(1, 11, new DecayedValue(2, 0)); // changed
        cache.put(2, 10, new DecayedValue(3, 0));
        cache.put(3, 10, new DecayedValue(4, 0)); // four entries: item 1, the least recently touched, goes
        assertThat(written.map).isEqualTo(Map.of(1L, Map.of(11L, "2.0@0")));
        assertThat(cache.get(1, 11)).isNull(); // evicted: a read goes to the map, which has it

        cache.put(2, 12, new DecayedValue(5, 0));
        cache.remove(2, 12); // pruned from the map before it was written: nothing to write
        cache.put(3, 11, new DecayedValue(6, 0));
        cache.clear(3); // the map was cleared (an item expired): its changes are not written
        cache.flush();
        assertThat(written.map).isEqualTo(Map.of(1L, Map.of(11L, "2.0@0"), 2L, Map.of(10L, "3.0@0")));
    }

    @Test
    void shouldLeaveWritingToTheOperatorWithoutAWriterOrAnySize() throws Exception {
        assertThat(new CooccurrenceCache(100).writesBack()).isFalse();
        Written written = new Written();
        CooccurrenceCache none = new CooccurrenceCache(0, written);
        assertThat(none.writesBack()).isFalse(); // holds nothing, so the operator writes the map itself
        none.put(1, 2, new DecayedValue(1, 0));
        none.flush();
        assertThat(written.map).isEmpty();
    }

    /** The item's whole map as the cache holds it: other item to value@time. */
    private static Map<Long, String> all(CooccurrenceCache cache, long item) {
        int n = cache.sizeIfAll(item);
        long[] others = new long[n];
        double[] values = new double[n];
        long[] times = new long[n];
        assertThat(cache.copyAll(item, others, values, times)).isEqualTo(n);
        Map<Long, String> all = new HashMap<>();
        for (int i = 0; i < n; i++) {
            all.put(others[i], new DecayedValue(values[i], times[i]).toString());
        }
        return all;
    }
}

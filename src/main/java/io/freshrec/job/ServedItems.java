package io.freshrec.job;

import java.util.HashSet;
import org.apache.flink.api.common.accumulators.Accumulator;

/**
 * Accumulator of the distinct items in the top-10 lists serving scored events against (catalogue coverage of a
 * bounded replay; see {@code freshrec evaluate}). Holds one entry per distinct item, so it is only registered
 * when {@link FreshRecOptions#TRACK_SERVED_ITEMS} asks for it.
 */
public final class ServedItems implements Accumulator<Long, HashSet<Long>> {
    private static final long serialVersionUID = 1L;

    private HashSet<Long> items = new HashSet<>();

    @Override
    public void add(Long item) {
        items.add(item);
    }

    @Override
    public HashSet<Long> getLocalValue() {
        return items;
    }

    @Override
    public void resetLocal() {
        items = new HashSet<>();
    }

    @Override
    public void merge(Accumulator<Long, HashSet<Long>> other) {
        items.addAll(other.getLocalValue());
    }

    @Override
    public ServedItems clone() {
        ServedItems copy = new ServedItems();
        copy.items = new HashSet<>(items);
        return copy;
    }
}

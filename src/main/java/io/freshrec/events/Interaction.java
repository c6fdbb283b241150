package io.freshrec.events;

import java.util.Objects;

/**
 * One user-item interaction. A Flink POJO (public no-arg constructor, public fields) so that it
 * is serialized without Kryo and can evolve in savepoints.
 */
public class Interaction {
    public long userId;
    public long itemId;
    public EventType type;
    /** Rating value or other numeric payload; NaN when the event carries none. */
    public double value = Double.NaN;
    /** Event time, epoch milliseconds. */
    public long timestamp;
    /** Wall-clock time the job accepted the record (not on the wire); for freshness figures. */
    public long ingestedAt;

    public Interaction() {}

    public Interaction(long userId, long itemId, EventType type, double value, long timestamp) {
        this.userId = userId;
        this.itemId = itemId;
        this.type = type;
        this.value = value;
        this.timestamp = timestamp;
    }

    public boolean hasValue() {
        return !Double.isNaN(value);
    }

    @Override
    public boolean equals(Object o) {
        if (!(o instanceof Interaction)) {
            return false;
        }
        Interaction that = (Interaction) o;
        return userId == that.userId
                && itemId == that.itemId
                && Double.compare(value, that.value) == 0
                && timestamp == that.timestamp
                && type == that.type;
    }

    @Override
    public int hashCode() {
        return Objects.hash(userId, itemId, type, value, timestamp);
    }

    @Override
    public String toString() {
        return "Interaction{user=" + userId + ", item=" + itemId + ", type=" + type
                + (hasValue() ? ", value=" + value : "") + ", ts=" + timestamp + '}';
    }
}

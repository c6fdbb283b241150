package io.freshrec.model;

/**
 * Consecutive event-time windows of a fixed length, for monitors that close a window when the first event of a
 * later one arrives. Events of a window already closed count in the open one.
 */
final class EventTimeWindows {
    private final long windowMs;
    private long window = Long.MIN_VALUE;

    /** @param what the monitor's name, for the error on a window that is not positive */
    EventTimeWindows(long windowMs, String what) {
        if (windowMs <= 0) {
            throw new IllegalArgumentException("the " + what + " window must be positive, not " + windowMs + " ms");
        }
        this.windowMs = windowMs;
    }

    /** Places an event at {@code time}; true when it opened a later window than the current one (never for the first). */
    boolean advance(long time) {
        long index = Math.floorDiv(time, windowMs);
        if (window == Long.MIN_VALUE) {
            window = index;
            return false;
        }
        if (index > window) {
            window = index;
            return true;
        }
        return false;
    }
}

package io.freshrec.job;

/** Timer arithmetic shared by the functions. */
final class Timers {
    private Timers() {}

    /**
     * The expiry timer for activity at {@code lastEvent} with time-to-live {@code ttl}, rounded up
     * to a tenth of the ttl so that an active key holds about ten timers, not one per event.
     */
    static long expiryTimer(long lastEvent, long ttl) {
        long granularity = Math.max(1, ttl / 10);
        long due = saturatedAdd(lastEvent, ttl);
        return due == Long.MAX_VALUE - 1 ? due : roundUp(due, granularity);
    }

    static long roundUp(long time, long step) {
        long rounded = Math.floorDiv(time, step) * step;
        long next = rounded < time ? rounded + step : rounded;
        return next >= Long.MAX_VALUE - 1 ? Long.MAX_VALUE - 1 : next;
    }

    /** The smallest multiple of {@code step} strictly greater than {@code time}. */
    static long nextMultiple(long time, long step) {
        long next = Math.floorDiv(time, step) * step + step;
        return next >= Long.MAX_VALUE - 1 || next < time ? Long.MAX_VALUE - 1 : next;
    }

    static long saturatedAdd(long a, long b) {
        long sum = a + b;
        return ((a ^ sum) & (b ^ sum)) < 0 || sum >= Long.MAX_VALUE - 1 ? Long.MAX_VALUE - 1 : sum;
    }
}

package io.freshrec.model;

/**
 * The per-user rate limit, in event time: a token bucket of {@code limit} events, refilled at {@code limit} per
 * minute. A user may add a burst of up to {@code limit} events at once and {@code limit} a minute sustained; each event
 * beyond that is refused (the job makes it a dead letter {@code rate-limited}). Event time, not the wall clock, so a
 * replay or a restore decides exactly as the first run did. The allowance lives in the user's {@link UserHistory}.
 */
public final class UserRateLimit {
    private static final double MINUTE_MS = 60_000.0;

    private UserRateLimit() {}

    /**
     * Whether {@code history}'s user may add an event at {@code time}; takes one event off the allowance when so.
     *
     * @param limit events per minute; 0: no limit (always true, the history untouched)
     */
    public static boolean admit(UserHistory history, long time, int limit) {
        if (limit <= 0) {
            return true;
        }
        double allowance;
        if (history.rateTime == Long.MIN_VALUE) {
            allowance = limit;
        } else {
            // An event earlier than the last one (late) refills nothing.
            long elapsed = Math.max(0, time - history.rateTime);
            allowance = Math.min(limit, history.rateAllowance + elapsed * (limit / MINUTE_MS));
        }
        history.rateTime = Math.max(history.rateTime, time);
        boolean admitted = allowance >= 1.0;
        history.rateAllowance = admitted ? allowance - 1.0 : allowance;
        return admitted;
    }
}

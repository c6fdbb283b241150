package io.freshrec.redis;

/**
 * The version the sink writes each list with, and the order in which lists may replace one another in Redis: epoch
 * first, then sequence. The epoch is handed to each sink writer by Redis itself (INCR of {@link
 * RedisLayout#epochKey()}) when it first connects; the sequence counts the lists that writer received, in the order
 * it received them.
 *
 * <p>Why this and not a field of the list: a user's lists reach one sink subtask, in the order serving computed them
 * (the sink is chained to serving, keyed by user upstream), so within one writer the sequence is that order. After a
 * failure the job restarts from its last checkpoint and computes the lists after it again; the new writers start after
 * the failed ones and get higher epochs, so every list of the recovered job replaces any the failed run wrote after
 * the checkpoint, and a late write of the failed run can never replace a newer one. The lists' own fields are not an
 * order: a late event gives a list an older event time, a refresh takes its event time from the watermark (which a
 * restore resets), and the wall clock of a restored processing-time timer is older than the failed run's last lists
 * (ServedListOrderTest shows each).
 */
public record WriteVersion(long epoch, long seq) implements Comparable<WriteVersion> {
    public WriteVersion {
        if (epoch < 1 || seq < 0 || epoch > MAX || seq > MAX) {
            throw new IllegalArgumentException("write version out of range: " + epoch + "/" + seq);
        }
    }

    /** Largest epoch or sequence: Lua compares numbers as doubles, exact up to 2^53. */
    public static final long MAX = 1L << 53;

    @Override
    public int compareTo(WriteVersion other) {
        int byEpoch = Long.compare(epoch, other.epoch);
        return byEpoch != 0 ? byEpoch : Long.compare(seq, other.seq);
    }

    /** Whether a list of this version may replace one stored with {@code stored} (equal: an idempotent retry). */
    public boolean replaces(WriteVersion stored) {
        return stored == null || compareTo(stored) >= 0;
    }
}

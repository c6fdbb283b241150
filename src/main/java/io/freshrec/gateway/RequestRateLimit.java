package io.freshrec.gateway;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Requests a second per client: a token bucket per client that holds up to one second of requests (the burst) and
 * refills at the rate. A request over the limit is refused with the time until the next one would pass.
 */
final class RequestRateLimit {
    private final double perSecond;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();

    /** @param perSecond requests a second per client; 0 or less: no limit */
    RequestRateLimit(double perSecond) {
        this.perSecond = perSecond;
    }

    /** 0 when {@code client}'s request at {@code nanos} (a monotonic clock) passes, else the nanoseconds to wait. */
    long admit(String client, long nanos) {
        if (perSecond <= 0) {
            return 0;
        }
        return buckets.computeIfAbsent(client, c -> new Bucket(perSecond, nanos))
                .take(perSecond, nanos);
    }

    private static final class Bucket {
        private double tokens;
        private long at;

        Bucket(double capacity, long nanos) {
            this.tokens = capacity;
            this.at = nanos;
        }

        synchronized long take(double perSecond, long nanos) {
            if (nanos > at) {
                tokens = Math.min(perSecond, tokens + (nanos - at) / 1e9 * perSecond);
                at = nanos;
            }
            if (tokens >= 1) {
                tokens -= 1;
                return 0;
            }
            return Math.max(1, (long) Math.ceil((1 - tokens) / perSecond * TimeUnit.SECONDS.toNanos(1)));
        }
    }
}

package io.freshrec.redis;

import io.freshrec.ops.Secrets;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * FreshRec's Redis settings ({@code freshrec.redis.*} in config.yaml, {@code -D} or {@code run --redis URL}). Setting
 * the URL adds the Redis sink: every recomputed list is also written to Redis (docs/redis.md).
 */
public final class RedisOptions {
    private RedisOptions() {}

    public static final ConfigOption<String> URL = ConfigOptions.key("freshrec.redis.url")
            .stringType()
            .noDefaultValue()
            .withDescription("Redis to write every recomputed list to: redis://[user:password@]host[:port][/db] "
                    + "(rediss:// for TLS; a standalone server, not Redis Cluster). Unset: no Redis sink. Keep a "
                    + "password out of files and argument lists with a reference, e.g. ${env:REDIS_URL}, resolved "
                    + "where the job's graph is built.");
    public static final ConfigOption<String> KEY_PREFIX = ConfigOptions.key("freshrec.redis.key-prefix")
            .stringType()
            .defaultValue(RedisLayout.DEFAULT_PREFIX)
            .withDescription("Prefix of every key the sink writes: a user's list is the hash {prefix}recs:{user}, "
                    + "the writers' epoch counter {prefix}writer-epoch. One job per prefix.");
    public static final ConfigOption<Integer> BATCH_SIZE = ConfigOptions.key("freshrec.redis.batch-size")
            .intType()
            .defaultValue(500)
            .withDescription("Users each sink subtask buffers at most (newest list per user) before it writes them "
                    + "in one pipeline; while Redis cannot be reached a full buffer holds the job back "
                    + "(back-pressure) rather than dropping lists.");
    public static final ConfigOption<Duration> FLUSH_INTERVAL = ConfigOptions.key("freshrec.redis.flush-interval")
            .durationType()
            .defaultValue(Duration.ofMillis(100))
            .withDescription("A list waits in the buffer at most this long before it is written (and at every "
                    + "checkpoint, which waits for the write).");
    public static final ConfigOption<Duration> TTL = ConfigOptions.key("freshrec.redis.ttl")
            .durationType()
            .defaultValue(Duration.ZERO)
            .withDescription("Expiry of a user's key after its last write (wall clock); 0: none. Users the job "
                    + "forgets (freshrec.state.user-ttl, event time) are not deleted from Redis: a TTL about as long "
                    + "removes them there too.");

    public static boolean enabled(Configuration conf) {
        String url = conf.get(URL);
        return url != null && !url.isBlank();
    }

    /**
     * {@code url} with its {@code ${env:NAME}} references resolved, checked to be a Redis URL; a one-line
     * IllegalArgumentException naming {@code what} (the key, or the option it came from), without the password.
     */
    public static String checkUrl(String what, String url) {
        String resolved = Secrets.resolve(what, url.trim());
        RedisEndpoint.parse(what, resolved);
        return resolved;
    }

    /** The validated settings; a one-line IllegalArgumentException (never showing a password) when one is wrong. */
    public static RedisSettings settings(Configuration conf) {
        String url = conf.get(URL);
        if (url == null || url.isBlank()) {
            throw new IllegalArgumentException(URL.key() + " is not set");
        }
        String resolved = checkUrl(URL.key(), url);
        String prefix = conf.get(KEY_PREFIX);
        if (prefix.isEmpty()) {
            throw new IllegalArgumentException(KEY_PREFIX.key() + " must not be empty");
        }
        int batchSize = conf.get(BATCH_SIZE);
        if (batchSize < 1) {
            throw new IllegalArgumentException(BATCH_SIZE.key() + " must be at least 1");
        }
        Duration interval = conf.get(FLUSH_INTERVAL);
        if (interval.isNegative() || interval.isZero()) {
            throw new IllegalArgumentException(FLUSH_INTERVAL.key() + " must be positive");
        }
        Duration ttl = conf.get(TTL);
        if (ttl.isNegative()) {
            throw new IllegalArgumentException(TTL.key() + " must not be negative");
        }
        return new RedisSettings(resolved, prefix, batchSize, interval.toMillis(), ttl.toMillis());
    }
}

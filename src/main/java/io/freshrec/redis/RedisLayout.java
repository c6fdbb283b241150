package io.freshrec.redis;

import java.nio.charset.StandardCharsets;

/**
 * Where the sink puts things in Redis (docs/redis.md), shared by the writer, the reader and the tests:
 * <ul>
 *   <li>{@code <prefix>recs:<user>}: a hash per user with the fields {@value #LIST} (the list as JSON, {@link
 *       RecommendationJson}), {@value #EPOCH} and {@value #SEQ} (its {@link WriteVersion});</li>
 *   <li>{@code <prefix>writer-epoch}: an integer, the last epoch handed to a sink writer.</li>
 * </ul>
 */
public final class RedisLayout {
    public static final String DEFAULT_PREFIX = "freshrec:";
    /** Hash fields of a user's key. */
    public static final String LIST = "list";

    public static final String EPOCH = "epoch";
    public static final String SEQ = "seq";

    private final String prefix;

    public RedisLayout(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("empty key prefix");
        }
        this.prefix = prefix;
    }

    public String prefix() {
        return prefix;
    }

    /** The key of a user's list. */
    public String listKey(long user) {
        return prefix + "recs:" + user;
    }

    /** The pattern of every list key, for SCAN. */
    public String listKeyPattern() {
        return escapeGlob(prefix) + "recs:*";
    }

    /** The user of a list key, or null when {@code key} is not one. */
    public Long userOf(String key) {
        String head = prefix + "recs:";
        if (!key.startsWith(head)) {
            return null;
        }
        try {
            return Long.parseLong(key.substring(head.length()));
        } catch (NumberFormatException notAUser) {
            return null;
        }
    }

    /** The counter that hands each sink writer its epoch. */
    public String epochKey() {
        return prefix + "writer-epoch";
    }

    private static String escapeGlob(String text) {
        StringBuilder escaped = new StringBuilder();
        for (char c : text.toCharArray()) {
            if ("*?[]\\".indexOf(c) >= 0) {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /**
     * Writes one list unless the stored one is newer. KEYS: the list key, the epoch counter. ARGV: epoch, sequence,
     * JSON, TTL in ms (0: none). Returns 1 when written (also when the stored version is equal: a retried write is
     * idempotent), 0 when the stored version is newer. Versions compare as {@link WriteVersion#compareTo} does:
     * epoch first, then sequence. The counter is raised to the epoch written, so a writer started after a Redis that
     * lost the counter (no persistence) still gets a higher epoch than any list stored since.
     */
    public static final String WRITE_SCRIPT = """
            local epoch = tonumber(ARGV[1])
            local seq = tonumber(ARGV[2])
            local counter = tonumber(redis.call('GET', KEYS[2]) or '0')
            if epoch > counter then
              redis.call('SET', KEYS[2], ARGV[1])
            end
            local stored = redis.call('HMGET', KEYS[1], 'epoch', 'seq')
            if stored[1] and stored[2] then
              local storedEpoch = tonumber(stored[1])
              local storedSeq = tonumber(stored[2])
              if storedEpoch > epoch or (storedEpoch == epoch and storedSeq > seq) then
                return 0
              end
            end
            redis.call('HSET', KEYS[1], 'list', ARGV[3], 'epoch', ARGV[1], 'seq', ARGV[2])
            local ttl = tonumber(ARGV[4])
            if ttl > 0 then
              redis.call('PEXPIRE', KEYS[1], ttl)
            else
              redis.call('PERSIST', KEYS[1])
            end
            return 1
            """;

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }
}

package io.freshrec.redis;

import io.freshrec.model.Recommendations;
import io.freshrec.ops.Secrets;
import java.util.Optional;
import redis.clients.jedis.RedisClient;

/**
 * Reads the lists the Redis sink writes (docs/redis.md), e.g. for a gateway serving {@code --redis URL}: one pooled,
 * thread-safe client; share one instance and close it when done.
 *
 * <pre>{@code
 * try (RedisRecommendations redis = RedisRecommendations.open("redis://127.0.0.1:6379", "freshrec:")) {
 *     Optional<Recommendations> list = redis.recommendations(42);
 * }
 * }</pre>
 *
 * A Redis that cannot be reached or answers with an error throws Jedis's runtime exceptions
 * ({@code redis.clients.jedis.exceptions.JedisException}); a value that is not a list throws IllegalArgumentException.
 */
public final class RedisRecommendations implements AutoCloseable {
    private final RedisClient client;
    private final RedisLayout layout;
    private final String shownUrl;

    private RedisRecommendations(RedisClient client, RedisLayout layout, String shownUrl) {
        this.client = client;
        this.layout = layout;
        this.shownUrl = shownUrl;
    }

    /**
     * Connects lazily (the first lookup opens a connection) to {@code url}, redis://[user:password@]host[:port][/db]
     * ({@code ${env:NAME}} references resolved from this process's environment), reading the keys under {@code
     * keyPrefix} (the job's freshrec.redis.key-prefix, {@value RedisLayout#DEFAULT_PREFIX} by default). A one-line
     * IllegalArgumentException, without the password, when the URL is not a Redis URL.
     */
    public static RedisRecommendations open(String url, String keyPrefix) {
        String resolved = Secrets.resolve(RedisOptions.URL.key(), url);
        RedisEndpoint endpoint = RedisEndpoint.parse("Redis URL", resolved);
        return new RedisRecommendations(
                endpoint.pooled("freshrec-redis-reader"), new RedisLayout(keyPrefix), endpoint.toString());
    }

    /** As {@link #open(String, String)} with the default key prefix. */
    public static RedisRecommendations open(String url) {
        return open(url, RedisLayout.DEFAULT_PREFIX);
    }

    /** The user's newest list the job wrote, or empty when Redis has none (never served, or expired by a TTL). */
    public Optional<Recommendations> recommendations(long user) {
        String json = client.hget(layout.listKey(user), RedisLayout.LIST);
        return json == null ? Optional.empty() : Optional.of(RecommendationJson.read(json));
    }

    @Override
    public void close() {
        client.close();
    }

    /** The URL without its password. */
    @Override
    public String toString() {
        return "RedisRecommendations[" + shownUrl + ", " + layout.prefix() + "]";
    }
}

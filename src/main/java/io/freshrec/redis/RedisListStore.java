package io.freshrec.redis;

import io.freshrec.model.Recommendations;
import java.util.ArrayList;
import java.util.List;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;
import redis.clients.jedis.Response;

/**
 * Writes lists to Redis through one connection (not thread-safe): each batch is one pipeline of EVALSHA calls of
 * {@link RedisLayout#WRITE_SCRIPT}, which stores a list only when its {@link WriteVersion} is not older than the
 * stored one. The epoch is taken from Redis (INCR) on the first connection and kept for the store's life; a lost
 * connection is opened again (and the script loaded again) on the next attempt. Plain Java, no Flink: the sink's
 * writer adds the buffer, the metrics and the timer.
 */
public final class RedisListStore implements AutoCloseable {
    /** A list to write with its version's sequence (the epoch is the store's). */
    public record Entry(long user, long seq, String json) {
        public static Entry of(Recommendations list, long seq) {
            return new Entry(list.userId, seq, RecommendationJson.write(list));
        }
    }

    /** What happens while a batch is retried, for metrics and warnings. */
    public interface Listener {
        /** Attempt {@code attempt} (1 = the first) failed with {@code cause}; the next comes after {@code backoffMs}. */
        void failed(int attempt, long backoffMs, RuntimeException cause);

        /** The batch was written after {@code failedAttempts} failed attempts (called only when there were some). */
        default void recovered(int failedAttempts) {}
    }

    /** How many of a batch were stored and how many were skipped because Redis held a newer version. */
    public record Outcome(int written, int skippedAsOlder) {}

    static final long FIRST_BACKOFF_MS = 50;
    static final long MAX_BACKOFF_MS = 5_000;

    private final RedisEndpoint endpoint;
    private final RedisLayout layout;
    private final String ttl;
    private final String clientName;
    private Jedis jedis;
    private String sha;
    private long epoch;

    public RedisListStore(RedisEndpoint endpoint, RedisLayout layout, long ttlMs, String clientName) {
        if (ttlMs < 0) {
            throw new IllegalArgumentException("negative TTL");
        }
        this.endpoint = endpoint;
        this.layout = layout;
        this.ttl = Long.toString(ttlMs);
        this.clientName = clientName;
    }

    /** Where it writes, without the password. */
    public RedisEndpoint endpoint() {
        return endpoint;
    }

    /** This store's epoch; 0 until it first connected. */
    public long epoch() {
        return epoch;
    }

    /** Connects (once per lost connection), loads the script and, the first time, takes an epoch. */
    public void connect() {
        if (jedis != null) {
            return;
        }
        Jedis connection = endpoint.connect(clientName);
        try {
            sha = connection.scriptLoad(RedisLayout.WRITE_SCRIPT);
            if (epoch == 0) {
                epoch = connection.incr(layout.epochKey());
                if (epoch > WriteVersion.MAX) {
                    throw new IllegalStateException(layout.epochKey() + " is beyond 2^53");
                }
            }
            jedis = connection;
        } catch (RuntimeException e) {
            connection.close();
            throw e;
        }
    }

    /**
     * One attempt to write {@code batch} in one pipeline. On any failure (connection lost or refused, a timeout, an
     * error reply) the connection is dropped and the exception thrown; the batch may then be partly written, and
     * writing it again is harmless (equal versions are written again with the same content).
     */
    public Outcome writeOnce(List<Entry> batch) {
        connect();
        try {
            List<Response<Object>> replies = new ArrayList<>(batch.size());
            Pipeline pipeline = jedis.pipelined();
            List<String> keys = new ArrayList<>(2);
            for (Entry entry : batch) {
                keys.clear();
                keys.add(layout.listKey(entry.user()));
                keys.add(layout.epochKey());
                replies.add(pipeline.evalsha(
                        sha, keys, List.of(Long.toString(epoch), Long.toString(entry.seq()), entry.json(), ttl)));
            }
            pipeline.sync();
            int written = 0;
            for (Response<Object> reply : replies) {
                if (Long.valueOf(1L).equals(reply.get())) {
                    written++;
                }
            }
            return new Outcome(written, batch.size() - written);
        } catch (RuntimeException e) {
            disconnect();
            throw e;
        }
    }

    /**
     * Writes {@code batch}, retrying with a doubling backoff (50 ms to 5 s) until it is written: it never gives up and
     * never drops a list, so a caller that holds its input meanwhile back-pressures its producer. Interrupted (a
     * cancelled task): InterruptedException, the batch not (or partly) written.
     */
    public Outcome write(List<Entry> batch, Listener listener) throws InterruptedException {
        if (batch.isEmpty()) {
            return new Outcome(0, 0);
        }
        long backoff = FIRST_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            if (Thread.interrupted()) {
                throw new InterruptedException("interrupted while writing to Redis " + endpoint);
            }
            try {
                Outcome outcome = writeOnce(batch);
                if (attempt > 1) {
                    listener.recovered(attempt - 1);
                }
                return outcome;
            } catch (RuntimeException failed) {
                listener.failed(attempt, backoff, failed);
                Thread.sleep(backoff);
                backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
            }
        }
    }

    private void disconnect() {
        Jedis connection = jedis;
        jedis = null;
        if (connection != null) {
            try {
                connection.close();
            } catch (RuntimeException ignored) {
                // already broken
            }
        }
    }

    @Override
    public void close() {
        disconnect();
    }

    /** The endpoint without its password. */
    @Override
    public String toString() {
        return "RedisListStore[" + endpoint + ", " + layout.prefix() + "]";
    }
}

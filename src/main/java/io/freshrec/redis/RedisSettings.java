package io.freshrec.redis;

import java.io.Serializable;

/**
 * The Redis sink's validated settings (from {@link RedisOptions#settings}), as the job carries them to its
 * TaskManagers. {@code ${env:NAME}} references in the URL are resolved where the job's graph is built (like the Kafka
 * client properties): the secret they name is in no file, argument list or log, and {@link #toString} hides it.
 *
 * @param url redis://[user:password@]host[:port][/db], rediss:// for TLS
 * @param keyPrefix prefix of every key ({@link RedisLayout})
 * @param batchSize users buffered per sink subtask at most
 * @param flushIntervalMs the longest a list waits in the buffer
 * @param ttlMs expiry of a user's key after its last write; 0: none
 */
public record RedisSettings(String url, String keyPrefix, int batchSize, long flushIntervalMs, long ttlMs)
        implements Serializable {
    /** The URL as it may be logged or printed: without its password. */
    public String shownUrl() {
        return RedisEndpoint.shown(url);
    }

    @Override
    public String toString() {
        return "RedisSettings[url=" + shownUrl() + ", keyPrefix=" + keyPrefix + ", batchSize=" + batchSize
                + ", flushIntervalMs=" + flushIntervalMs + ", ttlMs=" + ttlMs + "]";
    }
}

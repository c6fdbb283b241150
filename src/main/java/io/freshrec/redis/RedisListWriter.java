package io.freshrec.redis;

import io.freshrec.job.MetricNames;
import io.freshrec.model.Recommendations;
import io.freshrec.ops.Secrets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.operators.ProcessingTimeService;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.groups.SinkWriterMetricGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis sink's writer: a bounded buffer of the newest list per user, written through a {@link RedisListStore}
 * when full, on a timer and at {@link #flush}. A write that fails is retried in this thread until it succeeds, holding
 * the buffer: the task stops taking input meanwhile, which back-pressures the job instead of dropping lists. Failures
 * are counted ({@value MetricNames#REDIS_WRITE_RETRIES}) and reported on the log and standard error (like the job's
 * alerts) when they start, every {@link #WARN_EVERY_MS} while they last and when they end; never with the password.
 */
final class RedisListWriter implements SinkWriter<Recommendations> {
    private static final Logger LOG = LoggerFactory.getLogger(RedisListWriter.class);
    static final long WARN_EVERY_MS = 30_000;

    /** A buffered list and its place in the order this writer received lists. */
    private record Pending(long seq, Recommendations list) {}

    private final RedisSettings settings;
    private final RedisListStore store;
    private final ProcessingTimeService time;
    private final int subtask;
    private final Map<Long, Pending> buffer = new LinkedHashMap<>();
    private final Counter written;
    private final Counter skipped;
    private final Counter superseded;
    private final Counter retries;
    private final Counter sent;
    private long seq;
    private boolean timerSet;
    private long failingSince = -1;
    private long warnedAt;

    RedisListWriter(RedisSettings settings, SinkWriterMetricGroup metrics, ProcessingTimeService time, int subtask) {
        this.settings = settings;
        this.time = time;
        this.subtask = subtask;
        this.store = new RedisListStore(
                RedisEndpoint.parse(RedisOptions.URL.key(), settings.url()),
                new RedisLayout(settings.keyPrefix()),
                settings.ttlMs(),
                "freshrec-redis-sink-" + subtask);
        written = metrics.counter(MetricNames.REDIS_LISTS_WRITTEN);
        skipped = metrics.counter(MetricNames.REDIS_WRITES_SKIPPED_AS_OLDER);
        superseded = metrics.counter(MetricNames.REDIS_LISTS_SUPERSEDED);
        retries = metrics.counter(MetricNames.REDIS_WRITE_RETRIES);
        sent = metrics.getNumRecordsSendCounter();
        metrics.gauge(MetricNames.REDIS_BUFFERED_LISTS, buffer::size);
    }

    @Override
    public void write(Recommendations list, Context context) throws InterruptedException {
        if (buffer.put(list.userId, new Pending(++seq, list)) != null) {
            superseded.inc();
        }
        if (buffer.size() >= settings.batchSize()) {
            writeBuffer();
        } else if (!timerSet) {
            timerSet = true;
            time.registerTimer(time.getCurrentProcessingTime() + settings.flushIntervalMs(), now -> {
                timerSet = false;
                writeBuffer();
            });
        }
    }

    /** Before every checkpoint and at the end of the input: everything received so far is in Redis on return. */
    @Override
    public void flush(boolean endOfInput) throws InterruptedException {
        writeBuffer();
    }

    private void writeBuffer() throws InterruptedException {
        if (buffer.isEmpty()) {
            return;
        }
        List<RedisListStore.Entry> batch = new ArrayList<>(buffer.size());
        for (Pending pending : buffer.values()) {
            batch.add(RedisListStore.Entry.of(pending.list(), pending.seq()));
        }
        RedisListStore.Outcome outcome = store.write(batch, new RedisListStore.Listener() {
            @Override
            public void failed(int attempt, long backoffMs, RuntimeException cause) {
                retries.inc();
                long now = System.currentTimeMillis();
                if (failingSince < 0) {
                    failingSince = now;
                    warn(String.format(
                            "cannot write to %s (%s); retrying, holding %d lists (the job waits meanwhile)",
                            store.endpoint(), message(cause), buffer.size()));
                } else if (now - warnedAt >= WARN_EVERY_MS) {
                    warn(String.format(
                            "still cannot write to %s after %d s and %d attempts (%s); holding %d lists",
                            store.endpoint(), (now - failingSince) / 1000, attempt, message(cause), buffer.size()));
                }
            }

            @Override
            public void recovered(int failedAttempts) {
                warn(String.format(
                        "writing to %s again after %d s and %d failed attempts; nothing was dropped",
                        store.endpoint(), (System.currentTimeMillis() - failingSince) / 1000, failedAttempts));
                failingSince = -1;
            }
        });
        written.inc(outcome.written());
        sent.inc(outcome.written());
        skipped.inc(outcome.skippedAsOlder());
        buffer.clear();
    }

    private void warn(String text) {
        warnedAt = System.currentTimeMillis();
        String line = "freshrec redis sink (subtask " + subtask + "): " + text;
        LOG.warn(line);
        System.err.println(line);
    }

    private static String message(RuntimeException cause) {
        String text =
                cause.getMessage() == null ? "" : ": " + cause.getMessage().split("\n", 2)[0];
        return Secrets.withoutUrlPasswords(cause.getClass().getSimpleName() + text);
    }

    /** Closes the connection. Whatever is still buffered is not written: the job restarts from a checkpoint before it. */
    @Override
    public void close() {
        store.close();
    }
}

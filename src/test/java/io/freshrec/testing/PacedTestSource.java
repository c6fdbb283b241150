package io.freshrec.testing;

import io.freshrec.events.InputFormat;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.InteractionWatermarks;
import io.freshrec.sources.SequenceSource;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A source for tests that survive failures: records {@code 0 .. count-1} of a fixed input, one reader whose only
 * checkpointed state is the index of the next record ({@link SequenceSource}), paced at a fixed rate so that faults
 * land mid-stream, with the job's bounded-out-of-orderness watermarks generated from the records themselves (never
 * idle: a pause, a restart or a slow consumer never moves event time). After the last record it sends the watermark
 * {@code endWatermark} and stays open, so the job ends exactly as a live job that has read these records.
 * (Unlike {@link ParallelTestSource}, whose readers count what they emitted in memory, a restore resumes exactly.)
 */
public final class PacedTestSource {
    public static final String NAME = "source-test";

    private PacedTestSource() {}

    public static InteractionSource of(
            List<String> records, double ratePerSecond, long endWatermark, Duration outOfOrderness) {
        return of(new RecordList(records), records.size(), ratePerSecond, endWatermark, outOfOrderness, null);
    }

    /** As {@link #of(List, double, long, Duration)}, stopping at a {@link Hold} until the test releases it. */
    public static InteractionSource of(
            List<String> records, double ratePerSecond, long endWatermark, Duration outOfOrderness, Hold hold) {
        return of(new RecordList(records), records.size(), ratePerSecond, endWatermark, outOfOrderness, hold);
    }

    /** As {@link #of(List, double, long, Duration, Hold)} with records made on demand (e.g. multi-MB ones). */
    public static InteractionSource of(
            GeneratorFunction<Long, String> records,
            long count,
            double ratePerSecond,
            long endWatermark,
            Duration outOfOrderness,
            Hold hold) {
        RateLimiterStrategy paced =
                ratePerSecond > 0 ? RateLimiterStrategy.perSecond(ratePerSecond) : RateLimiterStrategy.noOp();
        RateLimiterStrategy rate =
                hold == null ? paced : parallelism -> new Holding(paced.createRateLimiter(parallelism), hold);
        return new InteractionSource(
                new SequenceSource<>(records, count, rate, true, endWatermark, Types.STRING),
                NAME,
                1,
                InputFormat.JSON_LINES,
                InteractionWatermarks.forRawRecords(
                        InputFormat.JSON_LINES, outOfOrderness, InteractionWatermarks.NEVER_IDLE));
    }

    /**
     * A point where the source stops: after {@code after} records read by this job (counted from where it started or
     * was restored), until {@link #release} is called with the same name, in this JVM. While it waits the job idles
     * with its mailbox free: checkpoints and savepoints complete, so a test can place a fault exactly mid-stream.
     */
    public record Hold(String name, long after) implements Serializable {
        private static final Map<String, CompletableFuture<Void>> RELEASED = new ConcurrentHashMap<>();
        private static final Map<String, Boolean> REACHED = new ConcurrentHashMap<>();

        private static CompletableFuture<Void> released(String name) {
            return RELEASED.computeIfAbsent(name, n -> new CompletableFuture<>());
        }

        /** Lets the source read on, now and in every later job using this hold. */
        public static void release(String name) {
            released(name).complete(null);
        }

        /** Waits until the source has stopped at the hold (fails after {@code timeout}). */
        public static void awaitReached(String name, Duration timeout) throws InterruptedException {
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!REACHED.containsKey(name)) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the source did not reach hold " + name + " in " + timeout);
                }
                Thread.sleep(50);
            }
        }
    }

    private static final class Holding implements RateLimiter {
        private final RateLimiter paced;
        private final Hold hold;
        private long granted;

        Holding(RateLimiter paced, Hold hold) {
            this.paced = paced;
            this.hold = hold;
        }

        @Override
        public CompletionStage<Void> acquire() {
            if (granted++ == hold.after()) {
                CompletableFuture<Void> released = Hold.released(hold.name());
                if (!released.isDone()) {
                    Hold.REACHED.put(hold.name(), Boolean.TRUE);
                    return released.thenCompose(ignored -> paced.acquire());
                }
            }
            return paced.acquire();
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            paced.notifyCheckpointComplete(checkpointId);
        }
    }

    /** A fixed list of records as a generator function (record n = the n-th element). */
    public static GeneratorFunction<Long, String> records(List<String> records) {
        return new RecordList(records);
    }

    private static final class RecordList implements GeneratorFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final ArrayList<String> records;

        RecordList(List<String> records) {
            this.records = new ArrayList<>(records);
        }

        @Override
        public String map(Long index) {
            return records.get((int) (long) index);
        }
    }
}

package io.freshrec.testing;

import io.freshrec.events.InputFormat;
import io.freshrec.sources.InteractionSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * A source of two parallel readers for tests: reader r emits records r, r+2, r+4, ... of a fixed
 * list in order, then stays idle without finishing (the job keeps running, so its queryable state
 * can be looked up, and the mailbox keeps running, so watermarks and checkpoints go on).
 */
public final class ParallelTestSource {
    public static final int PARALLELISM = 2;

    private ParallelTestSource() {}

    public static InteractionSource of(List<String> records) {
        return of(records, PARALLELISM);
    }

    public static InteractionSource of(List<String> records, int parallelism) {
        return of(records, parallelism, 0);
    }

    /**
     * @param recordsPerSecond per reader, 0 for as fast as possible: a paced source keeps each watermark step short
     *     in event time, as in a live stream
     */
    public static InteractionSource of(List<String> records, int parallelism, int recordsPerSecond) {
        if (records.size() % parallelism != 0) {
            throw new IllegalArgumentException("pad the records to a multiple of " + parallelism);
        }
        ArrayList<String> copy = new ArrayList<>(records);
        long share = records.size() / parallelism;
        DataGeneratorSource<String> source = new DataGeneratorSource<>(
                new Interleaved(copy, parallelism),
                Long.MAX_VALUE,
                new StopAfter(share, recordsPerSecond),
                Types.STRING);
        return new InteractionSource(source, "source-test", parallelism, InputFormat.JSON_LINES);
    }

    private static final class Interleaved implements GeneratorFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        private final ArrayList<String> records;
        private final int parallelism;
        private transient int reader;
        private transient int emitted;

        Interleaved(ArrayList<String> records, int parallelism) {
            this.records = records;
            this.parallelism = parallelism;
        }

        @Override
        public void open(SourceReaderContext readerContext) {
            reader = readerContext.getIndexOfSubtask();
            emitted = 0;
        }

        @Override
        public String map(Long ignoredIndex) {
            return records.get(reader + parallelism * emitted++);
        }
    }

    /** Grants {@code share} records per reader, then never again. */
    private static final class StopAfter implements RateLimiterStrategy {
        private static final long serialVersionUID = 1L;
        private final long share;
        private final int perSecond;

        StopAfter(long share, int perSecond) {
            this.share = share;
            this.perSecond = perSecond;
        }

        @Override
        public RateLimiter createRateLimiter(int parallelism) {
            return new RateLimiter() {
                private long granted;

                @Override
                public CompletionStage<Void> acquire() {
                    if (granted++ >= share) {
                        return new CompletableFuture<>();
                    }
                    return perSecond <= 0
                            ? CompletableFuture.completedFuture(null)
                            : CompletableFuture.runAsync(
                                    () -> {},
                                    CompletableFuture.delayedExecutor(1_000_000 / perSecond, TimeUnit.MICROSECONDS));
                }

                @Override
                public void notifyCheckpointComplete(long checkpointId) {}
            };
        }
    }
}

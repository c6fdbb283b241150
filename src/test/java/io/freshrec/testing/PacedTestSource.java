package io.freshrec.testing;

import io.freshrec.events.InputFormat;
import io.freshrec.job.InteractionWatermarks;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SequenceSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.Types;
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

    public static InteractionSource of(List<String> records, double ratePerSecond, long endWatermark, Duration outOfOrderness) {
        return of(new RecordList(records), records.size(), ratePerSecond, endWatermark, outOfOrderness);
    }

    /** As {@link #of(List, double, long, Duration)} with records made on demand (e.g. multi-MB ones). */
    public static InteractionSource of(GeneratorFunction<Long, String> records, long count, double ratePerSecond,
            long endWatermark, Duration outOfOrderness) {
        RateLimiterStrategy rate = ratePerSecond > 0 ? RateLimiterStrategy.perSecond(ratePerSecond) : RateLimiterStrategy.noOp();
        return new InteractionSource(new SequenceSource<>(records, count, rate, true, endWatermark, Types.STRING), NAME, 1,
                InputFormat.JSON_LINES, InteractionWatermarks.forRawRecords(InputFormat.JSON_LINES, outOfOrderness,
                        InteractionWatermarks.NEVER_IDLE));
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

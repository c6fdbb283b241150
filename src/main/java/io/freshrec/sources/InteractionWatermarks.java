package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.SerializableTimestampAssigner;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;

/**
 * Bounded out-of-orderness watermarks that keep moving when the stream pauses: after {@code
 * idleAfter} without events, event time is assumed to pass at wall-clock pace, so pending model
 * versions are published and waiting interactions served even when traffic stops. A split that has
 * never seen an event is marked idle after the same time, so it does not hold the others back.
 * Records stamped {@link #NO_TIMESTAMP} (unparseable ones, on their way to the dead letters) are ignored.
 */
public final class InteractionWatermarks<T> implements WatermarkGenerator<T> {
    /** A timestamp assigner's answer for a record without a usable event time: ignored here. */
    public static final long NO_TIMESTAMP = Long.MIN_VALUE;

    private final long outOfOrdernessMs;
    private final long idleAfterMs;
    private long maxTimestamp = Long.MIN_VALUE;
    private long lastEventWall;
    private final long createdWall;
    private long lastEmitted = Long.MIN_VALUE;

    /** An idleness that never comes: event time moves only with the events. */
    public static final Duration NEVER_IDLE = Duration.ofMillis(Long.MAX_VALUE);

    /**
     * These watermarks generated at a source of raw records (per split, e.g. per Kafka partition),
     * timestamped by parsing each record: records the parser rejects do not move them.
     */
    public static WatermarkStrategy<String> forRawRecords(
            InputFormat format, Duration outOfOrderness, Duration idleness) {
        return forRawRecords(new InteractionParser(format), outOfOrderness, idleness);
    }

    /**
     * As {@link #forRawRecords(InputFormat, Duration, Duration)}, timestamped by {@code parser} (the job's, with its
     * event-time bounds): a record it rejects, too old or too far ahead, does not move event time.
     */
    public static WatermarkStrategy<String> forRawRecords(
            InteractionParser parser, Duration outOfOrderness, Duration idleness) {
        return WatermarkStrategy.<String>forGenerator(context -> new InteractionWatermarks<>(outOfOrderness, idleness))
                .withTimestampAssigner(new RawTimestamps(parser));
    }

    public InteractionWatermarks(Duration outOfOrderness, Duration idleAfter) {
        this.outOfOrdernessMs = outOfOrderness.toMillis();
        this.idleAfterMs = idleAfter.toMillis();
        this.createdWall = System.currentTimeMillis();
    }

    @Override
    public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
        if (eventTimestamp == NO_TIMESTAMP) {
            return;
        }
        if (eventTimestamp > maxTimestamp) {
            maxTimestamp = eventTimestamp;
        }
        lastEventWall = System.currentTimeMillis();
    }

    @Override
    public void onPeriodicEmit(WatermarkOutput output) {
        long now = System.currentTimeMillis();
        if (maxTimestamp == Long.MIN_VALUE) {
            if (now - createdWall >= idleAfterMs) {
                output.markIdle();
            }
            return;
        }
        long watermark = maxTimestamp - outOfOrdernessMs - 1;
        long idle = now - lastEventWall;
        if (idle > idleAfterMs) {
            watermark += idle - idleAfterMs;
        }
        if (watermark > lastEmitted) {
            lastEmitted = watermark;
            output.emitWatermark(new Watermark(watermark));
        }
    }

    /**
     * The event time of a raw record, validated exactly as the parser will (so a hostile far-future
     * timestamp cannot push the watermark past every valid event).
     */
    public static final class RawTimestamps implements SerializableTimestampAssigner<String> {
        private static final long serialVersionUID = 1L;
        private final InteractionParser parser;

        public RawTimestamps(InputFormat format) {
            this(new InteractionParser(format));
        }

        public RawTimestamps(InteractionParser parser) {
            this.parser = parser;
        }

        @Override
        public long extractTimestamp(String raw, long recordTimestamp) {
            ParseResult result = parser.parse(raw, System.currentTimeMillis());
            return result.isValid() ? result.interaction().timestamp : NO_TIMESTAMP;
        }
    }
}

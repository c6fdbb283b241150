package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Where raw interaction records come from, as the job sees it: a Flink {@link Source} of strings,
 * its stable operator name (= uid), its parallelism, and the record format the job parses. The job
 * parses inside a process function, so a bad record becomes a dead letter rather than a poison pill.
 */
public final class InteractionSource {
    public static final String GENERATOR = "source-generator";
    public static final String REPLAY = "source-replay";
    /** Only in the bootstrap's job; its state is removed from the bootstrap savepoint. */
    public static final String BOOTSTRAP = "source-bootstrap";

    private final Source<String, ?, ?> source;
    private final String name;
    private final int parallelism;
    private final InputFormat format;
    private final WatermarkStrategy<String> watermarks;
    private final boolean live;

    public InteractionSource(Source<String, ?, ?> source, String name, int parallelism, InputFormat format) {
        this(source, name, parallelism, format, null);
    }

    /**
     * @param parallelism readers; 0 = the job's default parallelism
     * @param watermarks event-time watermarks generated inside the source, per split (e.g. per Kafka
     *     partition), or null to let the job assign them after parsing
     */
    public InteractionSource(
            Source<String, ?, ?> source,
            String name,
            int parallelism,
            InputFormat format,
            WatermarkStrategy<String> watermarks) {
        this(source, name, parallelism, format, watermarks, false);
    }

    private InteractionSource(
            Source<String, ?, ?> source,
            String name,
            int parallelism,
            InputFormat format,
            WatermarkStrategy<String> watermarks,
            boolean live) {
        this.source = source;
        this.name = name;
        this.parallelism = parallelism;
        this.format = format;
        this.watermarks = watermarks;
        this.live = live;
    }

    /**
     * This source as a live stream (Kafka, the wall-clock generator): its events are stamped about when they happen,
     * so the job bounds how far behind the clock one may be ({@code freshrec.watermark.max-lag}). Replays are not live.
     */
    public InteractionSource live() {
        return new InteractionSource(source, name, parallelism, format, watermarks, true);
    }

    /** Whether {@link #live()}. */
    public boolean isLive() {
        return live;
    }

    /**
     * The synthetic stream, {@code count} records (Long.MAX_VALUE: endless) at {@code ratePerSecond}
     * (0: as fast as possible). One reader, so event time is in order at the source. With {@code
     * wallClock} events are stamped with the time they are generated (a live stream); otherwise with
     * the generator's synthetic clock, so the whole stream is a function of the seed.
     */
    public static InteractionSource generator(
            SyntheticInteractions world, long count, double ratePerSecond, boolean wallClock) {
        return generator(world, count, ratePerSecond, wallClock, false);
    }

    /**
     * As {@link #generator(SyntheticInteractions, long, double, boolean)}; with {@code keepRunning} a finite
     * stream stays open after its last record (see {@link SequenceSource}).
     */
    public static InteractionSource generator(
            SyntheticInteractions world, long count, double ratePerSecond, boolean wallClock, boolean keepRunning) {
        RateLimiterStrategy rate =
                ratePerSecond > 0 ? RateLimiterStrategy.perSecond(ratePerSecond) : RateLimiterStrategy.noOp();
        GeneratorFunction<Long, String> lines =
                wallClock ? index -> world.lineAt(index, System.currentTimeMillis()) : world::lineAt;
        InteractionSource generator = new InteractionSource(
                new SequenceSource<>(lines, count, rate, keepRunning, Types.STRING),
                GENERATOR,
                1,
                InputFormat.JSON_LINES);
        return wallClock ? generator.live() : generator;
    }

    /**
     * Replays {@code file} in event-time order: as fast as possible ({@code speedup <= 0}) or paced at
     * {@code speedup} times real time, with idle gaps capped at {@link ReplayFunction#MAX_PAUSE_MS}.
     */
    public static InteractionSource replay(Path file, InputFormat format, double speedup) {
        return replay(file, format, speedup, false);
    }

    /** As {@link #replay(Path, InputFormat, double)}; with {@code keepRunning} the job stays up after the last record. */
    public static InteractionSource replay(Path file, InputFormat format, double speedup, boolean keepRunning) {
        long count = FileReplay.count(file, format);
        ReplayFunction lines = new ReplayFunction(file.toAbsolutePath().toString(), format, speedup);
        return new InteractionSource(
                new SequenceSource<>(lines, count, RateLimiterStrategy.noOp(), keepRunning, Types.STRING),
                REPLAY,
                1,
                format);
    }

    /**
     * A history file for {@code bootstrap}: {@link #replayTo} under the name {@link #BOOTSTRAP}, whose state the
     * bootstrap savepoint leaves out.
     */
    public static InteractionSource bootstrap(
            Path file, InputFormat format, long endWatermark, Duration outOfOrderness) {
        return replayTo(file, format, endWatermark, outOfOrderness, BOOTSTRAP);
    }

    /**
     * Replays {@code file} as fast as possible, in event-time order, with the job's bounded out-of-orderness
     * watermarks generated at the source (never idle: event time moves only with the records), and after the
     * last record the watermark {@code endWatermark} instead of the end of time (for a bootstrap, the file's last
     * valid event time). The source then idles and the job stays up: every operator applies every record up to
     * {@code endWatermark}, and timers after it (expiry, the end of a bounded input, model versions still open)
     * stay pending, as in a live job that has read the same records.
     */
    public static InteractionSource replayTo(
            Path file, InputFormat format, long endWatermark, Duration outOfOrderness, String name) {
        long count = FileReplay.count(file, format);
        ReplayFunction lines = new ReplayFunction(file.toAbsolutePath().toString(), format, 0);
        return new InteractionSource(
                new SequenceSource<>(lines, count, RateLimiterStrategy.noOp(), true, endWatermark, Types.STRING),
                name,
                1,
                format,
                InteractionWatermarks.forRawRecords(format, outOfOrderness, InteractionWatermarks.NEVER_IDLE));
    }

    public Source<String, ?, ?> source() {
        return source;
    }

    public String name() {
        return name;
    }

    public int parallelism() {
        return parallelism;
    }

    public InputFormat format() {
        return format;
    }

    /** Per-split watermarks generated by the source itself; null when the job assigns them after parsing. */
    public WatermarkStrategy<String> sourceWatermarks() {
        return watermarks;
    }

    /** Emits the sorted records of a file, optionally paced by their event times. */
    static final class ReplayFunction implements GeneratorFunction<Long, String> {
        private static final long serialVersionUID = 1L;
        /** Longest wall-clock pause between two paced records; longer gaps are shortened. */
        static final long MAX_PAUSE_MS = 1000;

        private final String path;
        private final InputFormat format;
        private final double speedup;
        private transient FileReplay replay;
        private transient long wallStart;
        private transient long eventStart;
        private transient long shortened;

        ReplayFunction(String path, InputFormat format, double speedup) {
            this.path = path;
            this.format = format;
            this.speedup = speedup;
        }

        @Override
        public void open(SourceReaderContext readerContext) {
            replay = FileReplay.load(Path.of(path), format);
            eventStart = Long.MIN_VALUE;
        }

        @Override
        public void close() throws Exception {
            if (replay != null) {
                replay.close();
            }
        }

        @Override
        public String map(Long index) throws InterruptedException {
            int i = (int) (long) index;
            if (speedup > 0) {
                pace(replay.timestamp(i));
            }
            return replay.line(i);
        }

        private void pace(long eventTime) throws InterruptedException {
            if (eventTime == Long.MAX_VALUE) {
                return;
            }
            if (eventStart == Long.MIN_VALUE) {
                eventStart = eventTime;
                wallStart = System.currentTimeMillis();
                shortened = 0;
            }
            long due = wallStart + (long) ((eventTime - eventStart) / speedup) - shortened;
            long wait = due - System.currentTimeMillis();
            if (wait > MAX_PAUSE_MS) {
                shortened += wait - MAX_PAUSE_MS;
                wait = MAX_PAUSE_MS;
            }
            if (wait > 0) {
                Thread.sleep(wait);
            }
        }
    }
}

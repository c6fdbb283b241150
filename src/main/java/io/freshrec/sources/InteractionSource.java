package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import java.nio.file.Path;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * Where raw interaction records come from, as the job sees it: a Flink {@link Source} of strings,
 * its stable operator name (= uid), its parallelism, and the record format the job parses. The job
 * parses inside a process function, so a bad record becomes a dead letter rather than a poison pill.
 */
public final class InteractionSource {
    public static final String GENERATOR = "source-generator";
    public static final String REPLAY = "source-replay";

    private final Source<String, ?, ?> source;
    private final String name;
    private final int parallelism;
    private final InputFormat format;

    public InteractionSource(Source<String, ?, ?> source, String name, int parallelism, InputFormat format) {
        this.source = source;
        this.name = name;
        this.parallelism = parallelism;
        this.format = format;
    }

    /**
     * The synthetic stream, {@code count} records (Long.MAX_VALUE: endless) at {@code ratePerSecond}
     * (0: as fast as possible). One reader, so event time is in order at the source. With {@code
     * wallClock} events are stamped with the time they are generated (a live stream); otherwise with
     * the generator's synthetic clock, so the whole stream is a function of the seed.
     */
    public static InteractionSource generator(SyntheticInteractions world, long count, double ratePerSecond,
            boolean wallClock) {
        RateLimiterStrategy rate = ratePerSecond > 0 ? RateLimiterStrategy.perSecond(ratePerSecond) : RateLimiterStrategy.noOp();
        GeneratorFunction<Long, String> lines = wallClock
                ? index -> world.lineAt(index, System.currentTimeMillis())
                : world::lineAt;
        return new InteractionSource(new DataGeneratorSource<>(lines, count, rate, Types.STRING), GENERATOR, 1,
                InputFormat.JSON_LINES);
    }

    /**
     * Replays {@code file} in event-time order: as fast as possible ({@code speedup <= 0}) or paced at
     * {@code speedup} times real time, with idle gaps capped at {@link ReplayFunction#MAX_PAUSE_MS}.
     */
    public static InteractionSource replay(Path file, InputFormat format, double speedup) {
        long count = FileReplay.count(file, format);
        ReplayFunction lines = new ReplayFunction(file.toAbsolutePath().toString(), format, speedup);
        return new InteractionSource(new DataGeneratorSource<>(lines, count, RateLimiterStrategy.noOp(), Types.STRING),
                REPLAY, 1, format);
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

package io.freshrec.sources;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SourceSplit;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiter;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Records {@code 0 .. count-1} of a {@link GeneratorFunction} (the generator, a file replay), read by one
 * reader whose checkpointed state is just the index of the next record.
 *
 * <p>Why not Flink's DataGeneratorSource: its checkpointed split carries the end index, so a job restored
 * from a savepoint could never read further than the job that took it; here the count is a property of the
 * job (its {@code --events}), and only the position is state. A job from a savepoint taken after 5,000 of
 * 5,000 events, started with {@code --events 10000}, reads events 5,000 to 9,999.
 *
 * <p>With {@code keepRunning} the source does not finish after its last record: it sends the end-of-time
 * watermark (so every event-time timer fires and the job's state ends exactly as with a finished bounded
 * input) and then idles, so the job stays up for lookups, checkpoints and savepoints. A finished source
 * could not continue anyway: since Flink 1.15 a savepoint of a finished task restores as finished.
 *
 * <p>The watermark sent after the last record may be an earlier one ({@code endWatermark}): the job then
 * stays exactly as a live job would be having read these records, with its later timers still pending
 * (what {@code bootstrap} savepoints).
 */
public final class SequenceSource<T>
        implements Source<T, SequenceSource.Position, List<SequenceSource.Position>>, ResultTypeQueryable<T> {
    private static final long serialVersionUID = 1L;

    private final GeneratorFunction<Long, T> function;
    private final long count;
    private final RateLimiterStrategy rate;
    private final boolean keepRunning;
    private final long endWatermark;
    private final TypeInformation<T> type;

    /**
     * @param count records to emit (Long.MAX_VALUE: endless)
     * @param keepRunning stay open (idle, watermark at the end of time) after the last record
     */
    public SequenceSource(
            GeneratorFunction<Long, T> function,
            long count,
            RateLimiterStrategy rate,
            boolean keepRunning,
            TypeInformation<T> type) {
        this(function, count, rate, keepRunning, Long.MAX_VALUE, type);
    }

    /**
     * @param endWatermark with {@code keepRunning}: the watermark sent after the last record (Long.MAX_VALUE:
     *     the end of time)
     */
    public SequenceSource(
            GeneratorFunction<Long, T> function,
            long count,
            RateLimiterStrategy rate,
            boolean keepRunning,
            long endWatermark,
            TypeInformation<T> type) {
        if (count < 0) {
            throw new IllegalArgumentException("count must not be negative");
        }
        this.function = function;
        this.count = count;
        this.rate = rate;
        this.keepRunning = keepRunning;
        this.endWatermark = endWatermark;
        this.type = type;
    }

    public long count() {
        return count;
    }

    public boolean keepRunning() {
        return keepRunning;
    }

    @Override
    public Boundedness getBoundedness() {
        return keepRunning || count == Long.MAX_VALUE ? Boundedness.CONTINUOUS_UNBOUNDED : Boundedness.BOUNDED;
    }

    @Override
    public TypeInformation<T> getProducedType() {
        return type;
    }

    @Override
    public SourceReader<T, Position> createReader(SourceReaderContext context) {
        return new Reader<>(
                context,
                function,
                count,
                rate.createRateLimiter(context.currentParallelism()),
                keepRunning,
                endWatermark);
    }

    @Override
    public SplitEnumerator<Position, List<Position>> createEnumerator(SplitEnumeratorContext<Position> context) {
        List<Position> all = new ArrayList<>();
        all.add(new Position(0));
        return new Enumerator(context, all);
    }

    @Override
    public SplitEnumerator<Position, List<Position>> restoreEnumerator(
            SplitEnumeratorContext<Position> context, List<Position> unassigned) {
        return new Enumerator(context, new ArrayList<>(unassigned));
    }

    @Override
    public SimpleVersionedSerializer<Position> getSplitSerializer() {
        return new PositionSerializer();
    }

    @Override
    public SimpleVersionedSerializer<List<Position>> getEnumeratorCheckpointSerializer() {
        return new PendingSerializer();
    }

    /** The only split: the index of the next record. */
    public static final class Position implements SourceSplit {
        private long next;

        public Position(long next) {
            this.next = next;
        }

        public long next() {
            return next;
        }

        @Override
        public String splitId() {
            return "0";
        }

        @Override
        public String toString() {
            return "Position{" + next + "}";
        }
    }

    /** Hands the one split to the first reader asking; it comes back here only if that reader fails. */
    private static final class Enumerator implements SplitEnumerator<Position, List<Position>> {
        private final SplitEnumeratorContext<Position> context;
        private final List<Position> unassigned;

        Enumerator(SplitEnumeratorContext<Position> context, List<Position> unassigned) {
            this.context = context;
            this.unassigned = unassigned;
        }

        @Override
        public void start() {}

        @Override
        public void handleSplitRequest(int subtask, String requesterHostname) {
            if (unassigned.isEmpty()) {
                // Another reader holds the position: this one has nothing to read.
                context.signalNoMoreSplits(subtask);
            } else {
                context.assignSplit(unassigned.remove(0), subtask);
            }
        }

        @Override
        public void addSplitsBack(List<Position> splits, int subtask) {
            unassigned.addAll(splits);
        }

        @Override
        public void addReader(int subtask) {}

        @Override
        public List<Position> snapshotState(long checkpointId) {
            List<Position> copy = new ArrayList<>();
            unassigned.forEach(position -> copy.add(new Position(position.next)));
            return copy;
        }

        @Override
        public void close() {}
    }

    private static final class Reader<T> implements SourceReader<T, Position> {
        private final SourceReaderContext context;
        private final GeneratorFunction<Long, T> function;
        private final long count;
        private final RateLimiter rateLimiter;
        private final boolean keepRunning;
        private final long endWatermark;
        /** Completes when the split (or the news that there is none) arrives. */
        private final CompletableFuture<Void> assignment = new CompletableFuture<>();
        /** Never completes: an input that has ended but stays open. */
        private final CompletableFuture<Void> idleForever = new CompletableFuture<>();

        private Position position;
        private boolean noMoreSplits;
        private boolean endAnnounced;
        private CompletableFuture<Void> permit;

        Reader(
                SourceReaderContext context,
                GeneratorFunction<Long, T> function,
                long count,
                RateLimiter rateLimiter,
                boolean keepRunning,
                long endWatermark) {
            this.context = context;
            this.function = function;
            this.count = count;
            this.rateLimiter = rateLimiter;
            this.keepRunning = keepRunning;
            this.endWatermark = endWatermark;
        }

        @Override
        public void start() {
            try {
                function.open(context);
            } catch (Exception e) {
                throw new IllegalStateException("cannot open the record generator: " + e.getMessage(), e);
            }
            if (position == null) {
                context.sendSplitRequest();
            }
        }

        private boolean exhausted() {
            return position != null ? position.next >= count : noMoreSplits;
        }

        @Override
        public InputStatus pollNext(ReaderOutput<T> output) throws Exception {
            permit = null;
            if (position == null && !noMoreSplits) {
                return InputStatus.NOTHING_AVAILABLE;
            }
            if (exhausted()) {
                if (!keepRunning) {
                    return InputStatus.END_OF_INPUT;
                }
                if (!endAnnounced) {
                    // By default what a finishing source sends, without finishing: every event-time timer fires.
                    output.emitWatermark(new Watermark(endWatermark));
                    endAnnounced = true;
                }
                return InputStatus.NOTHING_AVAILABLE;
            }
            output.collect(function.map(position.next));
            position.next++;
            // Through isAvailable() again, where the rate limiter waits, or to announce the end.
            return InputStatus.NOTHING_AVAILABLE;
        }

        @Override
        public CompletableFuture<Void> isAvailable() {
            if (position == null && !noMoreSplits) {
                return assignment;
            }
            if (exhausted()) {
                return keepRunning && endAnnounced ? idleForever : CompletableFuture.completedFuture(null);
            }
            if (permit == null) {
                permit = rateLimiter.acquire().toCompletableFuture();
            }
            return permit;
        }

        @Override
        public List<Position> snapshotState(long checkpointId) {
            return position == null ? List.of() : List.of(new Position(position.next));
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            rateLimiter.notifyCheckpointComplete(checkpointId);
        }

        @Override
        public void addSplits(List<Position> splits) {
            if (!splits.isEmpty()) {
                position = splits.get(0);
            }
            assignment.complete(null);
        }

        @Override
        public void notifyNoMoreSplits() {
            noMoreSplits = true;
            assignment.complete(null);
        }

        @Override
        public void close() throws Exception {
            function.close();
        }
    }

    private static final class PositionSerializer implements SimpleVersionedSerializer<Position> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Position position) {
            byte[] bytes = new byte[Long.BYTES];
            long value = position.next;
            for (int i = Long.BYTES - 1; i >= 0; i--) {
                bytes[i] = (byte) value;
                value >>>= 8;
            }
            return bytes;
        }

        @Override
        public Position deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1 || serialized.length != Long.BYTES) {
                throw new IOException(
                        "unknown position format (version " + version + ", " + serialized.length + " bytes)");
            }
            long value = 0;
            for (byte b : serialized) {
                value = (value << 8) | (b & 0xff);
            }
            return new Position(value);
        }
    }

    private static final class PendingSerializer implements SimpleVersionedSerializer<List<Position>> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(List<Position> positions) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeInt(positions.size());
                for (Position position : positions) {
                    out.writeLong(position.next);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public List<Position> deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException("unknown enumerator state version " + version);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                int size = in.readInt();
                List<Position> positions = new ArrayList<>(size);
                for (int i = 0; i < size; i++) {
                    positions.add(new Position(in.readLong()));
                }
                return positions;
            }
        }
    }
}

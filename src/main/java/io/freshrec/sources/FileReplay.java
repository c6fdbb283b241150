package io.freshrec.sources;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import it.unimi.dsi.fastutil.ints.IntArrays;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharsetDecoder;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * A file's records in event-time order, with the file's line order breaking ties (a stable sort), ready to replay.
 * Headers and blank lines are skipped; records without a readable timestamp sort last and become dead letters in the
 * job. The file is streamed once to learn each record's time and place (16 bytes a record are kept, not the
 * records); a record is read from the file when it is replayed. Bytes that are not UTF-8 become U+FFFD
 * ({@link RecordFile}): that record is a dead letter, the others replay.
 */
public final class FileReplay implements Closeable {
    private final FileChannel channel;
    /** Per record in replay order: event time, byte offset and length in the file. */
    private final long[] timestamps;

    private final long[] offsets;
    private final int[] lengths;
    private final CharsetDecoder decoder = RecordFile.decoder();
    private ByteBuffer buffer = ByteBuffer.allocate(512);

    private FileReplay(FileChannel channel, long[] timestamps, long[] offsets, int[] lengths) {
        this.channel = channel;
        this.timestamps = timestamps;
        this.offsets = offsets;
        this.lengths = lengths;
    }

    public static FileReplay load(Path file, InputFormat format) {
        InteractionParser parser = new InteractionParser(format);
        long[][] found = {new long[1024], new long[1024]};
        int[][] sizes = {new int[1024]};
        int[] count = {0};
        try {
            RecordFile.scan(file, (offset, length, text) -> {
                if (text.isBlank() || format.isHeader(text)) {
                    return;
                }
                int n = count[0]++;
                if (n == sizes[0].length) {
                    found[0] = Arrays.copyOf(found[0], n * 2);
                    found[1] = Arrays.copyOf(found[1], n * 2);
                    sizes[0] = Arrays.copyOf(sizes[0], n * 2);
                }
                found[0][n] = parser.timestampOf(text);
                found[1][n] = offset;
                sizes[0][n] = length;
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        int n = count[0];
        long[] times = found[0];
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Stable: equal times keep the file's order.
        IntArrays.mergeSort(order, (a, b) -> Long.compare(times[a], times[b]));
        long[] sortedTimes = new long[n];
        long[] sortedOffsets = new long[n];
        int[] sortedLengths = new int[n];
        for (int i = 0; i < n; i++) {
            sortedTimes[i] = times[order[i]];
            sortedOffsets[i] = found[1][order[i]];
            sortedLengths[i] = sizes[0][order[i]];
        }
        try {
            return new FileReplay(
                    FileChannel.open(file, StandardOpenOption.READ), sortedTimes, sortedOffsets, sortedLengths);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Counts the records a replay of {@code file} will emit, without sorting. */
    public static long count(Path file, InputFormat format) {
        long[] records = {0};
        try {
            RecordFile.scan(file, (offset, length, text) -> {
                if (!text.isBlank() && !format.isHeader(text)) {
                    records[0]++;
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return records[0];
    }

    public int size() {
        return timestamps.length;
    }

    /** Record {@code index} in replay order, read from the file. */
    public String line(int index) {
        int length = lengths[index];
        if (buffer.capacity() < length) {
            buffer = ByteBuffer.allocate(Math.max(length, buffer.capacity() * 2));
        }
        buffer.clear().limit(length);
        try {
            long position = offsets[index];
            while (buffer.hasRemaining()) {
                int read = channel.read(buffer, position + buffer.position());
                if (read < 0) {
                    throw new IOException("the file ended before record " + index + " (changed while replayed?)");
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read record " + index + ": " + e.getMessage(), e);
        }
        return RecordFile.decode(decoder, buffer.array(), 0, length);
    }

    /** Event time of record {@code index}; Long.MAX_VALUE when unreadable. */
    public long timestamp(int index) {
        return timestamps[index];
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}

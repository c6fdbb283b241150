package io.freshrec.job.edges;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import java.io.IOException;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Field-by-field wire format of the edge records: primitive arrays as a length prefix (-1 for null) followed by
 * the values, nested objects behind a presence byte.
 */
final class EdgeIO {
    private static final int NULL_LENGTH = -1;

    private EdgeIO() {}

    static void writeLongs(long[] values, DataOutputView out) throws IOException {
        if (values == null) {
            out.writeInt(NULL_LENGTH);
            return;
        }
        out.writeInt(values.length);
        for (long value : values) {
            out.writeLong(value);
        }
    }

    static long[] readLongs(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length == NULL_LENGTH) {
            return null;
        }
        long[] values = new long[length];
        for (int i = 0; i < length; i++) {
            values[i] = in.readLong();
        }
        return values;
    }

    static void writeDoubles(double[] values, DataOutputView out) throws IOException {
        if (values == null) {
            out.writeInt(NULL_LENGTH);
            return;
        }
        out.writeInt(values.length);
        for (double value : values) {
            out.writeDouble(value);
        }
    }

    static double[] readDoubles(DataInputView in) throws IOException {
        int length = in.readInt();
        if (length == NULL_LENGTH) {
            return null;
        }
        double[] values = new double[length];
        for (int i = 0; i < length; i++) {
            values[i] = in.readDouble();
        }
        return values;
    }

    static long[] copy(long[] values) {
        return values == null ? null : values.clone();
    }

    static double[] copy(double[] values) {
        return values == null ? null : values.clone();
    }

    // UserHistory (payload of ProfileUpdate)

    static void writeHistory(UserHistory history, DataOutputView out) throws IOException {
        out.writeBoolean(history != null);
        if (history == null) {
            return;
        }
        writeLongs(history.items, out);
        writeDoubles(history.weights, out);
        writeLongs(history.times, out);
        out.writeLong(history.lastEventTime);
        out.writeLong(history.events);
        out.writeDouble(history.rateAllowance);
        out.writeLong(history.rateTime);
    }

    static UserHistory readHistory(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        UserHistory history = new UserHistory();
        history.items = readLongs(in);
        history.weights = readDoubles(in);
        history.times = readLongs(in);
        history.lastEventTime = in.readLong();
        history.events = in.readLong();
        history.rateAllowance = in.readDouble();
        history.rateTime = in.readLong();
        return history;
    }

    static UserHistory copyHistory(UserHistory from) {
        if (from == null) {
            return null;
        }
        UserHistory copy = new UserHistory();
        copy.items = copy(from.items);
        copy.weights = copy(from.weights);
        copy.times = copy(from.times);
        copy.lastEventTime = from.lastEventTime;
        copy.events = from.events;
        copy.rateAllowance = from.rateAllowance;
        copy.rateTime = from.rateTime;
        return copy;
    }

    // ItemSnapshot (model delta, payload of ModelUpdate)

    static void writeSnapshot(ItemSnapshot snapshot, DataOutputView out) throws IOException {
        out.writeLong(snapshot.item);
        out.writeLong(snapshot.time);
        out.writeLong(snapshot.versionTime);
        out.writeDouble(snapshot.norm);
        out.writeDouble(snapshot.trending);
        writeLongs(snapshot.neighbours, out);
        writeDoubles(snapshot.cooccurrence, out);
    }

    static ItemSnapshot readSnapshot(DataInputView in) throws IOException {
        ItemSnapshot snapshot = new ItemSnapshot();
        snapshot.item = in.readLong();
        snapshot.time = in.readLong();
        snapshot.versionTime = in.readLong();
        snapshot.norm = in.readDouble();
        snapshot.trending = in.readDouble();
        snapshot.neighbours = readLongs(in);
        snapshot.cooccurrence = readDoubles(in);
        return snapshot;
    }

    static ItemSnapshot copySnapshot(ItemSnapshot from) {
        ItemSnapshot copy = new ItemSnapshot();
        copy.item = from.item;
        copy.time = from.time;
        copy.versionTime = from.versionTime;
        copy.norm = from.norm;
        copy.trending = from.trending;
        copy.neighbours = copy(from.neighbours);
        copy.cooccurrence = copy(from.cooccurrence);
        return copy;
    }

    static void writeNullableSnapshot(ItemSnapshot snapshot, DataOutputView out) throws IOException {
        out.writeBoolean(snapshot != null);
        if (snapshot != null) {
            writeSnapshot(snapshot, out);
        }
    }

    static ItemSnapshot readNullableSnapshot(DataInputView in) throws IOException {
        return in.readBoolean() ? readSnapshot(in) : null;
    }

    // TrendingList (payload of a ModelUpdate commit)

    static void writeTrending(TrendingList trending, DataOutputView out) throws IOException {
        out.writeBoolean(trending != null);
        if (trending == null) {
            return;
        }
        writeLongs(trending.items, out);
        writeDoubles(trending.scores, out);
        out.writeLong(trending.time);
    }

    static TrendingList readTrending(DataInputView in) throws IOException {
        if (!in.readBoolean()) {
            return null;
        }
        TrendingList trending = new TrendingList();
        trending.items = readLongs(in);
        trending.scores = readDoubles(in);
        trending.time = in.readLong();
        return trending;
    }

    static TrendingList copyTrending(TrendingList from) {
        if (from == null) {
            return null;
        }
        TrendingList copy = new TrendingList();
        copy.items = copy(from.items);
        copy.scores = copy(from.scores);
        copy.time = from.time;
        return copy;
    }
}

package io.freshrec.job.edges;

import io.freshrec.job.ModelUpdate;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ModelUpdate} (an item delta or a commit with its trending list) on the broadcast edge model-gate -> serving. */
public final class ModelUpdateSerializer extends EdgeSerializer<ModelUpdate> {
    private static final long serialVersionUID = 1L;
    public static final ModelUpdateSerializer INSTANCE = new ModelUpdateSerializer();

    @Override
    public ModelUpdate createInstance() {
        return new ModelUpdate();
    }

    @Override
    public ModelUpdate copy(ModelUpdate from) {
        ModelUpdate copy = new ModelUpdate();
        copy.version = from.version;
        copy.time = from.time;
        copy.item = from.item == null ? null : EdgeIO.copySnapshot(from.item);
        copy.trending = EdgeIO.copyTrending(from.trending);
        return copy;
    }

    @Override
    public void serialize(ModelUpdate update, DataOutputView out) throws IOException {
        out.writeLong(update.version);
        out.writeLong(update.time);
        EdgeIO.writeNullableSnapshot(update.item, out);
        EdgeIO.writeTrending(update.trending, out);
    }

    @Override
    public ModelUpdate deserialize(DataInputView in) throws IOException {
        ModelUpdate update = new ModelUpdate();
        update.version = in.readLong();
        update.time = in.readLong();
        update.item = EdgeIO.readNullableSnapshot(in);
        update.trending = EdgeIO.readTrending(in);
        return update;
    }

    @Override
    public TypeSerializerSnapshot<ModelUpdate> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ModelUpdate> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}

package io.freshrec.job.edges;

import io.freshrec.model.ItemSnapshot;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ItemSnapshot} on the edge item-model -> model-gate. Side outputs never carry null records. */
public final class ItemSnapshotSerializer extends EdgeSerializer<ItemSnapshot> {
    private static final long serialVersionUID = 1L;
    public static final ItemSnapshotSerializer INSTANCE = new ItemSnapshotSerializer();

    @Override
    public ItemSnapshot createInstance() {
        return new ItemSnapshot();
    }

    @Override
    public ItemSnapshot copy(ItemSnapshot from) {
        return EdgeIO.copySnapshot(from);
    }

    @Override
    public void serialize(ItemSnapshot snapshot, DataOutputView out) throws IOException {
        EdgeIO.writeSnapshot(snapshot, out);
    }

    @Override
    public ItemSnapshot deserialize(DataInputView in) throws IOException {
        return EdgeIO.readSnapshot(in);
    }

    @Override
    public TypeSerializerSnapshot<ItemSnapshot> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ItemSnapshot> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}

package io.freshrec.job.edges;

import io.freshrec.job.ItemUpdate;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ItemUpdate} on the edge user-history -> item-model. */
public final class ItemUpdateSerializer extends EdgeSerializer<ItemUpdate> {
    private static final long serialVersionUID = 1L;
    public static final ItemUpdateSerializer INSTANCE = new ItemUpdateSerializer();

    @Override
    public ItemUpdate createInstance() {
        return new ItemUpdate();
    }

    @Override
    public ItemUpdate copy(ItemUpdate from) {
        ItemUpdate copy = new ItemUpdate();
        copy.item = from.item;
        copy.interaction = from.interaction;
        copy.weight = from.weight;
        copy.normIncrement = from.normIncrement;
        copy.others = EdgeIO.copy(from.others);
        copy.amounts = EdgeIO.copy(from.amounts);
        copy.time = from.time;
        copy.versionTime = from.versionTime;
        return copy;
    }

    @Override
    public void serialize(ItemUpdate update, DataOutputView out) throws IOException {
        out.writeLong(update.item);
        out.writeBoolean(update.interaction);
        out.writeDouble(update.weight);
        out.writeDouble(update.normIncrement);
        EdgeIO.writeLongs(update.others, out);
        EdgeIO.writeDoubles(update.amounts, out);
        out.writeLong(update.time);
        out.writeLong(update.versionTime);
    }

    @Override
    public ItemUpdate deserialize(DataInputView in) throws IOException {
        ItemUpdate update = new ItemUpdate();
        update.item = in.readLong();
        update.interaction = in.readBoolean();
        update.weight = in.readDouble();
        update.normIncrement = in.readDouble();
        update.others = EdgeIO.readLongs(in);
        update.amounts = EdgeIO.readDoubles(in);
        update.time = in.readLong();
        update.versionTime = in.readLong();
        return update;
    }

    @Override
    public TypeSerializerSnapshot<ItemUpdate> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ItemUpdate> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}

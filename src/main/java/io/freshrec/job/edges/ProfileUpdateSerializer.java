package io.freshrec.job.edges;

import io.freshrec.job.ProfileUpdate;
import java.io.IOException;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/** {@link ProfileUpdate} (with its {@code UserHistory}) on the edge user-history -> serving. */
public final class ProfileUpdateSerializer extends EdgeSerializer<ProfileUpdate> {
    private static final long serialVersionUID = 1L;
    public static final ProfileUpdateSerializer INSTANCE = new ProfileUpdateSerializer();

    @Override
    public ProfileUpdate createInstance() {
        return new ProfileUpdate();
    }

    @Override
    public ProfileUpdate copy(ProfileUpdate from) {
        return new ProfileUpdate(from.userId, from.itemId, from.time, from.arrivedAt, EdgeIO.copyHistory(from.history));
    }

    @Override
    public void serialize(ProfileUpdate profile, DataOutputView out) throws IOException {
        out.writeLong(profile.userId);
        out.writeLong(profile.itemId);
        out.writeLong(profile.time);
        out.writeLong(profile.arrivedAt);
        EdgeIO.writeHistory(profile.history, out);
    }

    @Override
    public ProfileUpdate deserialize(DataInputView in) throws IOException {
        ProfileUpdate profile = new ProfileUpdate();
        profile.userId = in.readLong();
        profile.itemId = in.readLong();
        profile.time = in.readLong();
        profile.arrivedAt = in.readLong();
        profile.history = EdgeIO.readHistory(in);
        return profile;
    }

    @Override
    public TypeSerializerSnapshot<ProfileUpdate> snapshotConfiguration() {
        return new Snapshot();
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<ProfileUpdate> {
        public Snapshot() {
            super(() -> INSTANCE);
        }
    }
}

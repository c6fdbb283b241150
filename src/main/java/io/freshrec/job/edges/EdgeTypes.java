package io.freshrec.job.edges;

import io.freshrec.job.ItemUpdate;
import io.freshrec.job.ModelUpdate;
import io.freshrec.job.ProfileUpdate;
import io.freshrec.model.ItemSnapshot;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Types of the job's hot stream edges, with hand-written serializers instead of Flink's reflective POJO
 * serializer (which cost about a tenth of the job's CPU: user-history spent 43% of its samples serializing its
 * outputs).
 *
 * <p>For stream edges only (operator outputs and side-output tags), never for state: the same classes are also
 * state types (pending item updates and profiles, serving's item versions, the user history), and those state
 * descriptors keep their POJO types so savepoints keep restoring. Records in flight are not part of a checkpoint
 * or savepoint as long as checkpoints are aligned, which they are (execution.checkpointing.unaligned.enabled:
 * false in flink-conf/config.yaml, Flink's default; nothing in the job enables them). Should unaligned
 * checkpoints ever be enabled, in-flight records would be persisted with these serializers: their snapshots
 * (SimpleTypeSerializerSnapshot) then restore them as long as the wire format below is unchanged.
 */
public final class EdgeTypes {
    private EdgeTypes() {}

    public static final TypeInformation<ItemUpdate> ITEM_UPDATE =
            new EdgeTypeInfo<>(ItemUpdate.class, ItemUpdateSerializer.INSTANCE);
    public static final TypeInformation<ProfileUpdate> PROFILE_UPDATE =
            new EdgeTypeInfo<>(ProfileUpdate.class, ProfileUpdateSerializer.INSTANCE);
    public static final TypeInformation<ItemSnapshot> ITEM_SNAPSHOT =
            new EdgeTypeInfo<>(ItemSnapshot.class, ItemSnapshotSerializer.INSTANCE);
    public static final TypeInformation<ModelUpdate> MODEL_UPDATE =
            new EdgeTypeInfo<>(ModelUpdate.class, ModelUpdateSerializer.INSTANCE);
}

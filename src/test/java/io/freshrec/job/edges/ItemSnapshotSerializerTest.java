package io.freshrec.job.edges;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecState;
import io.freshrec.model.ItemSnapshot;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.junit.jupiter.api.Test;

class ItemSnapshotSerializerTest extends EdgeSerializerTestBase<ItemSnapshot> {
    @Override
    TypeSerializer<ItemSnapshot> serializer() {
        return ItemSnapshotSerializer.INSTANCE;
    }

    @Override
    TypeInformation<ItemSnapshot> typeInfo() {
        return EdgeTypes.ITEM_SNAPSHOT;
    }

    @Override
    Class<ItemSnapshot> type() {
        return ItemSnapshot.class;
    }

    @Test
    void sideOutputUsesTheEdgeType() {
        assertThat(FreshRecState.MODEL_DELTAS.getTypeInfo()).isEqualTo(EdgeTypes.ITEM_SNAPSHOT);
    }
}

package io.freshrec.job.edges;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecState;
import io.freshrec.job.ItemUpdate;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.junit.jupiter.api.Test;

class ItemUpdateSerializerTest extends EdgeSerializerTestBase<ItemUpdate> {
    @Override
    TypeSerializer<ItemUpdate> serializer() {
        return ItemUpdateSerializer.INSTANCE;
    }

    @Override
    TypeInformation<ItemUpdate> typeInfo() {
        return EdgeTypes.ITEM_UPDATE;
    }

    @Override
    Class<ItemUpdate> type() {
        return ItemUpdate.class;
    }

    @Test
    void stateKeepsThePojoSerializer() {
        // Savepoints hold this state with Flink's POJO serializer: it must not change.
        ListStateDescriptor<ItemUpdate> descriptor = FreshRecState.pendingItemUpdates();
        descriptor.initializeSerializerUnlessSet(new ExecutionConfig());
        assertThat(descriptor.getElementSerializer()).isInstanceOf(PojoSerializer.class);
    }
}

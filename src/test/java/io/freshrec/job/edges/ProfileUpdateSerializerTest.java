package io.freshrec.job.edges;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.job.FreshRecState;
import io.freshrec.job.ProfileUpdate;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.junit.jupiter.api.Test;

class ProfileUpdateSerializerTest extends EdgeSerializerTestBase<ProfileUpdate> {
    @Override
    TypeSerializer<ProfileUpdate> serializer() {
        return ProfileUpdateSerializer.INSTANCE;
    }

    @Override
    TypeInformation<ProfileUpdate> typeInfo() {
        return EdgeTypes.PROFILE_UPDATE;
    }

    @Override
    Class<ProfileUpdate> type() {
        return ProfileUpdate.class;
    }

    @Test
    void stateKeepsThePojoSerializer() {
        // Savepoints hold this state with Flink's POJO serializer: it must not change.
        ListStateDescriptor<ProfileUpdate> descriptor = FreshRecState.pendingProfiles();
        descriptor.initializeSerializerUnlessSet(new ExecutionConfig());
        assertThat(descriptor.getElementSerializer()).isInstanceOf(PojoSerializer.class);
    }

    @Test
    void sideOutputUsesTheEdgeType() {
        assertThat(FreshRecState.PROFILE_UPDATES.getTypeInfo()).isEqualTo(EdgeTypes.PROFILE_UPDATE);
    }
}

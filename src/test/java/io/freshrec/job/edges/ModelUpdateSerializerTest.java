package io.freshrec.job.edges;

import io.freshrec.job.ModelUpdate;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class ModelUpdateSerializerTest extends EdgeSerializerTestBase<ModelUpdate> {
    @Override
    TypeSerializer<ModelUpdate> serializer() {
        return ModelUpdateSerializer.INSTANCE;
    }

    @Override
    TypeInformation<ModelUpdate> typeInfo() {
        return EdgeTypes.MODEL_UPDATE;
    }

    @Override
    Class<ModelUpdate> type() {
        return ModelUpdate.class;
    }
}

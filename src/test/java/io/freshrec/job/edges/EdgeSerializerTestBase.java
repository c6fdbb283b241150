package io.freshrec.job.edges;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

/**
 * Round trips of one edge serializer over records whose every non-transient field is filled by reflection, so a
 * field added to the class (or a nested class) without serializer support fails these tests.
 */
abstract class EdgeSerializerTestBase<T> {
    /** How the reflective filler sets fields. */
    enum Fill {
        /** Every field set to a non-default value, every array non-empty, every nested object present. */
        FULL,
        /** Random values, array lengths (0 included), nulls and booleans. */
        RANDOM,
        /** Primitives at their defaults, arrays and nested objects null. */
        NULLS,
        /** Primitives at their defaults, arrays empty, nested objects present (and empty). */
        EMPTY
    }

    private final Random random = new Random(13);

    abstract TypeSerializer<T> serializer();

    abstract TypeInformation<T> typeInfo();

    abstract Class<T> type();

    @Test
    void fullRecordsHaveEveryFieldSetAndRoundTrip() throws Exception {
        for (int i = 0; i < 50; i++) {
            T record = fill(type(), Fill.FULL, 0);
            assertEveryFieldSet(record);
            assertRoundTrip(record);
        }
    }

    @Test
    void randomRecordsRoundTrip() throws Exception {
        for (int i = 0; i < 500; i++) {
            assertRoundTrip(fill(type(), Fill.RANDOM, 0));
        }
    }

    @Test
    void nullFieldsRoundTrip() throws Exception {
        assertRoundTrip(fill(type(), Fill.NULLS, 0));
    }

    @Test
    void emptyArraysRoundTrip() throws Exception {
        assertRoundTrip(fill(type(), Fill.EMPTY, 0));
    }

    @Test
    void defaultInstanceRoundTrips() throws Exception {
        assertRoundTrip(serializer().createInstance());
    }

    @Test
    void manyRecordsInOneBufferReadBackInOrder() throws Exception {
        List<T> records = new ArrayList<>();
        DataOutputSerializer out = new DataOutputSerializer(64);
        for (int i = 0; i < 200; i++) {
            T record = fill(type(), Fill.values()[i % Fill.values().length], 0);
            records.add(record);
            serializer().serialize(record, out);
        }
        DataInputDeserializer in = new DataInputDeserializer(out.getCopyOfBuffer());
        for (T record : records) {
            assertDeepEquals(serializer().deserialize(in), record, type().getSimpleName());
        }
        assertThat(in.available()).isZero();
    }

    @Test
    void serializerIsASingletonWithAResolvableSnapshot() throws Exception {
        TypeSerializer<T> serializer = serializer();
        assertThat(serializer.duplicate()).isEqualTo(serializer);
        assertThat(serializer.isImmutableType()).isFalse();
        assertThat(InstantiationUtil.clone(serializer)).isEqualTo(serializer);

        TypeSerializerSnapshot<T> snapshot = serializer.snapshotConfiguration();
        DataOutputSerializer out = new DataOutputSerializer(64);
        TypeSerializerSnapshot.writeVersionedSnapshot(out, snapshot);
        TypeSerializerSnapshot<T> restored = TypeSerializerSnapshot.readVersionedSnapshot(
                new DataInputDeserializer(out.getCopyOfBuffer()), getClass().getClassLoader());
        assertThat(restored.getClass()).isEqualTo(snapshot.getClass());
        assertThat(restored.restoreSerializer()).isEqualTo(serializer);
        assertThat(serializer
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(restored)
                        .isCompatibleAsIs())
                .isTrue();
    }

    @Test
    void typeInformationYieldsTheSerializer() throws Exception {
        TypeInformation<T> info = typeInfo();
        assertThat(info.getTypeClass()).isEqualTo(type());
        assertThat(info.createSerializer(new SerializerConfigImpl())).isEqualTo(serializer());
        TypeInformation<T> cloned = InstantiationUtil.clone(info);
        assertThat(cloned).isEqualTo(info);
        assertThat(cloned.createSerializer(new SerializerConfigImpl())).isEqualTo(serializer());
    }

    private void assertRoundTrip(T record) throws Exception {
        TypeSerializer<T> serializer = serializer();
        DataOutputSerializer out = new DataOutputSerializer(64);
        serializer.serialize(record, out);
        byte[] bytes = out.getCopyOfBuffer();
        T read = serializer.deserialize(new DataInputDeserializer(bytes));
        assertDeepEquals(read, record, type().getSimpleName());
        assertDeepEquals(
                serializer.deserialize(serializer.createInstance(), new DataInputDeserializer(bytes)),
                record,
                type().getSimpleName());

        DataOutputSerializer copied = new DataOutputSerializer(64);
        serializer.copy(new DataInputDeserializer(bytes), copied);
        assertThat(copied.getCopyOfBuffer()).isEqualTo(bytes);

        T copy = serializer.copy(record);
        assertDeepEquals(copy, record, type().getSimpleName());
        assertNoSharedMutableParts(copy, record, type().getSimpleName());
        T reused = serializer.copy(record, serializer.createInstance());
        assertDeepEquals(reused, record, type().getSimpleName());
        assertNoSharedMutableParts(reused, record, type().getSimpleName());
    }

    /** Every non-static, non-transient field of the class and its superclasses. */
    static List<Field> stateFields(Class<?> type) {
        List<Field> fields = new ArrayList<>();
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                int modifiers = field.getModifiers();
                if (Modifier.isStatic(modifiers) || Modifier.isTransient(modifiers) || field.isSynthetic()) {
                    continue;
                }
                field.setAccessible(true);
                fields.add(field);
            }
        }
        return fields;
    }

    private <V> V fill(Class<V> type, Fill fill, int depth) throws Exception {
        assertThat(depth).as("nesting depth of " + type).isLessThan(5);
        V value = type.getDeclaredConstructor().newInstance();
        for (Field field : stateFields(type)) {
            field.set(value, fieldValue(field, fill, depth));
        }
        return value;
    }

    private Object fieldValue(Field field, Fill fill, int depth) throws Exception {
        Class<?> type = field.getType();
        boolean defaults = fill == Fill.NULLS || fill == Fill.EMPTY;
        if (type == long.class) {
            return defaults ? 0L : nonZeroLong();
        }
        if (type == double.class) {
            return defaults ? 0.0 : nonZeroDouble();
        }
        if (type == int.class) {
            return defaults ? 0 : random.nextInt(Integer.MAX_VALUE - 1) + 1;
        }
        if (type == boolean.class) {
            return fill == Fill.FULL || (fill == Fill.RANDOM && random.nextBoolean());
        }
        if (type == long[].class || type == double[].class) {
            int length;
            switch (fill) {
                case NULLS:
                    return null;
                case EMPTY:
                    length = 0;
                    break;
                case FULL:
                    length = 1 + random.nextInt(8);
                    break;
                default:
                    if (random.nextInt(10) == 0) {
                        return null;
                    }
                    length = random.nextInt(12);
            }
            if (type == long[].class) {
                long[] values = new long[length];
                for (int i = 0; i < length; i++) {
                    values[i] = nonZeroLong();
                }
                return values;
            }
            double[] values = new double[length];
            for (int i = 0; i < length; i++) {
                values[i] = nonZeroDouble();
            }
            return values;
        }
        if (type.getName().startsWith("io.freshrec.")) {
            if (fill == Fill.NULLS || (fill == Fill.RANDOM && random.nextInt(4) == 0)) {
                return null;
            }
            return fill(type, fill, depth + 1);
        }
        throw new AssertionError(
                "field " + field + " has a type the test (and likely the edge serializer) does not handle: " + type);
    }

    private long nonZeroLong() {
        long value = random.nextLong();
        return value == 0 ? 1 : value;
    }

    private double nonZeroDouble() {
        switch (random.nextInt(20)) {
            case 0:
                return Double.NaN;
            case 1:
                return Double.POSITIVE_INFINITY;
            case 2:
                return -Double.MIN_VALUE;
            default:
                double value = random.nextGaussian() * 1e6;
                return value == 0 ? 1 : value;
        }
    }

    /** In a FULL record, no field of the record or a nested record is at its default. */
    private static void assertEveryFieldSet(Object record) throws Exception {
        for (Field field : stateFields(record.getClass())) {
            Object value = field.get(record);
            String name = field.getDeclaringClass().getSimpleName() + "." + field.getName();
            assertThat(value).as(name).isNotNull();
            if (value instanceof Number) {
                assertThat(((Number) value).doubleValue()).as(name).isNotEqualTo(0.0);
            } else if (value instanceof Boolean) {
                assertThat((Boolean) value).as(name).isTrue();
            } else if (value instanceof long[]) {
                assertThat((long[]) value).as(name).isNotEmpty();
            } else if (value instanceof double[]) {
                assertThat((double[]) value).as(name).isNotEmpty();
            } else {
                assertEveryFieldSet(value);
            }
        }
    }

    static void assertDeepEquals(Object actual, Object expected, String path) throws Exception {
        if (expected == null) {
            assertThat(actual).as(path).isNull();
            return;
        }
        assertThat(actual).as(path).isNotNull();
        assertThat(actual.getClass()).as(path).isEqualTo(expected.getClass());
        if (expected instanceof long[]) {
            assertThat(Arrays.equals((long[]) actual, (long[]) expected))
                    .as(path + " " + Arrays.toString((long[]) actual) + " vs " + Arrays.toString((long[]) expected))
                    .isTrue();
            return;
        }
        if (expected instanceof double[]) {
            assertThat(Arrays.equals((double[]) actual, (double[]) expected))
                    .as(path + " " + Arrays.toString((double[]) actual) + " vs " + Arrays.toString((double[]) expected))
                    .isTrue();
            return;
        }
        if (expected instanceof Number || expected instanceof Boolean) {
            // Boxed equality: Double.equals compares bits, so NaN equals NaN.
            assertThat(actual).as(path).isEqualTo(expected);
            return;
        }
        for (Field field : stateFields(expected.getClass())) {
            assertDeepEquals(field.get(actual), field.get(expected), path + "." + field.getName());
        }
    }

    /** A copy shares no array or nested object with its original. */
    private static void assertNoSharedMutableParts(Object copy, Object original, String path) throws Exception {
        assertThat(copy).as(path).isNotSameAs(original);
        for (Field field : stateFields(original.getClass())) {
            if (field.getType().isPrimitive()) {
                continue;
            }
            Object from = field.get(original);
            Object to = field.get(copy);
            if (from == null) {
                continue;
            }
            if (field.getType().isArray()) {
                assertThat(to).as(path + "." + field.getName()).isNotSameAs(from);
            } else {
                assertNoSharedMutableParts(to, from, path + "." + field.getName());
            }
        }
    }
}

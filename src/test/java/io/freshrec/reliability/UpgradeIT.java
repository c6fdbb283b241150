package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecJob;
import io.freshrec.model.Recommendations;
import io.freshrec.testing.PacedTestSource;
import io.freshrec.testing.TestPorts;
import java.lang.reflect.Field;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.base.LongSerializer;
import org.apache.flink.api.java.typeutils.runtime.PojoSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.state.hashmap.HashMapStateBackend;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.state.api.SavepointReader;
import org.apache.flink.state.api.functions.KeyedStateReaderFunction;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fault 5: an upgraded job restored from an old savepoint. Version 1 is the job plus an operator {@code served-count}
 * that counts each user's served lists in a POJO with one field; it is stopped with a savepoint mid-stream. Version 2
 * adds a field to that POJO (the state is migrated on restore) and a new stateful operator, restores the savepoint
 * and reads the rest. The model ends in the oracle's state, no event is lost or applied twice, and the migrated
 * state is exact: every user's lists counted once across both versions, the new field set from the upgrade on.
 * (Restoring the savepoints of earlier FreshRec releases is UpgradeSafetyTest's part.)
 */
class UpgradeIT {
    private static final int BASE = TestPorts.block().first();
    private static final int HOLD = 1000;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    /** The evolving state POJO: version 1 of the job knew only {@code lists}. */
    public static class ServedCount {
        public long lists;
        /** Added in version 2: event time of the latest list served. */
        public long lastEventTime;

        public ServedCount() {}
    }

    /** ServedCount as version 1 wrote it: a POJO serializer of the one field it had. */
    static TypeSerializer<ServedCount> version1Serializer() throws NoSuchFieldException {
        return new PojoSerializer<>(
                ServedCount.class,
                new TypeSerializer<?>[] {LongSerializer.INSTANCE},
                new Field[] {ServedCount.class.getField("lists")},
                new ExecutionConfig().getSerializerConfig());
    }

    /** Counts each user's served lists (and, in version 2, the latest list's event time). */
    static final class CountServed extends KeyedProcessFunction<Long, Recommendations, Void> {
        private static final long serialVersionUID = 1L;
        private final boolean version2;
        private transient ValueState<ServedCount> count;

        CountServed(boolean version2) {
            this.version2 = version2;
        }

        @Override
        public void open(Configuration parameters) throws Exception {
            count = getRuntimeContext()
                    .getState(
                            version2
                                    ? new ValueStateDescriptor<>("served", TypeInformation.of(ServedCount.class))
                                    : new ValueStateDescriptor<>("served", version1Serializer()));
        }

        @Override
        public void processElement(Recommendations list, Context ctx, Collector<Void> out) throws Exception {
            ServedCount current = count.value() == null ? new ServedCount() : count.value();
            current.lists++;
            if (version2) {
                current.lastEventTime = Math.max(current.lastEventTime, list.eventTime);
            }
            count.update(current);
        }
    }

    /** Version 2's added operator: the highest model version served to each user. */
    static final class HighestVersion extends KeyedProcessFunction<Long, Recommendations, Void> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<Long> highest;

        @Override
        public void open(Configuration parameters) {
            highest = getRuntimeContext().getState(new ValueStateDescriptor<>("highest-version", Types.LONG));
        }

        @Override
        public void processElement(Recommendations list, Context ctx, Collector<Void> out) throws Exception {
            highest.update(Math.max(highest.value() == null ? 0 : highest.value(), list.modelVersion));
        }
    }

    @Test
    void shouldRestoreAnOldSavepointIntoAJobWithAnAddedOperatorAndAnAddedStateField() throws Exception {
        Scenario scenario = Scenario.synthetic("upgrade", 28, 2000, 0.01);

        // Version 1, stopped with a savepoint mid-stream.
        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        PacedTestSource.Hold hold = new PacedTestSource.Hold(scenario.name, HOLD);
        FreshRecJob.Outputs v1 = scenario.job(300, hold, "v1").build(env);
        countServed(v1, false);
        JobClient first = ReliabilityCluster.execute(env, null);
        PacedTestSource.Hold.awaitReached(hold.name(), Duration.ofSeconds(90));
        ReliabilityCluster.rest(CLUSTER).awaitRunning(first.getJobID().toHexString(), Duration.ofSeconds(90));
        String old = first.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(2, TimeUnit.MINUTES);
        PacedTestSource.Hold.release(hold.name());

        // Version 2 from it: the POJO has a new field, and there is a new operator.
        StreamExecutionEnvironment upgradedEnv = ReliabilityCluster.environment(2);
        FreshRecJob.Outputs v2 = scenario.job(300, null, "v2").build(upgradedEnv);
        countServed(v2, true);
        v2.recommendations
                .keyBy(list -> list.userId, Types.LONG)
                .process(new HighestVersion(), Types.VOID)
                .uid("highest-version")
                .name("highest-version")
                .sinkTo(new DiscardingSink<>())
                .uid("highest-version-sink")
                .name("highest-version-sink");
        JobClient upgraded = ReliabilityCluster.execute(upgradedEnv, old);
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, upgraded, scenario, savepoints);

        // The migrated state, read from the final savepoint: each list counted once, the new field set since the
        // upgrade.
        Map<Long, ServedCount> counts = readServedCounts(outcome.savepoint());
        Set<Long> activeAfterUpgrade = new HashSet<>();
        for (long n = HOLD; n < scenario.count; n++) {
            var parsed = new InteractionParser(InputFormat.JSON_LINES)
                    .parse(scenario.records.map(n), System.currentTimeMillis());
            if (parsed.isValid()) {
                activeAfterUpgrade.add(parsed.interaction().userId);
            }
        }
        Map<Long, Long> expectedLists = scenario.eventsPerUser();
        outcome.record("5 upgrade (added operator and POJO field) from an old savepoint", scenario, null);
        assertThat(counts.keySet()).as("users with counted lists").isEqualTo(expectedLists.keySet());
        for (Map.Entry<Long, Long> user : expectedLists.entrySet()) {
            ServedCount count = counts.get(user.getKey());
            assertThat(count.lists)
                    .as("lists served to user %d across both versions", user.getKey())
                    .isEqualTo(user.getValue());
            long last = scenario.oracle.lastEventTime(user.getKey());
            if (activeAfterUpgrade.contains(user.getKey())) {
                assertThat(count.lastEventTime)
                        .as("new field of user %d", user.getKey())
                        .isEqualTo(last);
            } else {
                assertThat(count.lastEventTime)
                        .as("new field of user %d", user.getKey())
                        .isIn(0L, last);
            }
        }
        assertThat(activeAfterUpgrade).isNotEmpty();
        assertThat(outcome.restarts()).as("restarts").isZero();
    }

    private static void countServed(FreshRecJob.Outputs outputs, boolean version2) {
        outputs.recommendations
                .keyBy(list -> list.userId, Types.LONG)
                .process(new CountServed(version2), Types.VOID)
                .uid("served-count")
                .name("served-count")
                .sinkTo(new DiscardingSink<>())
                .uid("served-count-sink")
                .name("served-count-sink");
    }

    private static Map<Long, ServedCount> readServedCounts(String savepoint) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        Map<Long, ServedCount> counts = new HashMap<>();
        try (CloseableIterator<Counted> read = SavepointReader.read(env, savepoint, new HashMapStateBackend())
                .readKeyedState(
                        OperatorIdentifier.forUid("served-count"),
                        new ReadCounts(),
                        Types.LONG,
                        TypeInformation.of(Counted.class))
                .executeAndCollect("read served-count")) {
            read.forEachRemaining(counted -> counts.put(counted.user, counted.count));
        }
        return counts;
    }

    /** One user's ServedCount as read from a savepoint. */
    public static class Counted {
        public long user;
        public ServedCount count;

        public Counted() {}
    }

    static final class ReadCounts extends KeyedStateReaderFunction<Long, Counted> {
        private static final long serialVersionUID = 1L;
        private transient ValueState<ServedCount> count;

        @Override
        public void open(Configuration parameters) {
            count = getRuntimeContext()
                    .getState(new ValueStateDescriptor<>("served", TypeInformation.of(ServedCount.class)));
        }

        @Override
        public void readKey(Long user, Context context, Collector<Counted> out) throws Exception {
            Counted counted = new Counted();
            counted.user = user;
            counted.count = count.value();
            out.collect(counted);
        }
    }
}

package io.freshrec.bench;

import io.freshrec.events.Interaction;
import io.freshrec.job.FreshRecJob;
import io.freshrec.sources.InteractionSource;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.Collector;

/**
 * The engine floor: what any job on this engine pays per event before it does any work of its own. The job's own
 * source, parse and watermarks ({@link FreshRecJob#input}), then one keyBy(user) with one RocksDB {@link ValueState}
 * read-modify-write per event. Run under the job's settings (RocksDB, incremental checkpoints, parallelism), its rate
 * is the most the job could reach with free model math: the job's rate as a share of it says where the time goes.
 */
final class EngineFloor {
    static final String JOB_NAME = "freshrec-engine-floor";
    /** The stateful operator: uid and name. */
    static final String COUNT_UID = "engine-floor-count";

    static final String SINK_UID = "engine-floor-sink";

    /** Events seen per user: a boxed Long with explicit TypeInformation (no Kryo). */
    static final ValueStateDescriptor<Long> EVENTS = new ValueStateDescriptor<>("events", Types.LONG);

    private EngineFloor() {}

    /** Adds the floor's graph to {@code env} (an {@link io.freshrec.ops.EmbeddedRun.Graph}). */
    static void build(
            StreamExecutionEnvironment env,
            Configuration settings,
            InteractionSource source,
            String deadLetterLocation) {
        // Dead letters stay on parse's side output, unread: the generator's are few and the floor has no sink for them.
        FreshRecJob.Input input = new FreshRecJob(settings, source, null, null).input(env);
        input.timed
                .keyBy(event -> event.userId, Types.LONG)
                .process(new CountPerUser(), Types.VOID)
                .uid(COUNT_UID)
                .name(COUNT_UID)
                .sinkTo(new DiscardingSink<>())
                .uid(SINK_UID)
                .name(SINK_UID);
    }

    /** One state read and one write per event, nothing else. */
    static final class CountPerUser extends KeyedProcessFunction<Long, Interaction, Void> {
        private transient ValueState<Long> events;

        @Override
        public void open(Configuration parameters) {
            events = getRuntimeContext().getState(EVENTS);
        }

        @Override
        public void processElement(Interaction event, Context context, Collector<Void> out) throws Exception {
            Long seen = events.value();
            events.update(seen == null ? 1L : seen + 1);
        }
    }
}

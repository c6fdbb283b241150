package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.edges.EdgeTypes;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.QualityBreaker;
import io.freshrec.model.Recommendations;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.InteractionWatermarks;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.PrintSink;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;

/**
 * The FreshRec job: source -> parse (dead letters) -> watermarks -> user-history (keyed by user)
 * -> item-model (keyed by item) -> model-gate -> broadcast -> serving (keyed by user, queryable).
 * Sources and sinks are injected, so the command line wires the real ones and tests their own.
 */
public final class FreshRecJob {
    public static final String JOB_NAME = "freshrec";
    /** Key groups: fixed once, since it cannot change without losing state. */
    public static final int DEFAULT_MAX_PARALLELISM = 128;

    private final ModelConfig config;
    /** The settings outside the model, read once (one place maps the keys: {@link FreshRecOptions#jobSettings}). */
    private final FreshRecOptions.JobSettings job;

    private final QualityBreaker.Settings breaker;
    private final long driftWindowMs;
    private final InteractionSource source;
    private final Sink<DeadLetter> deadLetterSink;
    private final Sink<Recommendations> recommendationSink;

    /**
     * @param deadLetterSink where dead letters go; null only when the caller attaches its own sink to
     *     {@link Outputs#deadLetters} (as the Kafka wiring does)
     * @param recommendationSink optional sink of every recomputed list; null discards them
     */
    public FreshRecJob(
            Configuration settings,
            InteractionSource source,
            Sink<DeadLetter> deadLetterSink,
            Sink<Recommendations> recommendationSink) {
        this.config = FreshRecOptions.modelConfig(settings);
        this.job = FreshRecOptions.jobSettings(settings);
        this.breaker = FreshRecOptions.breakerSettings(settings);
        this.driftWindowMs = FreshRecOptions.driftWindowMs(settings);
        this.source = source;
        this.deadLetterSink = deadLetterSink;
        this.recommendationSink = recommendationSink == null ? new DiscardingSink<>() : recommendationSink;
    }

    public ModelConfig modelConfig() {
        return config;
    }

    /** The streams the graph produces, for callers that want to attach more sinks. */
    public static final class Outputs {
        public final SingleOutputStreamOperator<Recommendations> recommendations;
        public final DataStream<DeadLetter> deadLetters;
        public final SingleOutputStreamOperator<ModelUpdate> modelUpdates;
        /** Quality circuit breaker alerts (already printed; attach more sinks here). */
        public final DataStream<QualityAlert> qualityAlerts;

        Outputs(
                SingleOutputStreamOperator<Recommendations> recommendations,
                DataStream<DeadLetter> deadLetters,
                SingleOutputStreamOperator<ModelUpdate> modelUpdates,
                DataStream<QualityAlert> qualityAlerts) {
            this.recommendations = recommendations;
            this.deadLetters = deadLetters;
            this.modelUpdates = modelUpdates;
            this.qualityAlerts = qualityAlerts;
        }
    }

    /** The job's input: parsed interactions (dead letters on a side output) and the same with watermarks. */
    public static final class Input {
        /** Parse's output: its side output carries the dead letters. */
        public final SingleOutputStreamOperator<Interaction> parsed;
        /** Parsed interactions with event-time timestamps and watermarks. */
        public final SingleOutputStreamOperator<Interaction> timed;

        Input(SingleOutputStreamOperator<Interaction> parsed, SingleOutputStreamOperator<Interaction> timed) {
            this.parsed = parsed;
            this.timed = timed;
        }
    }

    /**
     * The job's parser: events more than max-future ahead of the clock are rejected, and from a live source those more
     * than max-lag behind it (replays of history are never too old).
     */
    InteractionParser parser() {
        return new InteractionParser(
                source.format(),
                job.maxFuture().toMillis(),
                source.isLive() ? job.maxLag().toMillis() : 0);
    }

    /**
     * Source -> parse -> watermarks, with the job's type and key-group settings on {@code env}: the front of the
     * job's graph, also the front of the bench's engine floor (which must cost exactly what the job's does).
     */
    public Input input(StreamExecutionEnvironment env) {
        // Kryo-serialized state cannot evolve: fail loudly on any type that would need it.
        env.getConfig().disableGenericTypes();
        if (env.getMaxParallelism() <= 0) {
            env.setMaxParallelism(DEFAULT_MAX_PARALLELISM);
        }

        WatermarkStrategy<String> atSource = source.sourceWatermarks();
        SingleOutputStreamOperator<String> raw = env.fromSource(
                        source.source(), atSource != null ? atSource : WatermarkStrategy.noWatermarks(), source.name())
                .uid(source.name());
        if (source.parallelism() > 0) {
            raw.setParallelism(source.parallelism());
        }

        SingleOutputStreamOperator<Interaction> parsed = raw.process(
                        new ParseFunction(parser(), driftWindowMs), FreshRecState.INTERACTION)
                .uid(FreshRecState.Uid.PARSE)
                .name(FreshRecState.Uid.PARSE)
                .setParallelism(raw.getParallelism());

        SingleOutputStreamOperator<Interaction> timed;
        if (atSource != null) {
            // Watermarks come from the source, per split (a Kafka partition): parsing keeps the timestamps.
            timed = parsed;
        } else {
            Duration bound = job.outOfOrderness();
            Duration idleAfter = job.idleness();
            WatermarkStrategy<Interaction> watermarks = WatermarkStrategy.<Interaction>forGenerator(
                            context -> new InteractionWatermarks<>(bound, idleAfter))
                    .withTimestampAssigner((event, previous) -> event.timestamp);
            timed = parsed.assignTimestampsAndWatermarks(watermarks)
                    .uid(FreshRecState.Uid.WATERMARKS)
                    .name(FreshRecState.Uid.WATERMARKS)
                    .setParallelism(raw.getParallelism());
        }
        return new Input(parsed, timed);
    }

    /**
     * Adds the job's graph to {@code env}; call {@code env.execute(JOB_NAME)} afterwards.
     *
     * <p>The edges user-history -> item-model (ItemUpdate), user-history -> serving (ProfileUpdate), item-model ->
     * model-gate (ItemSnapshot) and model-gate -> serving (ModelUpdate) use hand-written serializers
     * ({@link EdgeTypes}); state keeps its POJO types. Edge serializers are not in savepoints because checkpoints
     * are aligned: unaligned checkpoints are off (execution.checkpointing.unaligned.enabled: false in
     * flink-conf/config.yaml, also Flink's default, and nothing here or in FlinkSettings turns them on).
     * Object reuse (pipeline.object-reuse) stays off: it has not been verified safe for every function.
     */
    public Outputs build(StreamExecutionEnvironment env) {
        Input input = input(env);
        SingleOutputStreamOperator<Interaction> parsed = input.parsed;
        SingleOutputStreamOperator<Interaction> timed = input.timed;

        SingleOutputStreamOperator<ItemUpdate> itemUpdates = timed.keyBy(event -> event.userId, Types.LONG)
                .transform(
                        FreshRecState.Uid.USER_HISTORY,
                        EdgeTypes.ITEM_UPDATE,
                        new UserHistoryOperator(
                                        config,
                                        job.bundleMaxSize(),
                                        source.isLive()
                                                ? job.watermarkLagAlert().toMillis()
                                                : 0)
                                .alertOnNewIdsAbove(source.isLive() ? job.newIdRateAlert() : 0)
                                .cacheBytes(job.stateCacheBytes()))
                .uid(FreshRecState.Uid.USER_HISTORY)
                .name(FreshRecState.Uid.USER_HISTORY);

        SingleOutputStreamOperator<Void> itemModel = itemUpdates
                .keyBy(update -> update.item, Types.LONG)
                .transform(
                        FreshRecState.Uid.ITEM_MODEL,
                        Types.VOID,
                        new ItemModelOperator(config, job.bundleMaxSize(), job.stateCacheBytes())
                                .alertOnNewIdsAbove(source.isLive() ? job.newIdRateAlert() : 0))
                .uid(FreshRecState.Uid.ITEM_MODEL)
                .name(FreshRecState.Uid.ITEM_MODEL);

        SingleOutputStreamOperator<ModelUpdate> gate = itemModel
                .getSideOutput(FreshRecState.MODEL_DELTAS)
                .keyBy(snapshot -> 0, Types.INT)
                .process(new ModelGateFunction(config), EdgeTypes.MODEL_UPDATE)
                .uid(FreshRecState.Uid.MODEL_GATE)
                .name(FreshRecState.Uid.MODEL_GATE)
                .setParallelism(1);

        // connect(broadcast).process(function) would run the function in Flink's keyed-broadcast operator; serving's
        // subclass of it (the same broadcast states and timers) also writes users' state back before each barrier.
        SingleOutputStreamOperator<Recommendations> served = itemUpdates
                .getSideOutput(FreshRecState.PROFILE_UPDATES)
                .keyBy(profile -> profile.userId, Types.LONG)
                .connect(gate.broadcast())
                .transform(
                        FreshRecState.Uid.SERVING,
                        FreshRecState.RECOMMENDATIONS,
                        new ServingOperator(new ServingFunction(
                                        config,
                                        job.recallWindow(),
                                        job.alignToModel(),
                                        job.refreshIntervalMs(),
                                        breaker,
                                        driftWindowMs)
                                .trackServedItems(job.trackServedItems())
                                .maxItems(job.maxServingItems())
                                .cacheBytes(job.stateCacheBytes())))
                .uid(FreshRecState.Uid.SERVING)
                .name(FreshRecState.Uid.SERVING);
        served.sinkTo(recommendationSink)
                .uid(FreshRecState.Uid.RECOMMENDATION_SINK)
                .name(FreshRecState.Uid.RECOMMENDATION_SINK);
        // Quality alerts (also counted in serving's qualityAlerts and shown by qualityBreakerOpen): to the
        // TaskManager's standard error, which is the terminal of an embedded run.
        DataStream<QualityAlert> alerts = served.getSideOutput(FreshRecState.QUALITY_ALERTS);
        alerts.sinkTo(new PrintSink<>("freshrec quality alert", true))
                .uid(FreshRecState.Uid.QUALITY_ALERT_SINK)
                .name(FreshRecState.Uid.QUALITY_ALERT_SINK);

        DataStream<DeadLetter> deadLetters = parsed.getSideOutput(FreshRecState.DEAD_LETTERS)
                .union(
                        itemUpdates.getSideOutput(FreshRecState.DEAD_LETTERS),
                        gate.getSideOutput(FreshRecState.REJECTED_SNAPSHOTS));
        if (deadLetterSink != null) {
            deadLetters
                    .sinkTo(deadLetterSink)
                    .uid(FreshRecState.Uid.DEAD_LETTER_SINK)
                    .name(FreshRecState.Uid.DEAD_LETTER_SINK);
        }
        return new Outputs(served, deadLetters, gate, alerts);
    }
}

package io.freshrec.redis;

import io.freshrec.job.FreshRecState;
import io.freshrec.model.Recommendations;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;

/**
 * Every recomputed list to Redis, at least once, newest per user (docs/redis.md): each writer buffers the newest list
 * per user (up to {@link RedisSettings#batchSize()}) and writes them in one pipeline when the buffer is full, after
 * the flush interval, and before every checkpoint (Flink calls {@link SinkWriter#flush} then and waits for it), so a
 * checkpoint covers every list before it. Lists written after the last checkpoint of a run that then failed are
 * computed again after the restart and replace those, never the other way round ({@link WriteVersion}). Stateless.
 */
public final class RedisSink implements Sink<Recommendations> {
    private static final long serialVersionUID = 1L;

    private final RedisSettings settings;

    public RedisSink(RedisSettings settings) {
        this.settings = settings;
    }

    /**
     * Adds the sink to {@code served} (serving's output) when {@code settings} name a Redis URL: uid and name {@value
     * FreshRecState.Uid#REDIS_SINK}, serving's parallelism, so each serving subtask feeds its own writer in order.
     */
    public static void attach(DataStream<Recommendations> served, Configuration settings) {
        if (!RedisOptions.enabled(settings)) {
            return;
        }
        served.sinkTo(new RedisSink(RedisOptions.settings(settings)))
                .uid(FreshRecState.Uid.REDIS_SINK)
                .name(FreshRecState.Uid.REDIS_SINK)
                .setParallelism(served.getParallelism());
    }

    @Override
    @Deprecated
    public SinkWriter<Recommendations> createWriter(InitContext context) {
        return new RedisListWriter(
                settings, context.metricGroup(), context.getProcessingTimeService(), context.getSubtaskId());
    }

    @Override
    public SinkWriter<Recommendations> createWriter(WriterInitContext context) {
        return new RedisListWriter(
                settings,
                context.metricGroup(),
                context.getProcessingTimeService(),
                context.getTaskInfo().getIndexOfThisSubtask());
    }
}

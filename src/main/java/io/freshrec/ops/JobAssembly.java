package io.freshrec.ops;

import io.freshrec.job.FreshRecJob;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.kafka.KafkaOutputs;
import io.freshrec.redis.RedisOptions;
import io.freshrec.redis.RedisSink;
import io.freshrec.sources.InteractionSource;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The job with its real outputs, as the commands deploy it: with Kafka configured, dead letters, model
 * updates and recommendations go to Kafka topics; otherwise dead letters go to files. With a Redis URL, every
 * recomputed list also goes to Redis.
 */
public final class JobAssembly {
    private JobAssembly() {}

    public static FreshRecJob.Outputs build(
            StreamExecutionEnvironment env,
            Configuration settings,
            InteractionSource source,
            String deadLetterLocation) {
        boolean kafka = KafkaOptions.enabled(settings);
        boolean deadLettersToKafka =
                kafka && !settings.get(KafkaOptions.TOPIC_DEAD_LETTERS).isBlank();
        FreshRecJob job = new FreshRecJob(
                settings, source, deadLettersToKafka ? null : DeadLetterFiles.sink(deadLetterLocation), null);
        FreshRecJob.Outputs outputs = job.build(env);
        if (kafka) {
            KafkaOutputs.attach(outputs, settings);
        }
        RedisSink.attach(outputs.recommendations, settings);
        return outputs;
    }

    /** Where dead letters end up, for the user. */
    public static String deadLetterTarget(Configuration settings, String deadLetterLocation) {
        if (KafkaOptions.enabled(settings)
                && !settings.get(KafkaOptions.TOPIC_DEAD_LETTERS).isBlank()) {
            return "Kafka topic " + settings.get(KafkaOptions.TOPIC_DEAD_LETTERS);
        }
        return deadLetterLocation;
    }

    /** Where the Redis sink writes, for the user (without the password); null without one. */
    public static String redisTarget(Configuration settings) {
        if (!RedisOptions.enabled(settings)) {
            return null;
        }
        return RedisOptions.settings(settings).shownUrl() + " (hashes " + settings.get(RedisOptions.KEY_PREFIX)
                + "recs:<user>)";
    }
}

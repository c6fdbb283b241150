package io.freshrec.cli;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaInteractions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.redis.RedisOptions;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.RecordFile;
import io.freshrec.sources.SyntheticInteractions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/**
 * Where the job's interactions come from: the generator (default), a file replay, or a Kafka topic. Shared by every
 * command that starts the job (embedded {@code run} and the cluster entry point).
 */
public final class SourceOptions {
    @Option(
            names = "--input",
            description = "Replay this file (u.data, ratings.csv, ratings.dat or JSON lines) instead of the generator.")
    Path input;

    @Option(
            names = "--format",
            description = "Format of --input: ${COMPLETION-CANDIDATES}. Default: from the file name.")
    InputFormat format;

    @Option(
            names = "--speedup",
            defaultValue = "0",
            description =
                    "Replay paced at this many times real time (gaps capped at 1 s); 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
    double speedup;

    @Option(
            names = "--rate",
            defaultValue = "2000",
            description = "Generator events per second; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--users", defaultValue = "10000", description = "Generator users. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(
            names = "--items",
            defaultValue = "5000",
            description = "Generator catalogue size (half at start, growing). Default: ${DEFAULT-VALUE}.")
    int items;

    @Option(names = "--seed", defaultValue = "42", description = "Generator seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--bad-rate",
            defaultValue = "0.001",
            description =
                    "Share of deliberately malformed generator records (they go to dead letters). Default: ${DEFAULT-VALUE}.")
    double badRate;

    @Option(names = "--events", description = "Stop the generator after this many events (default: endless).")
    Long events;

    @Option(
            names = "--keep-running",
            description = "Keep the job up after a finite input (--input, or --events) has been read: the model stays "
                    + "served and can be versioned (savepoint) and continued (run --from with more events).")
    boolean keepRunning;

    @Option(
            names = "--kafka",
            paramLabel = "BOOTSTRAP_SERVERS",
            description = "Read interactions from Kafka (host:port,...) and write dead letters, model updates and "
                    + "recommendations to Kafka topics (same as -D freshrec.kafka.bootstrap-servers=...).")
    String kafka;

    @Option(
            names = "--kafka-topic",
            description = "Interactions topic. Default: freshrec.kafka.topic.interactions (freshrec-interactions).")
    String kafkaTopic;

    @Option(
            names = "--kafka-starting-offsets",
            description =
                    "committed | earliest | latest | timestamp:EPOCH_MS, when no checkpoint says otherwise. Default: committed.")
    String kafkaStartingOffsets;

    @Option(
            names = "--redis",
            paramLabel = "URL",
            description = "Also write every recomputed list to Redis, redis://[user:password@]host[:port][/db] (same as"
                    + " -D freshrec.redis.url=...; keys and format: docs/redis.md). Give a password as a reference,"
                    + " '${env:NAME}', to keep it out of the version registry.")
    String redis;

    /**
     * Builds the source these options describe. May adjust {@code conf} (a full-speed replay turns on
     * align-to-model unless {@code overrides} set it). Bad values throw IllegalArgumentException.
     */
    public InteractionSource create(Configuration conf, Map<String, String> overrides) {
        if (kafka != null) {
            if (kafka.isBlank()) {
                throw new IllegalArgumentException("--kafka needs bootstrap servers, e.g. --kafka localhost:9092");
            }
            conf.set(KafkaOptions.BOOTSTRAP_SERVERS, kafka);
        }
        if (redis != null) {
            if (redis.isBlank()) {
                throw new IllegalArgumentException("--redis needs a URL, e.g. --redis redis://127.0.0.1:6379");
            }
            RedisOptions.checkUrl("--redis", redis);
            conf.set(RedisOptions.URL, redis);
        }
        if (RedisOptions.enabled(conf)) {
            // A malformed URL (or a missing ${env:NAME}) fails here, in one line, before anything starts.
            RedisOptions.settings(conf);
        }
        if (kafkaTopic != null) {
            conf.set(KafkaOptions.TOPIC_INTERACTIONS, kafkaTopic);
        }
        if (kafkaStartingOffsets != null) {
            conf.set(KafkaOptions.STARTING_OFFSETS, kafkaStartingOffsets);
        }
        if (input == null && KafkaOptions.enabled(conf)) {
            return KafkaInteractions.source(conf);
        }
        if (input != null) {
            if (!Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--input " + input + ": no such file");
            }
            if (speedup < 0) {
                throw new IllegalArgumentException("--speedup must be >= 0");
            }
            if (speedup == 0 && !overrides.containsKey(FreshRecOptions.ALIGN_TO_MODEL.key())) {
                // A full-speed replay compresses years into seconds: without alignment the model would
                // lag hundreds of events behind each user and the prequential figure would say so.
                conf.set(FreshRecOptions.ALIGN_TO_MODEL, true);
            }
            if (speedup == 0 && !overrides.containsKey(FreshRecOptions.BREAKER_ENABLED.key())) {
                // Years in seconds: the quality breaker's hold and baseline are live-stream settings, and freezing
                // serving would change what the replay measures. Set it explicitly to watch it on a replay.
                conf.set(FreshRecOptions.BREAKER_ENABLED, false);
            }
            return InteractionSource.replay(input, inputFormat(), speedup, keepRunning);
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be >= 0");
        }
        if (events != null && events < 1) {
            throw new IllegalArgumentException("--events must be at least 1");
        }
        SyntheticInteractions world = SyntheticInteractions.defaults(
                        seed, users, items, rate > 0 ? rate : 10_000, System.currentTimeMillis())
                .withBadRecordRate(badRate);
        // Rate-limited runs are live: events carry the wall clock. Unthrottled runs use the synthetic clock.
        return InteractionSource.generator(
                world, events == null ? Long.MAX_VALUE : events, rate, rate > 0, keepRunning);
    }

    private InputFormat inputFormat() {
        return format != null ? format : InputFormat.detect(input);
    }

    /** A few users who will have recommendations, for sample lookups. */
    public long[] sampleUsers() throws IOException {
        return input == null ? new long[] {1, 2, 3} : firstUsers(input, inputFormat(), 3);
    }

    private static long[] firstUsers(Path file, InputFormat format, int count) throws IOException {
        InteractionParser parser = new InteractionParser(format);
        Set<Long> users = new LinkedHashSet<>();
        int[] read = {0};
        RecordFile.scan(file, (offset, length, line) -> {
            if (users.size() < count && read[0]++ < 10_000) {
                ParseResult result = parser.parse(line, Long.MAX_VALUE / 2);
                if (result.isValid()) {
                    users.add(result.interaction().userId);
                }
            }
        });
        return users.stream().mapToLong(Long::longValue).toArray();
    }
}

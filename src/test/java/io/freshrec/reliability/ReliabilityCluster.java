package io.freshrec.reliability;

import io.freshrec.job.FreshRecJob;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.FreshRecCluster;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;

/**
 * The MiniCluster of one reliability test class (FreshRecCluster's: RocksDB, queryable state, one TaskManager with
 * two slots) on the ports {@code base} (REST), {@code base + 1} (queryable-state proxy) and {@code base + 2} (state
 * server) of the class's {@link io.freshrec.testing.TestPorts} block (further ports of the block are the class's own,
 * e.g. KafkaBrokerRestartIT's broker), with metrics fetched every 500 ms, and the job settings the faults need:
 * checkpoints every 500 ms and a restart strategy that restarts after a failure.
 */
final class ReliabilityCluster {
    private ReliabilityCluster() {}

    /** flink-conf/config.yaml, the settings FreshRec ships. */
    private static final Configuration SHIPPED =
            FlinkSettings.load(Path.of("flink-conf"), Map.of(), Path.of("").toAbsolutePath());

    static Configuration configuration(int base) {
        Configuration conf = FreshRecCluster.configuration(base + 1, base + 2);
        // The in-flight data FreshRec ships (flink-conf/config.yaml): debloated to about 1 s of throughput.
        conf.set(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED, SHIPPED.get(TaskManagerOptions.BUFFER_DEBLOAT_ENABLED));
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        conf.set(RestOptions.BIND_PORT, Integer.toString(base));
        return conf;
    }

    /** {@code conf} with the managed memory flink-conf/config.yaml gives RocksDB. */
    static Configuration withShippedManagedMemory(Configuration conf) {
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, SHIPPED.get(TaskManagerOptions.MANAGED_MEMORY_SIZE));
        return conf;
    }

    static MiniClusterExtension extension(int base) {
        return FreshRecCluster.extension(configuration(base));
    }

    static FlinkRest rest(MiniClusterExtension cluster) {
        Configuration client = cluster.getClientConfiguration();
        return new FlinkRest(
                URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT) + "/"));
    }

    /** Lookups of one job through the proxy of the cluster on {@code base}, retrying for {@code timeout}. */
    static RecommendationClient lookups(int base, JobID job, Duration timeout) throws Exception {
        return new RecommendationClient("localhost", base + 1, URI.create("http://localhost:1"), job, timeout);
    }

    /** Submits the job built in {@code env}, restored from {@code savepoint} (a savepoint or retained checkpoint) if not null. */
    static JobClient execute(StreamExecutionEnvironment env, String savepoint) throws Exception {
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        return env.executeAsync(graph);
    }

    /**
     * A job environment: the checkpoint mode FreshRec ships (flink-conf/config.yaml: exactly once, aligned),
     * checkpoints every 500 ms, up to 10 restarts 500 ms apart.
     */
    static StreamExecutionEnvironment environment(int parallelism) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        Configuration mode = new Configuration();
        SHIPPED.toMap().forEach((key, value) -> {
            if (key.startsWith("execution.checkpointing.unaligned")
                    || key.equals("execution.checkpointing.aligned-checkpoint-timeout")
                    || key.equals("execution.checkpointing.mode")) {
                mode.setString(key, value);
            }
        });
        if (mode.toMap().size() < 2) {
            throw new IllegalStateException("flink-conf/config.yaml lost its checkpoint mode settings: " + mode);
        }
        env.configure(mode);
        env.enableCheckpointing(500);
        Configuration restarts = new Configuration();
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 10);
        restarts.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(500));
        env.configure(restarts);
        return env;
    }
}

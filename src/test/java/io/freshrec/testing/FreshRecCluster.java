package io.freshrec.testing;

import io.freshrec.rest.FlinkRest;
import java.net.URI;
import java.time.Duration;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.QueryableStateOptions;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;

/** A shared MiniCluster like the embedded run's: RocksDB, queryable state, two slots. */
public final class FreshRecCluster {
    private FreshRecCluster() {}

    public static Configuration configuration(int proxyPort, int serverPort) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(QueryableStateOptions.ENABLE_QUERYABLE_STATE_PROXY_SERVER, true);
        conf.set(QueryableStateOptions.PROXY_PORT_RANGE, String.valueOf(proxyPort));
        conf.set(QueryableStateOptions.SERVER_PORT_RANGE, String.valueOf(serverPort));
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(2));
        conf.setString("pipeline.generic-types", "false");
        return conf;
    }

    public static MiniClusterExtension extension(int proxyPort, int serverPort) {
        return extension(configuration(proxyPort, serverPort));
    }

    /**
     * As {@link #extension(int, int)}, with metrics fetched every 500 ms: for tests that wait for watermarks
     * through the REST API.
     */
    public static MiniClusterExtension extensionWatchingWatermarks(int proxyPort, int serverPort) {
        Configuration conf = configuration(proxyPort, serverPort);
        conf.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofMillis(500));
        return extension(conf);
    }

    /** As {@link #extension(int, int)} with a configuration of the caller's (usually {@link #configuration} adjusted). */
    public static MiniClusterExtension extension(Configuration configuration) {
        return new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
                .setConfiguration(configuration)
                .setNumberTaskManagers(1)
                .setNumberSlotsPerTaskManager(2)
                .build());
    }

    /** The REST API of a cluster started by one of the extensions above. */
    public static FlinkRest rest(MiniClusterExtension cluster) {
        Configuration client = cluster.getClientConfiguration();
        return new FlinkRest(
                URI.create("http://" + client.get(RestOptions.ADDRESS) + ":" + client.get(RestOptions.PORT)));
    }

    /** Cancels every job a test left active on {@code cluster} and waits until each has ended. */
    public static void cancelActiveJobs(MiniClusterExtension cluster) throws Exception {
        FlinkRest rest = rest(cluster);
        for (String job : rest.activeJobs()) {
            rest.cancel(job);
            rest.awaitTerminal(job, Duration.ofSeconds(30));
        }
    }
}

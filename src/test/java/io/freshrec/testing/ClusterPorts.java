package io.freshrec.testing;

import java.util.List;

/**
 * Ports of one standalone cluster started by src/main/scripts/flink-cluster.sh in a test, from a TestPorts block of
 * 32, in the script's layout with room for TaskManagers 0 and 1: +0 the script's port base (JobManager +0 to +2,
 * TaskManager N +10+10N to +12+10N), +3 queryable-state proxy and +4 state server (TaskManager N: +10N), +5 REST,
 * +6..+8 Prometheus; +24 and up are free for the test's own servers.
 */
public final class ClusterPorts {
    public final TestPorts.Block block = TestPorts.ports(32);
    public final int portBase = block.port(0);
    public final int proxy = block.port(3);
    public final int server = block.port(4);
    public final int rest = block.port(5);

    /** The {@code -D} settings of {@code flink-cluster.sh start} every such test uses: memory and Prometheus ports. */
    public List<String> startSettings() {
        return List.of(
                "-D",
                "taskmanager.memory.process.size=1600m",
                "-D",
                "taskmanager.memory.managed.size=256m",
                "-D",
                "metrics.reporter.prom.port=" + block.range(6, 8));
    }
}

package io.freshrec.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.TestPorts;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster script's answers to bad input and to a cluster that is not running: one line, a non-zero status,
 * and nothing started. (Starting a real cluster is StandaloneClusterE2ETest's job, in the cluster-e2e profile.)
 */
class FlinkClusterScriptTest {
    private static final Path SCRIPT =
            Path.of("src/main/scripts/flink-cluster.sh").toAbsolutePath();
    /**
     * Ports of this class only (TestPorts), in the script's layout: 0 its port base (JobManager +0 to +2, TaskManager
     * 0 +10 to +12), 3 queryable-state proxy, 4 state server, 5 REST. Nothing binds them here; a busy one is made
     * busy on purpose.
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(3);

    @TempDir
    Path dir;

    private record Result(int code, String out, String err) {}

    private Result script(Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SCRIPT.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put("FRESHREC_CLUSTER_DIR", dir.resolve("cluster").toString());
        builder.environment().put("FRESHREC_CLUSTER_REST_PORT", PORTS.text(5));
        builder.environment().put("FRESHREC_CLUSTER_PORT_BASE", PORTS.text(0));
        builder.environment().put("FRESHREC_CLUSTER_QS_PROXY_PORT", Integer.toString(PROXY_PORT));
        builder.environment().put("FRESHREC_CLUSTER_QS_SERVER_PORT", PORTS.text(4));
        builder.environment().putAll(env);
        Process process = builder.start();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the script ended").isTrue();
        return new Result(
                process.exitValue(),
                new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
                new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
    }

    private static void assertOneLine(Result result, int code, String message) {
        assertThat(result.err).isEqualTo(message + "\n");
        assertThat(result.code).isEqualTo(code);
    }

    @Test
    void shouldAnswerBadInputWithOneLineAndStartNothing() throws Exception {
        assertOneLine(
                script(Map.of(), "start", "-D", "taskmanager.numberOfTaskSlots"),
                1,
                "flink-cluster: -D needs key=value, not 'taskmanager.numberOfTaskSlots'");
        assertOneLine(
                script(Map.of(), "start", "--slots", "4"),
                1,
                "flink-cluster: unknown argument '--slots' (start takes -D key=value)");
        assertOneLine(
                script(Map.of("FRESHREC_CLUSTER_REST_PORT", "http"), "status"),
                1,
                "flink-cluster: bad port 'http' (FRESHREC_CLUSTER_*_PORT*)");
        assertOneLine(
                script(Map.of("FRESHREC_CLUSTER_QS_PROXY_PORT", "70000"), "start"),
                1,
                "flink-cluster: bad port '70000' (FRESHREC_CLUSTER_*_PORT*)");
        assertOneLine(script(Map.of(), "kill-taskmanager", "x"), 1, "flink-cluster: bad TaskManager number 'x'");
        assertThat(dir.resolve("cluster")).doesNotExist();
    }

    @Test
    void shouldRefuseABusyPortBeforeCollectingAnything() throws Exception {
        try (ServerSocket busy = new ServerSocket(PROXY_PORT, 1, InetAddress.getLoopbackAddress())) {
            assertOneLine(
                    script(Map.of(), "start"),
                    1,
                    "flink-cluster: port " + PROXY_PORT
                            + " on 127.0.0.1 is in use (another cluster?); pick others with FRESHREC_CLUSTER_*PORT*");
        }
        assertThat(dir.resolve("cluster")).doesNotExist();
    }

    @Test
    void shouldSayWhatIsNotRunning() throws Exception {
        Result status = script(Map.of(), "status");
        assertThat(status.code).isEqualTo(3);
        assertThat(status.out).isEqualTo("The cluster is not running (" + dir.resolve("cluster") + ").\n");
        assertOneLine(script(Map.of(), "kill-taskmanager"), 1, "flink-cluster: no TaskManager is running");
        assertOneLine(script(Map.of(), "kill-taskmanager", "3"), 1, "flink-cluster: TaskManager 3 is not running");
        assertOneLine(
                script(Map.of(), "start-taskmanager"), 1, "flink-cluster: the cluster is not running (start it first)");
        assertOneLine(
                script(Map.of(), "logs"),
                1,
                "flink-cluster: no logs in " + dir.resolve("cluster/log") + " (the cluster never started here)");
        Result stop = script(Map.of(), "stop");
        assertThat(stop.code).isZero();
        assertThat(stop.out).isEqualTo("The cluster is not running.\n");
    }

    @Test
    void shouldBeExecutableAsCheckedIn() {
        assertThat(Files.isExecutable(SCRIPT))
                .as("%s is executable (users run it directly)", SCRIPT)
                .isTrue();
    }

    @Test
    void shouldPrintItsUsageForAnUnknownCommand() throws Exception {
        Result usage = script(Map.of(), "restart");
        assertThat(usage.code).isEqualTo(2);
        assertThat(usage.out)
                .startsWith("A local standalone Flink session cluster")
                .contains(
                        "flink-cluster.sh start [-D key=value ...]",
                        "kill-taskmanager [N]",
                        "FRESHREC_CLUSTER_REST_PORT [28081]")
                .doesNotContain("set -euo pipefail");
    }

    @Test
    void shouldStopOnlyProcessesOfItsOwnCluster() throws Exception {
        // A pid file left behind whose pid now belongs to another process (here: a sleep of this test) is not ours.
        Process other = new ProcessBuilder("sleep", "30").start();
        try {
            Path pids = Files.createDirectories(dir.resolve("cluster/pids"));
            Files.writeString(pids.resolve("jobmanager.pid"), other.pid() + "\n");
            Files.writeString(pids.resolve("taskmanager-0.pid"), other.pid() + "\n");
            Result stop = script(Map.of(), "stop");
            assertThat(stop.code).as(stop.err).isZero();
            assertThat(stop.out).isEqualTo("The cluster is not running.\n");
            assertThat(other.isAlive()).isTrue();
        } finally {
            other.destroy();
        }
    }
}

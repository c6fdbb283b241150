package io.freshrec.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * The {@code -D} settings that put an embedded run ({@code freshrec run}, {@code evaluate}) of a test on the test
 * class's own ports and directories: ports 0 Flink REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus of
 * {@code ports}; checkpoints and temporary files under {@code work}.
 */
public final class EmbeddedRunSettings {
    private EmbeddedRunSettings() {}

    public static List<String> of(TestPorts.Block ports, Path work) {
        return List.of(
                "-D",
                "rest.port=" + ports.port(0),
                "-D",
                "queryable-state.proxy.ports=" + ports.port(1),
                "-D",
                "queryable-state.server.ports=" + ports.port(2),
                "-D",
                "metrics.reporter.prom.port=" + ports.range(3, 4),
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp"));
    }
}

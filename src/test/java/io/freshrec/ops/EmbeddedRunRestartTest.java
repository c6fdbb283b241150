package io.freshrec.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.InputFormat;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SequenceSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.datagen.source.GeneratorFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A bounded embedded run whose source fails once mid-stream recovers and finishes, and says so: its accumulated
 * figures come from the job's last attempt only, so a run that restarted must not pass for a whole one (evaluate
 * refuses to print its table then). A clean run reports no restart (EvaluateCommandTest, FreshRecCliTest).
 */
class EmbeddedRunRestartTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int EVENTS = 3000;
    private static final long FAIL_AT = 1500;
    private static final AtomicBoolean FAILED = new AtomicBoolean();

    @TempDir
    Path work;

    @Test
    void shouldCountTheFailuresTheJobRecoveredFromAndSayTheTotalsArePartial() throws Exception {
        Configuration conf = FlinkSettings.load(
                Path.of("flink-conf"),
                Map.of(
                        "rest.port",
                        PORTS.text(0),
                        "queryable-state.proxy.ports",
                        PORTS.text(1),
                        "queryable-state.server.ports",
                        PORTS.text(2),
                        "metrics.reporter.prom.port",
                        PORTS.text(3),
                        "execution.checkpointing.dir",
                        work.resolve("checkpoints").toUri().toString(),
                        "execution.checkpointing.interval",
                        "500 ms",
                        "execution.checkpointing.min-pause",
                        "100 ms",
                        "io.tmp.dirs",
                        work.resolve("tmp").toString()),
                Path.of("").toAbsolutePath());
        SyntheticInteractions world = SyntheticInteractions.defaults(7, 200, 100, 10_000, 1_700_000_000_000L);
        GeneratorFunction<Long, String> lines = n -> {
            if (n == FAIL_AT && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException("injected failure at record " + n);
            }
            return world.lineAt(n);
        };
        InteractionSource source = new InteractionSource(
                new SequenceSource<>(lines, EVENTS, RateLimiterStrategy.perSecond(2000), false, Types.STRING),
                InteractionSource.GENERATOR,
                1,
                InputFormat.JSON_LINES);
        StringWriter text = new StringWriter();

        EmbeddedRun.Summary summary = new EmbeddedRun(conf, source, work.resolve("dead-letters"), new PrintWriter(text))
                .run(null, Duration.ofSeconds(2), new long[0]);

        assertThat(FAILED).as("the failure was thrown").isTrue();
        assertThat(summary.restarts).as(text.toString()).isEqualTo(1);
        assertThat(summary.firstFailure).contains("injected failure at record " + FAIL_AT);
        assertThat(text.toString())
                .contains("Finished (FINISHED)")
                .contains("The job recovered from 1 failure(s) (the first: ")
                .contains(
                        "these totals count the events after its last restore from a checkpoint, not the whole input");
    }
}

package io.freshrec.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JFR summariser on a recording made in the test while a named thread burns CPU. */
class JfrTopTest {
    @TempDir
    Path dir;

    @Test
    void shouldCountSamplesOfABusyThreadUnderItsNameWithoutSubtaskSuffix() throws Exception {
        Path file = dir.resolve("burn.jfr");
        try (Recording recording = new Recording()) {
            recording.enable(JfrTop.EXECUTION_SAMPLE).withPeriod(Duration.ofMillis(10));
            recording.start();
            Thread burner = new Thread(JfrTopTest::burn, "burner (1/2)#0");
            burner.start();
            burner.join();
            recording.stop();
            recording.dump(file);
        }

        JfrTop.Summary summary = JfrTop.summarize(file);

        assertThat(summary.samples).isPositive();
        assertThat(summary.threads).containsKey("burner").doesNotContainKey("burner (1/2)#0");
        assertThat(summary.percent(summary.threads.get("burner"))).isPositive();
        assertThat(summary.topFrames.values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(summary.samples);
        StringWriter text = new StringWriter();
        JfrTop.print(summary, 20, new PrintWriter(text));
        assertThat(text.toString()).contains("| burner |", "jdk.ExecutionSample events");
    }

    @Test
    void shouldStripFlinkSubtaskSuffixes() {
        assertThat(JfrTop.stripSubtask("serving (1/2)#0")).isEqualTo("serving");
        assertThat(JfrTop.stripSubtask("Source: generator -> parse -> watermarks (2/2)#3"))
                .isEqualTo("Source: generator -> parse -> watermarks");
        assertThat(JfrTop.stripSubtask("item-model (1/1)")).isEqualTo("item-model");
        assertThat(JfrTop.stripSubtask("main")).isEqualTo("main");
    }

    /** About 1.5 s of pure CPU: enough 10 ms samples even on a busy machine. */
    private static void burn() {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1500);
        double x = 1;
        while (System.nanoTime() < end) {
            for (int i = 0; i < 10_000; i++) {
                x = Math.sqrt(x + i);
            }
        }
        if (x < 0) {
            System.out.println(x);
        }
    }
}

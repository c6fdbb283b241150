package io.freshrec.cli;

import java.time.Duration;
import picocli.CommandLine.Option;

/** How often a long-running command prints a progress line; shared by run, produce, bootstrap and evaluate. */
final class ProgressOptions {
    @Option(
            names = "--progress",
            defaultValue = "5s",
            converter = DurationConverter.class,
            descriptionKey = "progress",
            description = "Interval of progress lines. Default: ${DEFAULT-VALUE}.")
    Duration progress;

    /** The interval, for the commands that refuse 0 (negative durations do not convert). */
    Duration positive() {
        if (progress.isZero() || progress.isNegative()) {
            throw new IllegalArgumentException("--progress must be positive");
        }
        return progress;
    }
}

package io.freshrec.cli;

import java.time.Duration;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;

/** Durations as Flink writes them: {@code 90s}, {@code 5 min}, {@code 2h}, {@code 500ms}. */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            Duration duration = TimeUtils.parseDuration(value);
            if (duration.isNegative()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is negative");
            }
            return duration;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException("'" + value + "' is not a duration (e.g. 90s, 5min, 2h)");
        }
    }
}

package io.freshrec.versions;

import java.nio.file.Path;
import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/** Settings of the version registry (in {@code flink-conf/config.yaml} beside the others, {@code -D} overrides). */
public final class VersionOptions {
    private VersionOptions() {}

    public static final ConfigOption<String> DIR = ConfigOptions.key("freshrec.versions.dir")
            .stringType()
            .defaultValue("savepoints")
            .withDescription("Directory of the version registry (versions.json); relative to the working directory.");

    public static final ConfigOption<Duration> INTERVAL = ConfigOptions.key("freshrec.versions.interval")
            .durationType()
            .defaultValue(Duration.ZERO)
            .withDescription("Take an automatic version (savepoint) this often while the embedded run or "
                    + "'savepoint --every' runs; 0 = off.");

    public static final ConfigOption<Integer> RETAIN = ConfigOptions.key("freshrec.versions.retain")
            .intType()
            .defaultValue(10)
            .withDescription("Automatic versions kept (the newest); older untagged ones are removed with their "
                    + "savepoints. Manual, safety and tagged versions are never removed automatically.");

    /** The registry directory a configuration names, resolved against {@code baseDir} when relative. */
    public static Path directory(Configuration conf, Path baseDir) {
        Path dir = Path.of(conf.get(DIR));
        return (dir.isAbsolute() ? dir : baseDir.resolve(dir)).toAbsolutePath().normalize();
    }

    /** Validated interval (not negative). */
    public static Duration interval(Configuration conf) {
        Duration interval = conf.get(INTERVAL);
        if (interval.isNegative()) {
            throw new IllegalArgumentException(INTERVAL.key() + " must not be negative");
        }
        return interval;
    }

    /** Validated retention (at least 1). */
    public static int retain(Configuration conf) {
        int retain = conf.get(RETAIN);
        if (retain < 1) {
            throw new IllegalArgumentException(RETAIN.key() + " must be at least 1");
        }
        return retain;
    }
}

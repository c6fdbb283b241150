package io.freshrec.ops;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.GlobalConfiguration;

/** Loads {@code flink-conf/config.yaml} the way a cluster does, plus command-line overrides. */
public final class FlinkSettings {
    private FlinkSettings() {}

    /**
     * Reads {@code confDir/config.yaml}, applies {@code overrides}, and turns relative state and
     * temp directories into absolute URIs under {@code baseDir}. Throws IllegalArgumentException with
     * a one-line message when the directory or file is missing.
     */
    public static Configuration load(Path confDir, Map<String, String> overrides, Path baseDir) {
        if (!Files.isRegularFile(confDir.resolve("config.yaml"))) {
            throw new IllegalArgumentException("no config.yaml in " + confDir.toAbsolutePath()
                    + " (run from the repository root or pass --flink-conf DIR)");
        }
        Configuration conf =
                GlobalConfiguration.loadConfiguration(confDir.toAbsolutePath().toString());
        overrides.forEach(conf::setString);
        absolutise(conf, CheckpointingOptions.CHECKPOINTS_DIRECTORY, baseDir);
        absolutise(conf, CheckpointingOptions.SAVEPOINT_DIRECTORY, baseDir);
        String tmp = conf.get(CoreOptions.TMP_DIRS);
        if (tmp != null && !tmp.isBlank() && !Path.of(tmp).isAbsolute()) {
            Path dir = baseDir.resolve(tmp).toAbsolutePath().normalize();
            conf.set(CoreOptions.TMP_DIRS, dir.toString());
        }
        return conf;
    }

    private static void absolutise(Configuration conf, ConfigOption<String> option, Path baseDir) {
        String value = conf.get(option);
        if (value == null || value.isBlank() || value.contains("://")) {
            return;
        }
        Path path = Path.of(value);
        if (!path.isAbsolute()) {
            path = baseDir.resolve(path);
        }
        conf.set(option, path.toAbsolutePath().normalize().toUri().toString());
    }
}

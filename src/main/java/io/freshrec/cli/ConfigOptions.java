package io.freshrec.cli;

import io.freshrec.ops.FlinkSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.flink.configuration.ConfigConstants;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.GlobalConfiguration;
import picocli.CommandLine.Option;

/**
 * The settings a command works with: config.yaml of {@code --flink-conf} and {@code -D} overrides. Shared by run,
 * bootstrap, evaluate, bench, inspect and export (their own settings), and by submit and the job's entry class
 * (the job's settings on the cluster). The commands that describe them differently (whose settings, which default
 * directory) do so in Options.properties; the option itself is declared here only.
 */
final class ConfigOptions {
    /** The directory when --flink-conf is not given, for the commands that read it on this machine. */
    static final Path DEFAULT_DIRECTORY = Path.of("flink-conf");

    // No defaultValue: on a cluster the default is $FLINK_CONF_DIR (see clusterSettings); directory() has ./flink-conf.
    @Option(
            names = "--flink-conf",
            paramLabel = "DIR",
            descriptionKey = "flink-conf",
            description = "Directory with config.yaml. Default: flink-conf.")
    Path flinkConf;

    @Option(
            names = {"-D", "--set"},
            paramLabel = "KEY=VALUE",
            descriptionKey = "set",
            description = "Override a setting of config.yaml, e.g. -D freshrec.model.history-length=20.")
    Map<String, String> overrides = new LinkedHashMap<>();

    /** --flink-conf, else ./flink-conf. */
    Path directory() {
        return flinkConf != null ? flinkConf : DEFAULT_DIRECTORY;
    }

    /** config.yaml of {@link #directory()} with the overrides; fails when there is none. */
    Configuration load() {
        return FlinkSettings.load(directory(), overrides, Path.of("").toAbsolutePath());
    }

    /** As {@link #load()}, but FreshRec's defaults (with the overrides) when the directory has no config.yaml. */
    Configuration loadOrDefaults() {
        return loadOrDefaults(directory(), overrides);
    }

    /** config.yaml of {@code directory} with {@code overrides}, else Flink's and FreshRec's defaults with them. */
    static Configuration loadOrDefaults(Path directory, Map<String, String> overrides) {
        if (Files.isRegularFile(directory.resolve("config.yaml"))) {
            return FlinkSettings.load(directory, overrides, Path.of("").toAbsolutePath());
        }
        Configuration settings = new Configuration();
        overrides.forEach(settings::setString);
        return settings;
    }

    /** The settings of a job on a cluster: --flink-conf (or $FLINK_CONF_DIR, ./flink-conf) and the overrides. */
    Configuration clusterSettings() {
        Path conf = flinkConf;
        if (conf == null) {
            String env = System.getenv(ConfigConstants.ENV_FLINK_CONF_DIR);
            conf = env != null && Files.isDirectory(Path.of(env)) ? Path.of(env) : DEFAULT_DIRECTORY;
        }
        if (!Files.isRegularFile(conf.resolve(GlobalConfiguration.FLINK_CONF_FILENAME))) {
            // A cluster whose directory holds only the legacy flink-conf.yaml, or nothing: its own
            // configuration (e.g. a FlinkDeployment's flinkConfiguration) plus the overrides.
            Configuration settings = Files.isDirectory(conf)
                    ? GlobalConfiguration.loadConfiguration(conf.toString())
                    : new Configuration();
            overrides.forEach(settings::setString);
            return settings;
        }
        return FlinkSettings.load(conf, overrides, Path.of("").toAbsolutePath());
    }
}

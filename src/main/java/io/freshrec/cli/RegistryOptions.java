package io.freshrec.cli;

import io.freshrec.versions.VersionOptions;
import io.freshrec.versions.VersionRegistry;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine.Option;

/** Where the version registry is: {@code --registry DIR}, else {@code freshrec.versions.dir} of ./flink-conf, else savepoints/. */
final class RegistryOptions {
    @Option(
            names = "--registry",
            paramLabel = "DIR",
            description =
                    "Version registry directory (versions.json). Default: freshrec.versions.dir of flink-conf/config.yaml (savepoints).")
    Path registry;

    VersionRegistry registry() {
        return new VersionRegistry(directory(null));
    }

    /** The settings of ./flink-conf/config.yaml when there is one, else Flink's and FreshRec's defaults. */
    Configuration configuration() {
        return ConfigOptions.loadOrDefaults(ConfigOptions.DEFAULT_DIRECTORY, Map.of());
    }

    /** The directory: --registry, else the setting of {@code conf} (or of ./flink-conf when null), else savepoints/. */
    Path directory(Configuration conf) {
        Path cwd = Path.of("").toAbsolutePath();
        if (registry != null) {
            return registry.toAbsolutePath().normalize();
        }
        return VersionOptions.directory(conf != null ? conf : configuration(), cwd);
    }
}

package io.freshrec.cli;

import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.ModelConfig;
import io.freshrec.offline.SavepointModel;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The model version an offline command reads: a savepoint path or URI, or a version of the registry; and the
 * settings of the job that wrote it (a savepoint does not record them): a version's recorded job arguments,
 * else {@code --flink-conf} and {@code -D}.
 */
final class SavepointSource {
    @Parameters(
            index = "0",
            paramLabel = "SAVEPOINT|VERSION",
            description =
                    "A savepoint (directory, its _metadata, or a URI) or a model version of the registry (v3, 3 or a tag).")
    String target;

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--reader-backend",
            defaultValue = "auto",
            paramLabel = "auto|heap|rocksdb",
            description = "State backend that restores the savepoint for reading: auto (heap for canonical savepoints, "
                    + "RocksDB for native ones), heap, or rocksdb (canonical savepoints larger than this JVM's heap). "
                    + "Default: ${DEFAULT-VALUE}.")
    String readerBackend;

    @Mixin
    RegistryOptions registryOptions;

    /** A resolved source: where the savepoint is, which version it is, the job's settings and where they came from. */
    record Resolved(
            String savepoint,
            String version,
            Configuration settings,
            String settingsSource,
            SavepointModel.ReaderBackend backend) {
        ModelConfig modelConfig() {
            try {
                return FreshRecOptions.modelConfig(settings);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("settings (" + settingsSource + "): " + e.getMessage());
            }
        }

        /** The savepoint, opened; one-line failures when it is missing or unreadable. */
        SavepointModel open(PrintWriter progress) {
            try {
                return SavepointModel.open(savepoint, settings, progress).withBackend(backend);
            } catch (IOException e) {
                throw new FreshRecCli.CommandFailure(e.getMessage());
            }
        }

        String label() {
            return version != null ? version + " (" + savepoint + ")" : savepoint;
        }
    }

    Resolved resolve() {
        if (target == null || target.isBlank()) {
            throw new IllegalArgumentException("SAVEPOINT|VERSION must not be empty");
        }
        SavepointModel.ReaderBackend backend;
        try {
            backend = SavepointModel.ReaderBackend.valueOf(readerBackend.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("--reader-backend must be auto, heap or rocksdb");
        }
        if (looksLikeLocation(target)) {
            boolean uri = target.contains(":/");
            String location =
                    uri ? target : Path.of(target).toAbsolutePath().normalize().toString();
            if (!uri && !Files.exists(Path.of(target))) {
                throw new FreshRecCli.CommandFailure("no savepoint at " + location + " (no such file or directory)");
            }
            return new Resolved(location, null, ownSettings(), settingsLabel(), backend);
        }
        VersionRegistry registry = registryOptions.registry();
        VersionRegistry.Content content = registry.read();
        Optional<VersionRecord> found = content.version(target);
        if (found.isEmpty()) {
            throw new FreshRecCli.CommandFailure("'" + target + "' is neither a savepoint path nor a version in "
                    + registry.index() + " (" + Rollbacks.known(content.versions, "it has none") + ")");
        }
        VersionRecord version = Rollbacks.withSavepoint(found.get());
        if (version.programArgs == null) {
            return new Resolved(
                    version.savepoint,
                    version.id,
                    ownSettings(),
                    settingsLabel() + " (" + version.id + " has no recorded job arguments)",
                    backend);
        }
        FreshRecJobMain job = new FreshRecJobMain();
        try {
            new CommandLine(job).parseArgs(version.programArgs.toArray(String[]::new));
        } catch (CommandLine.ParameterException e) {
            throw new FreshRecCli.CommandFailure(
                    "the job arguments recorded with " + version.id + " do not parse: " + e.getMessage());
        }
        Configuration settings = job.settings();
        Map<String, String> overrides = configOptions.overrides;
        overrides.forEach(settings::setString);
        return new Resolved(
                version.savepoint,
                version.id,
                settings,
                "the job arguments recorded with " + version.id
                        + (overrides.isEmpty() ? "" : " and " + overrides.size() + " -D"),
                backend);
    }

    private static boolean looksLikeLocation(String target) {
        return target.contains("/")
                || target.contains("\\")
                || target.contains(":")
                || target.startsWith(".")
                || Files.exists(Path.of(target));
    }

    private Configuration ownSettings() {
        return configOptions.loadOrDefaults();
    }

    private String settingsLabel() {
        Path flinkConf = configOptions.directory();
        Map<String, String> overrides = configOptions.overrides;
        String base = Files.isRegularFile(flinkConf.resolve("config.yaml"))
                ? flinkConf.resolve("config.yaml").toString()
                : "FreshRec's defaults (no " + flinkConf.resolve("config.yaml") + ")";
        return base + (overrides.isEmpty() ? "" : " and " + overrides.size() + " -D");
    }
}

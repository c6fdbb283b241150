package io.freshrec.cli;

import io.freshrec.events.InputFormat;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.ops.Bootstrap;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec bootstrap}: the model learnt from a history file, as a savepoint and a model version. */
@Command(
        name = "bootstrap",
        mixinStandardHelpOptions = true,
        description =
                "Learn the model from a history file with the job's own operators and write it as a savepoint, "
                        + "recorded as a model version (kind bootstrap) that the streaming job starts from (run --from VERSION).")
final class BootstrapCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Option(
            names = "--input",
            required = true,
            description = "History file: u.data, ratings.csv, ratings.dat or JSON lines.")
    Path input;

    @Option(
            names = "--format",
            description = "Format of --input: ${COMPLETION-CANDIDATES}. Default: from the file name.")
    InputFormat format;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description =
                    "Directory (or URI) the savepoint is written under. Default: state.savepoints.dir of config.yaml (savepoints).")
    String out;

    @Option(
            names = "--note",
            description = "Free text recorded with the version. Default: the history file and its time span.")
    String note;

    @Option(
            names = "--tag",
            description = "A name for the version (run --from NAME); tagged versions are never pruned.")
    String tag;

    @Mixin
    ProgressOptions progressOptions;

    @Mixin
    ConfigOptions configOptions;

    @Mixin
    RegistryOptions registryOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input " + input + ": no such file");
        }
        Duration interval = progressOptions.positive();
        Configuration conf = configOptions.load();
        Map<String, String> overrides = configOptions.overrides;
        if (!overrides.containsKey(FreshRecOptions.ALIGN_TO_MODEL.key())) {
            // As a full-speed replay with run --input: each event served once the model caught up with it.
            conf.set(FreshRecOptions.ALIGN_TO_MODEL, true);
        }
        if (!overrides.containsKey(FreshRecOptions.BREAKER_ENABLED.key())) {
            // Learning history is not serving: a breaker opened on old data would freeze the bootstrapped version.
            conf.set(FreshRecOptions.BREAKER_ENABLED, false);
        }
        FreshRecOptions.modelConfig(conf); // bad model settings fail here, in one line
        if (!overrides.containsKey(RestOptions.PORT.key()) && !overrides.containsKey(RestOptions.BIND_PORT.key())) {
            // Any free port: a bootstrap may run beside an embedded run that holds the configured one.
            conf.set(RestOptions.BIND_PORT, "0");
        }
        String target = targetDirectory(conf);
        VersionRegistry registry = new VersionRegistry(registryOptions.directory(conf));
        InputFormat inputFormat = format != null ? format : InputFormat.detect(input);
        PrintWriter printer = spec.commandLine().getOut();

        Bootstrap.Result result = new Bootstrap(conf, input, inputFormat, target, printer).run(interval);

        VersionRecord version = new VersionRecord();
        version.kind = VersionRecord.BOOTSTRAP;
        version.savepoint = result.savepoint;
        version.jobId = result.jobId;
        version.takenAt = Instant.now().toString();
        version.savepointMillis = (long) (result.savepointSeconds * 1000);
        version.sizeBytes = result.sizeBytes;
        version.events = result.events;
        version.hits = result.hits;
        version.scored = result.scored;
        version.recallTotal = result.recall();
        version.modelVersion = result.modelVersion;
        version.parallelism = result.parallelism;
        version.tag = tag;
        version.note = note != null
                ? note
                : String.format(
                        Locale.ROOT,
                        "bootstrap from %s (%s to %s UTC)",
                        input.toAbsolutePath().normalize(),
                        TIME.format(Instant.ofEpochMilli(result.history.firstEventTime)),
                        TIME.format(Instant.ofEpochMilli(result.history.lastEventTime)));
        version = registry.add(version);

        printer.printf("Version %s (bootstrap): %s%n", version.id, version.savepoint);
        printer.printf(
                Locale.ROOT,
                "  %,d events, %,d users, %,d items, model v%,d, recall@10 %s; learnt in %.1f s, savepoint %.1f s, %s; %.1f s in all%n",
                result.events,
                result.users,
                result.items,
                result.modelVersion,
                version.recallTotal == null ? "-" : String.format(Locale.ROOT, "%.4f", version.recallTotal),
                result.learnSeconds,
                result.savepointSeconds,
                VersionsCommand.size(result.sizeBytes),
                result.totalSeconds);
        printer.printf(
                "Start the streaming job from it, with the same model settings and a stream that continues after %s UTC:%n",
                TIME.format(Instant.ofEpochMilli(result.history.lastEventTime)));
        printer.printf("  %s%n", String.join(" ", runCommand(version)));
        printer.println("  (plus the stream's source: --input FILE, --kafka HOST:PORT, or the generator's options)");
        printer.flush();
        return 0;
    }

    private String targetDirectory(Configuration conf) {
        String location = out != null ? out : conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY);
        if (location == null || location.isBlank()) {
            location = "savepoints";
        }
        return location.contains("://")
                ? location
                : Path.of(location).toAbsolutePath().normalize().toUri().toString();
    }

    /** {@code java -jar target/freshrec.jar run --from vN} with this command's settings. */
    private List<String> runCommand(VersionRecord version) {
        List<String> command =
                new ArrayList<>(List.of("java", "-jar", "target/freshrec.jar", "run", "--from", version.id));
        if (registryOptions.registry != null) {
            command.add("--registry");
            command.add(quoted(registryOptions.registry.toString()));
        }
        if (!configOptions.directory().equals(ConfigOptions.DEFAULT_DIRECTORY)) {
            command.add("--flink-conf");
            command.add(quoted(configOptions.directory().toString()));
        }
        configOptions.overrides.forEach((key, value) -> {
            command.add("-D");
            command.add(quoted(key + "=" + value));
        });
        return command;
    }

    private static String quoted(String text) {
        return text.matches("[A-Za-z0-9_./:=,@+-]+") ? text : "'" + text.replace("'", "'\\''") + "'";
    }
}

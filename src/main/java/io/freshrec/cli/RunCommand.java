package io.freshrec.cli;

import io.freshrec.ops.EmbeddedRun;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.sources.InteractionSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec run}: the job on an embedded Flink, fed by the generator or a file replay. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the FreshRec job on an embedded Flink (MiniCluster) with RocksDB, checkpoints and queryable state.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    SourceOptions sourceOptions;

    @Option(names = "--duration", converter = DurationConverter.class,
            description = "Stop after this long (e.g. 60s, 5min); default: until the input ends or Ctrl-C.")
    Duration duration;

    @Option(names = "--progress", defaultValue = "5s", converter = DurationConverter.class,
            description = "Interval of progress lines. Default: ${DEFAULT-VALUE}.")
    Duration progress;

    @Option(names = "--flink-conf", defaultValue = "flink-conf", description = "Directory with config.yaml. Default: ${DEFAULT-VALUE}.")
    Path flinkConf;

    @Option(names = "--dead-letters", defaultValue = "target/freshrec/dead-letters",
            description = "Directory for dead-letter files. Default: ${DEFAULT-VALUE}.")
    Path deadLetters;

    @Option(names = {"-D", "--set"}, description = "Override a setting of config.yaml, e.g. -D freshrec.model.history-length=20.")
    Map<String, String> overrides = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Configuration conf = FlinkSettings.load(flinkConf, overrides, Path.of("").toAbsolutePath());
        InteractionSource source = sourceOptions.create(conf, overrides);
        EmbeddedRun run = new EmbeddedRun(conf, source, deadLetters, spec.commandLine().getOut());
        run.run(duration, progress, sourceOptions.sampleUsers());
        return 0;
    }
}

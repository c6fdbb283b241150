package io.freshrec.cli;

import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.ops.EmbeddedRun;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code freshrec run}: the job on an embedded Flink, fed by the generator or a file replay. */
@Command(name = "run", mixinStandardHelpOptions = true,
        description = "Run the FreshRec job on an embedded Flink (MiniCluster) with RocksDB, checkpoints and queryable state.")
final class RunCommand implements Callable<Integer> {
    @Option(names = "--input", description = "Replay this file (u.data, ratings.csv, ratings.dat or JSON lines) instead of the generator.")
    Path input;

    @Option(names = "--format", description = "Format of --input: ${COMPLETION-CANDIDATES}. Default: from the file name.")
    InputFormat format;

    @Option(names = "--speedup", defaultValue = "0",
            description = "Replay paced at this many times real time (gaps capped at 1 s); 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
    double speedup;

    @Option(names = "--rate", defaultValue = "2000", description = "Generator events per second; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--users", defaultValue = "10000", description = "Generator users. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(names = "--items", defaultValue = "5000", description = "Generator catalogue size (half at start, growing). Default: ${DEFAULT-VALUE}.")
    int items;

    @Option(names = "--seed", defaultValue = "42", description = "Generator seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--bad-rate", defaultValue = "0.001",
            description = "Share of deliberately malformed generator records (they go to dead letters). Default: ${DEFAULT-VALUE}.")
    double badRate;

    @Option(names = "--events", description = "Stop the generator after this many events (default: endless).")
    Long events;

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
        InteractionSource source;
        long[] sampleUsers;
        if (input != null) {
            if (!Files.isRegularFile(input)) {
                throw new IllegalArgumentException("--input " + input + ": no such file");
            }
            InputFormat chosen = format != null ? format : InputFormat.detect(input);
            if (speedup < 0) {
                throw new IllegalArgumentException("--speedup must be >= 0");
            }
            source = InteractionSource.replay(input, chosen, speedup);
            if (speedup == 0 && !overrides.containsKey(FreshRecOptions.ALIGN_TO_MODEL.key())) {
                // A full-speed replay compresses years into seconds: without alignment the model would
                // lag hundreds of events behind each user and the prequential figure would say so.
                conf.set(FreshRecOptions.ALIGN_TO_MODEL, true);
            }
            sampleUsers = firstUsers(input, chosen, 3);
        } else {
            if (rate < 0) {
                throw new IllegalArgumentException("--rate must be >= 0");
            }
            if (events != null && events < 1) {
                throw new IllegalArgumentException("--events must be at least 1");
            }
            SyntheticInteractions world = SyntheticInteractions.defaults(seed, users, items, rate > 0 ? rate : 10_000,
                    System.currentTimeMillis()).withBadRecordRate(badRate);
            // Rate-limited runs are live: events carry the wall clock. Unthrottled runs use the synthetic clock.
            source = InteractionSource.generator(world, events == null ? Long.MAX_VALUE : events, rate, rate > 0);
            sampleUsers = new long[] {1, 2, 3};
        }
        EmbeddedRun run = new EmbeddedRun(conf, source, deadLetters, spec.commandLine().getOut());
        run.run(duration, progress, sampleUsers);
        return 0;
    }

    private static long[] firstUsers(Path file, InputFormat format, int count) throws IOException {
        InteractionParser parser = new InteractionParser(format);
        Set<Long> users = new LinkedHashSet<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int read = 0;
            while ((line = reader.readLine()) != null && users.size() < count && read++ < 10_000) {
                ParseResult result = parser.parse(line, Long.MAX_VALUE / 2);
                if (result.isValid()) {
                    users.add(result.interaction().userId);
                }
            }
        }
        return users.stream().mapToLong(Long::longValue).toArray();
    }
}

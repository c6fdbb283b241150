package io.freshrec.cli;

import io.freshrec.kafka.LoadGenerator;
import io.freshrec.ops.Secrets;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec produce}: the load generator that writes interactions to Kafka. */
@Command(
        name = "produce",
        mixinStandardHelpOptions = true,
        description =
                "Write generated interactions (JSON lines keyed by user, wall-clock timestamps) to a Kafka topic at a chosen "
                        + "rate, or (--output) to a file for replays and evaluate.")
final class ProduceCommand implements Callable<Integer> {
    @Option(
            names = "--kafka",
            defaultValue = "localhost:9092",
            paramLabel = "BOOTSTRAP_SERVERS",
            description = "Kafka bootstrap servers. Default: ${DEFAULT-VALUE}.")
    String kafka;

    @Option(
            names = "--output",
            paramLabel = "FILE",
            description = "Write the generated interactions to this file as JSON lines instead of Kafka (needs "
                    + "--events): event time on the generator's clock from --start, --rate events per second of it; "
                    + "for replays and evaluate.")
    Path output;

    @Option(
            names = "--start",
            defaultValue = "2024-01-01T00:00:00Z",
            description = "With --output: event time of the first record (ISO-8601); the same seed and start give "
                    + "the same file. Default: ${DEFAULT-VALUE}.")
    Instant start;

    @Option(
            names = "--topic",
            defaultValue = "freshrec-interactions",
            description = "Topic. Default: ${DEFAULT-VALUE}.")
    String topic;

    @Option(
            names = "--rate",
            defaultValue = "2000",
            description = "Events per second; 0 = as fast as possible. Default: ${DEFAULT-VALUE}.")
    double rate;

    @Option(names = "--events", description = "Stop after this many events (default: until --duration or Ctrl-C).")
    Long events;

    @Option(names = "--duration", converter = DurationConverter.class, description = "Stop after this long (e.g. 60s).")
    Duration duration;

    @Option(names = "--users", defaultValue = "10000", description = "Users. Default: ${DEFAULT-VALUE}.")
    int users;

    @Option(
            names = "--items",
            defaultValue = "5000",
            description = "Catalogue size (half at start, growing). Default: ${DEFAULT-VALUE}.")
    int items;

    @Option(names = "--seed", defaultValue = "42", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--bad-rate",
            defaultValue = "0.001",
            description =
                    "Share of deliberately malformed records (the job sends them to dead letters). Default: ${DEFAULT-VALUE}.")
    double badRate;

    @Mixin
    ProgressOptions progressOptions;

    @Option(
            names = "--probe-latency",
            description = "Measure produce-to-lookup latency: send a marked event for a user every "
                    + "--probe-every and look the user up (queryable state) until the served list reflects it.")
    boolean probeLatency;

    @Option(
            names = "--probe-every",
            defaultValue = "500ms",
            converter = DurationConverter.class,
            description = "Interval between latency probes. Default: ${DEFAULT-VALUE}.")
    Duration probeEvery;

    @Option(
            names = "--probe-users",
            defaultValue = "100",
            description = "Probes pick users 1..N. Default: ${DEFAULT-VALUE}.")
    int probeUsers;

    @Option(
            names = {"-X", "--producer-property"},
            description = "Kafka producer property, e.g. -X security.protocol=SASL_SSL.")
    Map<String, String> producerProperties = new LinkedHashMap<>();

    @Mixin
    LookupOptions lookup;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (output != null) {
            return writeFile();
        }
        if (kafka.isBlank()) {
            throw new IllegalArgumentException("--kafka needs bootstrap servers, e.g. localhost:9092");
        }
        if (rate < 0) {
            throw new IllegalArgumentException("--rate must be >= 0");
        }
        if (events != null && events < 1) {
            throw new IllegalArgumentException("--events must be at least 1");
        }
        if (users < 1 || items < 20) {
            throw new IllegalArgumentException("--users must be at least 1 and --items at least 20");
        }
        if (badRate < 0 || badRate >= 1) {
            throw new IllegalArgumentException("--bad-rate must be in [0, 1)");
        }
        if (probeUsers < 1 || probeEvery.isNegative() || probeEvery.isZero()) {
            throw new IllegalArgumentException("--probe-users must be at least 1 and --probe-every positive");
        }
        PrintWriter out = spec.commandLine().getOut();
        SyntheticInteractions world = SyntheticInteractions.defaults(
                        seed, users, items, rate > 0 ? rate : 10_000, System.currentTimeMillis())
                .withBadRecordRate(badRate);
        Properties properties = new Properties();
        producerProperties.forEach((key, value) -> properties.put(key, Secrets.resolve("-X " + key, value)));
        LoadGenerator generator = new LoadGenerator(kafka, topic, properties, world, out);
        out.printf(
                "Producing to %s on %s at %s (Ctrl-C stops)...%n",
                topic, kafka, rate > 0 ? String.format("%,.0f events/s", rate) : "full speed");
        out.flush();
        LoadGenerator.Report report;
        if (probeLatency) {
            try (RecommendationClient lookups = lookup.connect()) {
                report = generator.run(
                        events == null ? Long.MAX_VALUE : events,
                        rate,
                        duration,
                        progressOptions.progress,
                        lookups,
                        probeEvery,
                        Math.min(probeUsers, users));
            }
        } else {
            report = generator.run(
                    events == null ? Long.MAX_VALUE : events, rate, duration, progressOptions.progress, null, null, 1);
        }
        out.printf(
                "Done: %,d events sent, %,d acknowledged, %,d failed in %.1f s (%,.0f/s).%n",
                report.sent, report.acked, report.failed, report.seconds, report.rate());
        if (probeLatency) {
            out.printf(
                    "Produce-to-lookup latency over %d probes: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms; %d timed out (10 s).%n",
                    report.probeMillis.size(),
                    report.probePercentile(50),
                    report.probePercentile(90),
                    report.probePercentile(99),
                    report.probePercentile(100),
                    report.probesTimedOut);
        }
        return report.failed == 0 ? 0 : 1;
    }

    /** Records written between progress lines. */
    private static final long PROGRESS_EVERY = 1_000_000;

    private int writeFile() throws IOException {
        if (events == null || events < 1) {
            throw new IllegalArgumentException("--output needs --events (at least 1): how many records to write");
        }
        if (!(rate > 0)) {
            throw new IllegalArgumentException("--output needs --rate > 0: events per second of event time");
        }
        if (users < 1 || items < 20) {
            throw new IllegalArgumentException("--users must be at least 1 and --items at least 20");
        }
        if (badRate < 0 || badRate >= 1) {
            throw new IllegalArgumentException("--bad-rate must be in [0, 1)");
        }
        PrintWriter out = spec.commandLine().getOut();
        SyntheticInteractions world = SyntheticInteractions.defaults(seed, users, items, rate, start.toEpochMilli())
                .withBadRecordRate(badRate);
        if (world.timeOf(events - 1) > System.currentTimeMillis()) {
            throw new IllegalArgumentException("--start " + start + ": the last record would be in the future (the job "
                    + "refuses those); start earlier or raise --rate");
        }
        Path parent = output.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        try (BufferedWriter writer = Files.newBufferedWriter(output, StandardCharsets.UTF_8)) {
            for (long n = 0; n < events; n++) {
                writer.write(world.lineAt(n));
                writer.newLine();
                if ((n + 1) % PROGRESS_EVERY == 0) {
                    out.printf(Locale.ROOT, "  %,d of %,d records%n", n + 1, events);
                    out.flush();
                }
            }
        }
        out.printf(
                Locale.ROOT,
                "Wrote %,d generated records to %s: %,d users, %,d items, event time %s to %s (%,.1f events/s), "
                        + "seed %d.%n",
                events,
                output,
                users,
                items,
                Instant.ofEpochMilli(world.timeOf(0)),
                Instant.ofEpochMilli(world.timeOf(events - 1)),
                rate,
                seed);
        return 0;
    }
}

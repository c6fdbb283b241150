package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.ServedLists;
import io.freshrec.testing.TestPorts;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bootstrap} as a user runs it: figures and progress printed, the version recorded, and the command it
 * prints, run as printed with the rest of the stream, serves the model of the whole history and stream; bad
 * input fails in one line.
 */
class BootstrapCliTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final String REST_PORT = PORTS.text(0);
    private static final long START = 1_704_067_200_000L;

    @TempDir
    Path work;

    private final ExecutorService background = Executors.newSingleThreadExecutor();

    @AfterEach
    void stopRun() throws InterruptedException {
        // Interrupting an embedded run stops it as Ctrl-C does: its cluster and ports are gone when this returns.
        background.shutdownNow();
        assertThat(background.awaitTermination(60, TimeUnit.SECONDS))
                .as("embedded run stopped")
                .isTrue();
    }

    /** This test's ports and directories, and model settings that keep the comparison exact (no truncation). */
    private List<String> settings() {
        return List.of(
                "-D",
                "rest.port=" + REST_PORT,
                "-D",
                "queryable-state.proxy.ports=" + PORTS.port(1),
                "-D",
                "queryable-state.server.ports=" + PORTS.port(2),
                "-D",
                "metrics.reporter.prom.port=" + PORTS.range(3, 4),
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp"),
                "-D",
                "metrics.fetcher.update-interval=500",
                "-D",
                FreshRecOptions.NEIGHBOURS.key() + "=500",
                "-D",
                FreshRecOptions.TOP_N.key() + "=10",
                "-D",
                FreshRecOptions.PUBLISH_INTERVAL.key() + "=500ms",
                "-D",
                FreshRecOptions.OUT_OF_ORDERNESS.key() + "=100ms");
    }

    @Test
    void shouldWriteAVersionThatThePrintedCommandContinuesFromWithTheRestOfTheStream() throws Exception {
        SyntheticInteractions world = new SyntheticInteractions(21, 50, 100, 5, START, 20, 20_000, 20, 0.0);
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < 1200; n++) {
            events.add(world.at(n));
        }
        List<String> history = new ArrayList<>();
        List<String> rest = new ArrayList<>();
        for (int n = 0; n < events.size(); n++) {
            (n < 800 ? history : rest).add(InteractionParser.toJson(events.get(n)));
        }
        // Records the job rejects: listed by reason, not learnt.
        history.add(3, "not json at all");
        history.add(10, "{\"user\":-5,\"item\":2,\"type\":\"view\",\"ts\":" + START + "}");
        Path historyFile = Files.write(work.resolve("history.jsonl"), history, StandardCharsets.UTF_8);
        Path restFile = Files.write(work.resolve("rest.jsonl"), rest, StandardCharsets.UTF_8);
        Path registry = work.resolve("versions");

        List<String> bootstrap = new ArrayList<>(List.of(
                "bootstrap",
                "--input",
                historyFile.toString(),
                "--out",
                work.resolve("savepoints").toString(),
                "--registry",
                registry.toString(),
                "--progress",
                "1s",
                "--tag",
                "history"));
        bootstrap.addAll(settings());
        long started = System.nanoTime();
        CliRun made = CliRun.of(bootstrap.toArray(String[]::new));
        assertThat(made.code()).as(made.out() + made.err()).isZero();
        System.out.print(made.out());
        long bootstrapped = System.nanoTime();
        assertThat(made.out())
                .contains(
                        "History: 800 interactions of ",
                        "2 dead letters (malformed-json 1, out-of-range 1)",
                        // (progress lines come every --progress: a short history may be learnt before the first one)
                        "Learning on an embedded Flink (parallelism 2, RocksDB)",
                        "Learnt in ",
                        "Version v1 (bootstrap): file:",
                        "800 events, ");
        VersionRecord version = new VersionRegistry(registry).find("history").orElseThrow();
        assertThat(version.kind).isEqualTo(VersionRecord.BOOTSTRAP);
        assertThat(version.events).isEqualTo(800);
        assertThat(version.scored).isPositive();
        assertThat(version.sizeBytes).isPositive();
        assertThat(version.note).contains(historyFile.toString());
        assertThat(Path.of(URI.create(version.savepoint)).resolve("_metadata")).isRegularFile();
        assertThat(CliRun.of("versions", "--registry", registry.toString()).out())
                .contains("v1", "bootstrap", "800", "history");

        // The command it printed, as printed, with the rest of the stream as its input.
        Matcher printed = Pattern.compile("(?m)^  java -jar target/freshrec\\.jar (run --from v1 .*)$")
                .matcher(made.out());
        assertThat(printed.find()).as(made.out()).isTrue();
        List<String> run = new ArrayList<>(Arrays.asList(printed.group(1).split(" ")));
        assertThat(run).containsSubsequence("--registry", registry.toString());
        run.addAll(List.of(
                "--input",
                restFile.toString(),
                "--keep-running",
                "--dead-letters",
                work.resolve("dead").toString()));
        StringWriter out = new StringWriter();
        Future<Integer> running = background.submit(() -> FreshRecCli.execute(
                new PrintWriter(out, true), new PrintWriter(out, true), run.toArray(String[]::new)));

        // Once the rest has ended every list is scored with the final model of history and rest together.
        ReferenceModel reference = new ReferenceModel(
                OracleSettings.of(FlinkSettings.load(
                        Path.of("flink-conf"), settingsMap(), Path.of("").toAbsolutePath())),
                events);
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost",
                PORTS.port(1),
                URI.create("http://localhost:" + REST_PORT),
                null,
                Duration.ofSeconds(60))) {
            ServedLists.awaitLists(
                    lookups, reference, user -> reference.recommend(user, Long.MAX_VALUE), Duration.ofMinutes(3));
        } catch (AssertionError | Exception e) {
            throw new AssertionError(e.getMessage() + "\nrun printed:\n" + out, e);
        }
        // The model's totals continue from the bootstrap: the events of history and rest.
        FlinkRest rest0 = new FlinkRest(URI.create("http://localhost:" + REST_PORT));
        String job = rest0.findRunningJob("freshrec").orElseThrow();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        double learnt = -1;
        while (learnt != events.size() && System.nanoTime() < deadline) {
            FlinkRest.Aggregate total =
                    rest0.metrics(job, List.of("parse.eventsTotal")).get("parse.eventsTotal");
            learnt = total == null ? -1 : total.sum;
            Thread.sleep(500);
        }
        assertThat(learnt).as("events the model has learnt from").isEqualTo(events.size());
        assertThat(out.toString()).contains("Restored from " + version.savepoint);
        assertThat(running.isDone()).as("the run keeps running: " + out).isFalse();
        System.out.printf(
                "bootstrap command %.1f s, run from it until every list was final %.1f s%n",
                (bootstrapped - started) / 1e9, (System.nanoTime() - bootstrapped) / 1e9);
    }

    private Map<String, String> settingsMap() {
        List<String> args = settings();
        Map<String, String> map = new LinkedHashMap<>();
        for (int i = 1; i < args.size(); i += 2) {
            String[] pair = args.get(i).split("=", 2);
            map.put(pair[0], pair[1]);
        }
        map.put(FreshRecOptions.ALIGN_TO_MODEL.key(), "true");
        return map;
    }

    @Test
    void shouldFailInOneLineOnBadInput() throws Exception {
        CliRun missing =
                CliRun.of("bootstrap", "--input", work.resolve("nothing.csv").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().trim())
                .isEqualTo("freshrec: --input " + work.resolve("nothing.csv") + ": no such file");

        Path garbage =
                Files.write(work.resolve("garbage.jsonl"), List.of("not json", "{\"user\":1}"), StandardCharsets.UTF_8);
        CliRun none = CliRun.of(
                "bootstrap",
                "--input",
                garbage.toString(),
                "--registry",
                work.resolve("versions").toString());
        assertThat(none.code()).isEqualTo(2);
        assertThat(none.err().trim())
                .isEqualTo(
                        "freshrec: --input " + garbage
                                + " holds no valid interactions (2 records, 2 dead letters (malformed-json 1, missing-field 1))");
        assertThat(none.err().lines()).hasSize(1);

        CliRun badSetting =
                CliRun.of("bootstrap", "--input", garbage.toString(), "-D", "freshrec.model.history-length=0");
        assertThat(badSetting.code()).isEqualTo(2);
        assertThat(badSetting.err().lines()).hasSize(1);
        assertThat(badSetting.err()).startsWith("freshrec: ").contains("history-length");

        CliRun noInput = CliRun.of("bootstrap");
        assertThat(noInput.code()).isEqualTo(2);
        assertThat(noInput.err()).startsWith("freshrec: Missing required option: '--input=<input>'");
        assertThat(new VersionRegistry(work.resolve("versions")).read().versions)
                .isEmpty();
    }
}

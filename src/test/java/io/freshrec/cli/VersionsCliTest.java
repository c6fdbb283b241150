package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.rest.FlinkRest;
import io.freshrec.testing.EmbeddedRunSettings;
import io.freshrec.testing.JobJar;
import io.freshrec.testing.TestPorts;
import io.freshrec.testing.VersionLists;
import io.freshrec.testing.VersionLists.Served;
import io.freshrec.versions.DeploymentRecord;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Model versions and rollback through the real commands: an embedded run in this JVM (its own MiniCluster,
 * RocksDB, queryable state, REST with job submission), versions taken, jobs stopped, submitted and rolled back
 * through its REST API exactly as on a cluster, and served lists compared before and after.
 */
class VersionsCliTest {
    /**
     * Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus, 5 nothing
     * (a REST API that is not there).
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final String REST_PORT = PORTS.text(0);
    private static final String PROXY_PORT = PORTS.text(1);
    private static final String REST = "http://localhost:" + REST_PORT;
    private static final VersionLists LISTS =
            new VersionLists("localhost", Integer.parseInt(PROXY_PORT), URI.create(REST));

    @TempDir
    Path work;

    private final ExecutorService background = Executors.newSingleThreadExecutor();

    private record Result(int code, String out, String err) {}

    /** A command whose output can be read while it runs. */
    private record Running(Future<Integer> code, StringWriter out, StringWriter err) {
        String output() {
            return out.toString();
        }
    }

    @AfterEach
    void stopRun() {
        // Interrupting an embedded run stops it as Ctrl-C does: its cluster and ports are gone when this returns.
        background.shutdownNow();
        try {
            assertThat(background.awaitTermination(60, TimeUnit.SECONDS))
                    .as("embedded run stopped")
                    .isTrue();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FreshRecCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private Running start(List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Future<Integer> code = background.submit(() -> FreshRecCli.execute(
                new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new)));
        return new Running(code, out, err);
    }

    private Path registry() {
        return work.resolve("versions");
    }

    /** Settings of the embedded run and of every job submitted to it: this test's ports and directories. */
    private List<String> settings() {
        List<String> settings = new ArrayList<>(List.of(
                "--flink-conf",
                "flink-conf",
                "--dead-letters",
                work.resolve("dead").toString(),
                "-D",
                "state.savepoints.dir=" + work.resolve("savepoints").toUri()));
        settings.addAll(EmbeddedRunSettings.of(PORTS, work));
        return settings;
    }

    private List<String> run(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--progress",
                "2s",
                "--allow-submit",
                "--registry",
                registry().toString()));
        args.addAll(settings());
        args.addAll(List.of(extra));
        return args;
    }

    /** With bad records: their dead-letter files are part of every savepoint a version restores. */
    private static final String[] GENERATOR = {"--rate", "0", "--users", "150", "--items", "300", "--bad-rate", "0.01"};

    @Test
    void shouldRecordVersionsAndRollTheEmbeddedRunBackToServeExactlyTheVersionsLists() throws Exception {
        Path jar = JobJar.build(work);
        Running run = start(run(concat(GENERATOR, "--events", "3000", "--keep-running")));
        FlinkRest flink = new FlinkRest(URI.create(REST));
        String first = awaitJob(flink, null, run);
        long parsed1 = VersionLists.awaitRecords(flink, first, 3000, Duration.ofSeconds(120));
        assertThat(parsed1).isBetween(2900L, 2999L);
        Map<Long, Served> lists1 = LISTS.awaitStable(first, VersionLists.users(150), Duration.ofSeconds(90));
        assertThat(lists1).hasSizeGreaterThan(100);

        Result savepoint = cli(
                "savepoint",
                "--flink-rest",
                REST,
                "--registry",
                registry().toString(),
                "--note",
                "first model",
                "--tag",
                "base");
        assertThat(savepoint.code).as(savepoint.err).isZero();
        assertThat(savepoint.out)
                .startsWith("Version v1: file:")
                .contains(String.format("%,d events", parsed1), "recall@10 rolling 0.");
        VersionRecord v1 = new VersionRegistry(registry()).find("v1").orElseThrow();
        assertThat(v1.events).isEqualTo(parsed1);
        assertThat(v1.recallTotal).isBetween(0.0, 1.0);
        assertThat(v1.scored).isPositive();
        assertThat(v1.tag).isEqualTo("base");
        assertThat(v1.programArgs).containsSubsequence("--events", "3000").contains("--keep-running");
        assertThat(v1.parallelism).isEqualTo(2);
        assertThat(Path.of(URI.create(v1.savepoint)).resolve("_metadata")).isRegularFile();
        // The version's lists are those served when it was taken: nothing changes in an ended input.
        assertThat(LISTS.read(first, lists1.keySet()).served()).isEqualTo(lists1);

        // Stop the job; the embedded run stays up, with no job to take a version of.
        Result stop = cli("stop", "--flink-rest", REST, "--registry", registry().toString());
        assertThat(stop.code).as(stop.err).isZero();
        assertThat(stop.out).startsWith("Version v2 (job stopped): file:");
        // Every dead letter of the stopped job is in a finished file: no savepoint (version) refers to a file
        // that a later job could finish and a rollback would then fail to resume.
        try (var files = Files.walk(work.resolve("dead"))) {
            List<Path> parts = files.filter(Files::isRegularFile).toList();
            assertThat(parts)
                    .as("dead-letter files")
                    .isNotEmpty()
                    .noneMatch(part -> part.getFileName().toString().contains(".inprogress"));
            long letters = 0;
            for (Path part : parts) {
                letters += Files.readAllLines(part).size();
            }
            assertThat(letters).isEqualTo(3000 - parsed1);
        }
        Result noJob =
                cli("savepoint", "--flink-rest", REST, "--registry", registry().toString());
        assertThat(noJob.code).isEqualTo(1);
        assertThat(noJob.err.trim())
                .isEqualTo("freshrec: no running 'freshrec' job at " + REST
                        + "/ (start one: freshrec run, or freshrec submit --flink-rest URL)");

        // Move the model on: the job from v1 with 3,000 more events, submitted through REST to the embedded run.
        List<String> submit = new ArrayList<>(List.of(
                "submit",
                "--flink-rest",
                REST,
                "--jar",
                jar.toString(),
                "--from",
                "base",
                "--registry",
                registry().toString()));
        submit.addAll(settings());
        submit.addAll(List.of(concat(GENERATOR, "--events", "6000", "--keep-running")));
        Result submitted = cli(submit.toArray(String[]::new));
        assertThat(submitted.code).as(submitted.err).isZero();
        assertThat(submitted.out).startsWith("Submitted job ").contains("from v1: " + v1.savepoint);
        String second = submitted
                .out
                .lines()
                .findFirst()
                .orElseThrow()
                .substring("Submitted job ".length())
                .trim();
        awaitOutput(run, "Following job " + second);
        long parsed2 = VersionLists.awaitRecords(flink, second, 3000, Duration.ofSeconds(120));
        Map<Long, Served> lists2 = LISTS.awaitStable(second, VersionLists.users(150), Duration.ofSeconds(90));
        assertThat(lists2).isNotEqualTo(lists1);
        // The model itself moved on (new versions committed), not only the users' histories.
        assertThat(lists2.values().stream()
                        .mapToLong(Served::modelVersion)
                        .max()
                        .orElseThrow())
                .isGreaterThan(lists1.values().stream()
                        .mapToLong(Served::modelVersion)
                        .max()
                        .orElseThrow());

        Result rollback = cli(
                "rollback",
                "--to",
                "v1",
                "--flink-rest",
                REST,
                "--registry",
                registry().toString(),
                "--port",
                PROXY_PORT,
                "--jar",
                jar.toString());
        assertThat(rollback.code).as(rollback.err).isZero();
        assertThat(rollback.out)
                .contains("Version v3 (safety: the model until now): file:")
                .containsPattern(
                        "Rolled back to v1 in [\\d.]+ s: savepoint [\\d.]+ s, restore [\\d.]+ s \\(until all tasks run\\), "
                                + "then lookups [\\d.]+ s")
                .contains("Lookups answer again: user 1 has ");
        String third = flink.findRunningJob("freshrec").orElseThrow();
        assertThat(third).isNotIn(first, second);
        awaitOutput(run, "Following job " + third);
        // Exactly the lists of v1, for every user.
        assertThat(LISTS.read(third, lists1.keySet()).served()).isEqualTo(lists1);

        VersionRegistry.Content registry = new VersionRegistry(registry()).read();
        VersionRecord safety = registry.version("v3").orElseThrow();
        assertThat(safety.kind).isEqualTo(VersionRecord.SAFETY);
        assertThat(safety.events).isEqualTo(parsed1 + parsed2);
        assertThat(safety.from).isEqualTo("v1");
        assertThat(safety.programArgs).containsSubsequence("--events", "6000");
        assertThat(safety.note).isEqualTo("before rollback to v1");
        DeploymentRecord restored = registry.deployment(third).orElseThrow();
        assertThat(restored.programArgs).isEqualTo(v1.programArgs);
        assertThat(restored.fromVersion).isEqualTo("v1");

        Result table = cli("versions", "--registry", registry().toString());
        assertThat(table.code).as(table.err).isZero();
        assertThat(table.out.lines().filter(line -> line.matches("v\\d+ .*")).toList())
                .hasSize(3);
        assertThat(table.out)
                .containsPattern("v1 +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d +manual +"
                        + String.format("%,d", parsed1) + " +0\\.\\d{3} +0\\.\\d{3} .*base +first model")
                .containsPattern(
                        "v3 .* safety +" + String.format("%,d", parsed1 + parsed2) + " .* v1 .*before rollback to v1");
        Result json = cli("versions", "--registry", registry().toString(), "--json");
        JsonNode versions = new ObjectMapper().readTree(json.out);
        assertThat(versions).hasSize(3);
        assertThat(versions.get(0).path("savepoint").asText()).isEqualTo(v1.savepoint);

        background.shutdownNow();
        assertThat(run.code().get(60, TimeUnit.SECONDS)).as(run.err.toString()).isZero();
        assertThat(run.output()).contains("stopped with savepoint").contains("Finished (CANCELED)");
        assertThat(run.output()
                        .lines()
                        .filter(line -> line.matches("\\[\\s*\\d+s\\] events .*"))
                        .count())
                .isGreaterThan(3);
    }

    @Test
    void shouldTakeAutomaticVersionsAtAnIntervalFromTheRunAndFromSavepointEveryKeepingTheNewest() throws Exception {
        // A job that keeps learning (1,000 events/s) and an embedded run taking a version every 2 s, keeping 2.
        Running run = start(run(
                "--rate",
                "1000",
                "--users",
                "150",
                "--items",
                "300",
                "--bad-rate",
                "0",
                "--events",
                "1000000",
                "-D",
                "freshrec.versions.interval=2s",
                "-D",
                "freshrec.versions.retain=2"));
        FlinkRest flink = new FlinkRest(URI.create(REST));
        String job = awaitJob(flink, null, run);
        awaitOutput(
                run, "Automatic versions every 2 s (keeping 2) in " + registry().resolve("versions.json"));
        // The third automatic version removes the first, savepoint included.
        awaitOutput(run, "; removed v1 (freshrec.versions.retain 2)");

        // The same on any Flink through its REST API: savepoint --every (here against the embedded run).
        Result every = cli(
                "savepoint",
                "--every",
                "1s",
                "--retain",
                "2",
                "--count",
                "2",
                "--note",
                "nightly",
                "--flink-rest",
                REST,
                "--registry",
                registry().toString());
        assertThat(every.code).as(every.err).isZero();
        assertThat(every.out)
                .startsWith("Automatic versions of job " + job + " every 1 s, keeping the newest 2")
                .endsWith("2 automatic versions taken." + System.lineSeparator());
        List<String> byCommand = versionIds(every.out);
        assertThat(byCommand).hasSize(2);

        // Stop between two automatic versions (right after one was printed): nothing is in flight.
        int printed = versionIds(run.output()).size();
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (versionIds(run.output()).size() == printed) {
            assertThat(System.nanoTime())
                    .as("another automatic version: %s", run.output())
                    .isLessThan(deadline);
            Thread.sleep(50);
        }
        background.shutdownNow();
        assertThat(run.code().get(60, TimeUnit.SECONDS)).as(run.err.toString()).isZero();

        List<String> taken = new ArrayList<>(versionIds(run.output()));
        taken.addAll(byCommand);
        List<VersionRecord> kept = new VersionRegistry(registry())
                .read().versions.stream()
                        .filter(version -> VersionRecord.AUTO.equals(version.kind))
                        .toList();
        // Exactly the newest two automatic versions stay, with their savepoints; every other one is gone, files too.
        List<Integer> numbers = taken.stream()
                .map(id -> Integer.parseInt(id.substring(1)))
                .sorted()
                .toList();
        assertThat(kept)
                .extracting(version -> version.id)
                .containsExactly("v" + numbers.get(numbers.size() - 2), "v" + numbers.get(numbers.size() - 1));
        for (VersionRecord version : kept) {
            assertThat(Path.of(URI.create(version.savepoint)).resolve("_metadata"))
                    .isRegularFile();
            assertThat(version.jobId).isEqualTo(job);
        }
        Path savepoints = work.resolve("savepoints");
        try (var dirs = Files.list(savepoints)) {
            assertThat(dirs.filter(dir -> dir.getFileName().toString().startsWith("savepoint-"))
                            .toList())
                    .as("savepoints left on disk")
                    .hasSize(kept.size());
        }
        // The model learnt between versions: each automatic version saw more events than the one before.
        List<Long> events = new ArrayList<>();
        for (String line : run.output()
                .lines()
                .filter(line -> line.contains("(automatic)"))
                .toList()) {
            events.add(Long.parseLong(
                    line.replaceAll(".*\\(([\\d,]+) events.*", "$1").replace(",", "")));
        }
        assertThat(events).hasSizeGreaterThanOrEqualTo(4).isSorted().doesNotHaveDuplicates();
        assertThat(every.out).doesNotContain("skipped");
        for (VersionRecord version : kept) {
            assertThat(version.note).isEqualTo(byCommand.contains(version.id) ? "nightly" : "every 2 s");
        }
    }

    /** The ids of "Version vN (automatic): ..." lines. */
    private static List<String> versionIds(String output) {
        return output.lines()
                .filter(line -> line.startsWith("Version ") && line.contains(" (automatic): "))
                .map(line -> line.substring("Version ".length(), line.indexOf(' ', "Version ".length())))
                .toList();
    }

    @Test
    void shouldExplainBadVersionsMissingFilesAndUnreachableRestOnOneLine() throws Exception {
        String registry = registry().toString();
        Result empty = cli("versions", "--registry", registry);
        assertThat(empty.code).isZero();
        assertThat(empty.out).startsWith("No versions in " + registry().resolve("versions.json") + " yet.");

        Result unknown = cli("rollback", "--to", "v9", "--registry", registry);
        assertOneLine(
                unknown,
                1,
                "freshrec: unknown version 'v9' in " + registry().resolve("versions.json") + " (it has none yet)");

        VersionRecord gone = new VersionRecord();
        gone.kind = VersionRecord.MANUAL;
        gone.savepoint = work.resolve("savepoints/savepoint-deleted").toUri().toString();
        gone.programArgs = List.of("--events", "10");
        new VersionRegistry(registry()).add(gone);
        assertOneLine(
                cli("rollback", "--to", "v1", "--registry", registry),
                1,
                "freshrec: the savepoint of v1 is missing: " + gone.savepoint + " (deleted or moved?)");
        assertOneLine(
                cli("rollback", "--to", "v2", "--registry", registry),
                1,
                "freshrec: unknown version 'v2' in " + registry().resolve("versions.json") + " (known: v1)");
        assertOneLine(
                cli(run("--from", "v7").toArray(String[]::new)),
                1,
                "freshrec: unknown version 'v7' in " + registry().resolve("versions.json") + " (known: v1)");
        assertOneLine(
                cli(run("--savepoint", work.resolve("nothing").toString()).toArray(String[]::new)),
                1,
                "freshrec: --savepoint " + work.resolve("nothing") + ": no savepoint there (no _metadata)");
        assertOneLine(
                cli("submit", "--jar", work.resolve("none.jar").toString(), "--registry", registry),
                1,
                "freshrec: no job jar at " + work.resolve("none.jar")
                        + " (build it: mvn -q -DskipTests package; or pass --jar)");

        Files.createDirectories(work.resolve("savepoints/savepoint-deleted"));
        Files.writeString(work.resolve("savepoints/savepoint-deleted/_metadata"), "x");
        Path jar = JobJar.build(work);
        String nowhere = "http://localhost:" + PORTS.port(5);
        assertOneLine(
                cli("rollback", "--to", "v1", "--registry", registry, "--flink-rest", nowhere, "--jar", jar.toString()),
                1,
                "freshrec: no Flink REST API at " + nowhere + "/ (is the job running?)");
        // A job run with a secret by value: the registry kept "<redacted>", which a rollback must not submit.
        VersionRecord withSecret = new VersionRecord();
        withSecret.kind = VersionRecord.MANUAL;
        withSecret.savepoint = gone.savepoint;
        withSecret.programArgs = List.of("-D", "freshrec.kafka.properties.ssl.key.password=<redacted>");
        new VersionRegistry(registry()).add(withSecret);
        assertOneLine(
                cli("rollback", "--to", "v2", "--registry", registry, "--flink-rest", nowhere, "--jar", jar.toString()),
                1,
                "freshrec: v2's job was started with freshrec.kafka.properties.ssl.key.password given by value,"
                        + " which the registry does not keep; start it yourself with the secret as a reference:"
                        + " freshrec submit --savepoint " + gone.savepoint
                        + " -D freshrec.kafka.properties.ssl.key.password=${env:NAME} ...");
        assertOneLine(
                cli("savepoint", "--registry", registry, "--flink-rest", nowhere),
                1,
                "freshrec: no Flink REST API at " + nowhere + "/ (is the job running?)");
        assertOneLine(
                cli("savepoint", "--registry", registry, "--job", "nonsense"),
                2,
                "freshrec: --job 'nonsense' is not a Flink job id (32 hex digits)");
        assertOneLine(
                cli("savepoint", "--registry", registry, "--format", "zip", "--flink-rest", nowhere),
                2,
                "freshrec: --format must be canonical or native");

        Files.writeString(registry().resolve("versions.json"), "{\"versions\": [");
        Result corrupt = cli("versions", "--registry", registry);
        assertThat(corrupt.code).isEqualTo(1);
        assertThat(corrupt.err.trim())
                .startsWith(
                        "freshrec: the version registry " + registry().resolve("versions.json") + " is not valid JSON")
                .doesNotContain("\n");
    }

    private static void assertOneLine(Result result, int code, String message) {
        assertThat(result.err.trim()).isEqualTo(message);
        assertThat(result.code).isEqualTo(code);
    }

    // ---- helpers ----

    /** The running 'freshrec' job other than {@code previous}, once the run has started it. */
    private static String awaitJob(FlinkRest flink, String previous, Running run) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(run.code().isDone())
                    .as("the run ended early: %s %s", run.output(), run.err())
                    .isFalse();
            try {
                Optional<String> job = flink.findRunningJob("freshrec");
                if (job.isPresent() && !job.get().equals(previous)) {
                    return job.get();
                }
            } catch (IOException notUpYet) {
                // the embedded Flink is starting
            }
            Thread.sleep(200);
        }
        throw new AssertionError("no job started: " + run.output());
    }

    private static void awaitOutput(Running run, String text) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!run.output().contains(text)) {
            assertThat(System.nanoTime())
                    .as("run printed '%s': %s", text, run.output())
                    .isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static String[] concat(String[] a, String... b) {
        String[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

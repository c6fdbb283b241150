package io.freshrec.job;

import static io.freshrec.testing.ServedLists.assertSameItem;
import static io.freshrec.testing.ServedLists.assertSameList;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.ModelLookups;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.io.DataInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.checkpoint.Checkpoints;
import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.metadata.CheckpointMetadata;
import org.apache.flink.runtime.jobgraph.OperatorID;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.state.api.OperatorIdentifier;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Upgrade safety: savepoints of earlier FreshRec versions, kept under {@code src/test/resources/canonical-savepoints}
 * (one directory per version: the savepoint, the input and settings that made it, a README.txt with its figures),
 * must restore into this version of the job, at parallelism 1 and 2, answer every lookup as the independent fold
 * of their input ({@link ReferenceModel}) says, and keep learning. A change to state types, names, uids, key types
 * or max parallelism that breaks this breaks the model of every deployment: see docs/operations.md, "Upgrading the job".
 */
class UpgradeSafetyTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    static final Path CANONICAL = Path.of("src/test/resources/canonical-savepoints");
    /** Operators whose state is the model; every one must be in every canonical savepoint. */
    private static final List<String> MODEL_OPERATORS = List.of(
            FreshRecState.Uid.USER_HISTORY,
            FreshRecState.Uid.ITEM_MODEL,
            FreshRecState.Uid.MODEL_GATE,
            FreshRecState.Uid.SERVING);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extensionWatchingWatermarks(PROXY_PORT, PORTS.port(1));

    @TempDir
    Path work;

    static Stream<Path> canonicalSavepoints() throws Exception {
        try (Stream<Path> dirs = Files.list(CANONICAL)) {
            List<Path> found = dirs.filter(Files::isDirectory).sorted().toList();
            assertThat(found).as("canonical savepoints in %s", CANONICAL).isNotEmpty();
            return found.stream();
        }
    }

    static Stream<Arguments> canonicalSavepointsAtParallelisms() throws Exception {
        return canonicalSavepoints()
                .flatMap(dir -> Stream.of(
                        Arguments.of(dir.getFileName().toString(), 1),
                        Arguments.of(dir.getFileName().toString(), 2)));
    }

    /** One canonical savepoint: where it is, its input, its settings, the figures its README states. */
    private static final class Canonical {
        final Path dir;
        final Path savepoint;
        final List<Interaction> events = new ArrayList<>();
        final Configuration settings;
        final ModelConfig config;
        final Map<String, Long> figures = new LinkedHashMap<>();

        Canonical(String name) throws Exception {
            dir = CANONICAL.resolve(name);
            savepoint = dir.resolve("savepoint");
            InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
            for (String line : Files.readAllLines(dir.resolve("events.jsonl"), StandardCharsets.UTF_8)) {
                events.add(parser.parse(line, Long.MAX_VALUE / 2).interaction());
            }
            settings = FlinkSettings.load(dir, Map.of(), Path.of("").toAbsolutePath());
            config = FreshRecOptions.modelConfig(settings);
            Matcher figure =
                    Pattern.compile("(?m)^  ([a-z ]+): (-?\\d+)").matcher(Files.readString(dir.resolve("README.txt")));
            while (figure.find()) {
                figures.put(figure.group(1), Long.parseLong(figure.group(2)));
            }
        }

        long lastEventTime() {
            return events.stream().mapToLong(event -> event.timestamp).max().orElseThrow();
        }

        Set<Long> users() {
            Set<Long> users = new TreeSet<>();
            events.forEach(event -> users.add(event.userId));
            return users;
        }
    }

    @ParameterizedTest
    @MethodSource("canonicalSavepoints")
    void shouldStateFiguresItsInputBearsOut(Path dir) throws Exception {
        Canonical canonical = new Canonical(dir.getFileName().toString());
        List<Interaction> events = canonical.events;
        long last = canonical.lastEventTime();
        Set<Long> versionTimes = new TreeSet<>();
        events.forEach(event -> versionTimes.add(
                Math.floorDiv(event.timestamp, canonical.config.publishIntervalMs) * canonical.config.publishIntervalMs
                        + canonical.config.publishIntervalMs));
        Map<String, Long> counted = new LinkedHashMap<>();
        counted.put("events", (long) events.size());
        counted.put("users", (long) canonical.users().size());
        counted.put(
                "items",
                events.stream().mapToLong(event -> event.itemId).distinct().count());
        counted.put(
                "first event time",
                events.stream().mapToLong(event -> event.timestamp).min().orElseThrow());
        counted.put("last event time", last);
        // A version is committed once the watermark (the last event time) has passed its time.
        counted.put(
                "committed versions",
                versionTimes.stream().filter(time -> time <= last).count());
        counted.put(
                "open versions",
                versionTimes.stream().filter(time -> time > last).count());
        assertThat(canonical.figures)
                .as("figures in %s", dir.resolve("README.txt"))
                .isEqualTo(counted);
    }

    @ParameterizedTest
    @MethodSource("canonicalSavepoints")
    void shouldHoldEveryModelOperatorAtTheJobsMaxParallelismAndNothingElse(Path dir) throws Exception {
        Path savepoint = dir.resolve("savepoint");
        CheckpointMetadata metadata;
        try (InputStream in = Files.newInputStream(savepoint.resolve("_metadata"))) {
            metadata = Checkpoints.loadCheckpointMetadata(
                    new DataInputStream(in),
                    getClass().getClassLoader(),
                    savepoint.toAbsolutePath().toString());
        }
        Map<OperatorID, OperatorState> byId = new HashMap<>();
        metadata.getOperatorStates().forEach(state -> byId.put(state.getOperatorID(), state));
        for (String uid : MODEL_OPERATORS) {
            OperatorState state = byId.remove(OperatorIdentifier.forUid(uid).getOperatorId());
            assertThat(state).as("state of %s", uid).isNotNull();
            assertThat(state.getStateSize()).as("state size of %s", uid).isPositive();
            assertThat(state.getMaxParallelism())
                    .as("max parallelism of %s", uid)
                    .isEqualTo(FreshRecJob.DEFAULT_MAX_PARALLELISM);
        }
        // Parse may hold the model's totals (events learnt, dead letters); everything else (sinks, and above all any
        // source: its read position belongs to another input) holds nothing, so any job variant starts from it.
        byId.remove(OperatorIdentifier.forUid(FreshRecState.Uid.PARSE).getOperatorId());
        assertThat(byId.values()).allSatisfy(state -> {
            assertThat(state.getStateSize())
                    .as("state of operator %s", state.getOperatorID())
                    .isZero();
            assertThat(state.getCoordinatorState())
                    .as("source coordinator state of %s", state.getOperatorID())
                    .isNull();
        });
    }

    @ParameterizedTest(name = "{0} at parallelism {1}")
    @MethodSource("canonicalSavepointsAtParallelisms")
    void shouldRestoreToTheIndependentFoldOfItsInputAndKeepLearning(String name, int parallelism) throws Exception {
        Canonical canonical = new Canonical(name);
        long last = canonical.lastEventTime();

        // As restored: nothing new read, the watermark back where the savepoint was taken.
        ReferenceModel restored = new ReferenceModel(OracleSettings.of(canonical.settings), canonical.events);
        Map<Long, Recommendations> lists = run(canonical, parallelism, List.of(), last, restored);
        assertThat(lists.keySet()).containsExactlyElementsOf(canonical.users());
        assertThat(lists.values().stream()
                        .mapToLong(list -> list.modelVersion)
                        .max()
                        .orElseThrow())
                .isEqualTo(canonical.figures.get("committed versions"));

        // More of the stream, after the savepoint's last event: the model learns on from where it was.
        SyntheticInteractions more = new SyntheticInteractions(77, 50, 60, 4, last + 1, 20, 20_000, 1000, 0.0);
        List<Interaction> next = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            next.add(more.at(n));
        }
        List<Interaction> all = new ArrayList<>(canonical.events);
        all.addAll(next);
        ReferenceModel continued = new ReferenceModel(OracleSettings.of(canonical.settings), all);
        Map<Long, Recommendations> after =
                run(canonical, parallelism, next, next.get(next.size() - 1).timestamp, continued);
        Set<Long> active = new TreeSet<>();
        next.forEach(event -> active.add(event.userId));
        assertThat(after).hasSize(continued.users().size());
        for (long user : active) {
            assertThat(after.get(user).modelVersion)
                    .as("user %d served by a newer version", user)
                    .isGreaterThan(canonical.figures.get("committed versions"));
        }
    }

    @Test
    void shouldRefuseToRestoreUnderAnotherMaxParallelism() throws Exception {
        Canonical canonical = new Canonical(
                canonicalSavepoints().findFirst().orElseThrow().getFileName().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        env.setMaxParallelism(256);
        JobClient job =
                submit(env, canonical, List.of(), canonical.lastEventTime(), new CollectingSink<>("upgrade-refused"));
        try {
            assertThat(catchFailure(job))
                    .as("restoring key groups of max parallelism 128 under 256")
                    .contains(
                            "Max parallelism mismatch",
                            "with max parallelism 128 to new program with max parallelism 256");
        } finally {
            cancelQuietly(job);
        }
    }

    /**
     * Starts the job from the canonical savepoint with {@code input} (read to {@code end} and no further), waits
     * until it has served every new interaction and applied everything, and checks every user's list and every
     * item's state against {@code reference}; returns the lists.
     */
    private Map<Long, Recommendations> run(
            Canonical canonical, int parallelism, List<Interaction> input, long end, ReferenceModel reference)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(parallelism);
        CollectingSink<Recommendations> served =
                new CollectingSink<>("upgrade-" + canonical.dir.getFileName() + "-" + parallelism + "-" + input.size());
        JobClient job = submit(env, canonical, input, end, served);
        FlinkRest rest = FreshRecCluster.rest(CLUSTER);
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost", PROXY_PORT, URI.create("http://localhost:1"), job.getJobID(), Duration.ofSeconds(30))) {
            ModelLookups.awaitFinal(
                    lookups,
                    rest,
                    job.getJobID().toHexString(),
                    () -> served.received().size(),
                    input.size(),
                    end,
                    reference.users(),
                    reference.items(),
                    Duration.ofMinutes(3));
            Map<Long, Recommendations> lists = new HashMap<>();
            for (long user : reference.users()) {
                Optional<Recommendations> list = lookups.recommendations(user);
                assertThat(list).as("list of user %d", user).isPresent();
                assertSameList(user, list.get(), reference.recommend(user));
                lists.put(user, list.get());
            }
            for (long item : reference.items()) {
                assertSameItem(item, lookups.similarItems(item), reference.item(item, end));
            }
            return lists;
        } finally {
            cancelQuietly(job);
        }
    }

    private JobClient submit(
            StreamExecutionEnvironment env,
            Canonical canonical,
            List<Interaction> input,
            long end,
            CollectingSink<Recommendations> served)
            throws Exception {
        Path file = Files.createTempFile(work, "input-", ".jsonl");
        List<String> lines = new ArrayList<>();
        input.forEach(event -> lines.add(InteractionParser.toJson(event)));
        Files.write(file, lines, StandardCharsets.UTF_8);
        FreshRecJob job = new FreshRecJob(
                canonical.settings,
                InteractionSource.replayTo(
                        file,
                        InputFormat.JSON_LINES,
                        end,
                        canonical.settings.get(FreshRecOptions.OUT_OF_ORDERNESS),
                        "source-test"),
                new CollectingSink<DeadLetter>("upgrade-dead-letters"),
                served);
        job.build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(
                canonical.savepoint.toAbsolutePath().toString(), false));
        return env.executeAsync(graph);
    }

    private static String catchFailure(JobClient job) throws Exception {
        try {
            job.getJobExecutionResult().get(2, TimeUnit.MINUTES);
            return "the job did not fail";
        } catch (ExecutionException failed) {
            StringBuilder text = new StringBuilder();
            for (Throwable cause = failed; cause != null; cause = cause.getCause()) {
                text.append(cause.getMessage()).append(" | ");
            }
            return text.toString();
        }
    }

    private static void cancelQuietly(JobClient job) {
        try {
            job.cancel().get(60, TimeUnit.SECONDS);
        } catch (Exception alreadyEnded) {
            // a failed job cannot be cancelled
        }
    }
}

package io.freshrec.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.ModelLookups;
import io.freshrec.testing.SharedData;
import io.freshrec.testing.TestPorts;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Warm start: {@code bootstrap} learns from the first part of a dataset, the streaming job starts from its
 * savepoint and reads the rest, and then it answers every lookup (every user's served list, every item's model
 * state) exactly as a job that read the whole dataset live. Both jobs read their input to its last event time
 * and stay up without the end-of-time watermark, so the comparison covers what the bootstrap must leave pending:
 * expiry timers (users and items that expire only during the stream), the model version open at the split, the
 * version counter (served lists carry version numbers) and serving's state.
 */
class BootstrapTest {
    /**
     * Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server, 2-3 the bootstrap's
     * Prometheus.
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    private static final long START = 1_704_067_200_000L;
    private static final Path MOVIELENS = SharedData.MOVIELENS_SMALL_RATINGS;
    private static final long COHORT_USERS = 100_001;
    private static final long COHORT_ITEMS = 200_001;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = FreshRecCluster.extensionWatchingWatermarks(PROXY_PORT, PORTS.port(1));

    @TempDir
    Path work;

    /** An input record with what the comparison needs of it. */
    private record Line(String text, long time, long user, long item) {}

    /** What a comparison found, for the test's own checks on top of equality. */
    private record Outcome(Map<String, String> live, Map<String, String> warm, List<Line> history, List<Line> rest) {}

    @Test
    void shouldServeExactlyWhatALiveJobServesAfterBootstrappingFromTheFirstPartAndStreamingTheRest() throws Exception {
        SyntheticInteractions world = new SyntheticInteractions(7, 60, 120, 6, START, 20, 20_000, 20, 0.0);
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < 1500; n++) {
            events.add(world.at(n));
        }
        // Inside a publish interval: the version open at the split gets updates from both parts.
        long split = world.timeOf(1200) + 130;
        long userTtl = 40_000;
        long itemTtl = 45_000;
        // A cohort that leaves for good during the history, with items only it uses: its users and items expire
        // during the stream, by timers the bootstrap registered.
        long leftAt = split - 35_000;
        for (int k = 0; START + 3 + 700L * k <= leftAt; k++) {
            Interaction event = new Interaction();
            event.userId = COHORT_USERS + k % 4;
            event.itemId = COHORT_ITEMS + (k * 7) % 6;
            event.type = EventType.CLICK;
            event.timestamp = START + 3 + 700L * k;
            events.add(event);
        }
        events.sort(Comparator.comparingLong(event -> event.timestamp));
        // Expiry of a user or item that comes back about one time-to-live later depends on how far the watermark
        // has moved when the comeback arrives, which differs between any two runs, live or not: this world has none.
        assertThat(comebacks(userEventTimes(events), userTtl))
                .as("users back after a pause of a time-to-live")
                .isEmpty();
        assertThat(comebacks(itemUpdateTimes(events, 8), itemTtl))
                .as("items updated after a pause of a time-to-live")
                .isEmpty();
        List<String> records = new ArrayList<>();
        events.forEach(event -> records.add(InteractionParser.toJson(event)));
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(FreshRecOptions.ALIGN_TO_MODEL.key(), "true");
        settings.put(FreshRecOptions.NEIGHBOURS.key(), "500");
        settings.put(FreshRecOptions.TOP_N.key(), "10");
        settings.put(FreshRecOptions.TRENDING_SIZE.key(), "20");
        settings.put(FreshRecOptions.PUBLISH_INTERVAL.key(), "500 ms");
        settings.put(FreshRecOptions.OUT_OF_ORDERNESS.key(), "100 ms");
        settings.put(FreshRecOptions.USER_TTL.key(), userTtl + " ms");
        settings.put(FreshRecOptions.ITEM_TTL.key(), itemTtl + " ms");
        // TTLs of seconds (expiry within a short replay of 2024): the bound on future events must be ten times less.
        settings.put(FreshRecOptions.MAX_FUTURE.key(), "1 s");

        Outcome outcome = bootstrapAndCompare(records, InputFormat.JSON_LINES, null, split, settings);

        long learned = outcome.live.values().stream()
                .filter(text -> text.startsWith("items") && !text.contains(" trending 10 "))
                .count();
        assertThat(learned).as("users served learned neighbours").isGreaterThan(40);
        long cohortLast = lastEventTimes(outcome.history, Line::user).get(COHORT_USERS);
        assertThat(cohortLast + userTtl)
                .as("the cohort expires after the split")
                .isGreaterThan(split);
        for (long user = COHORT_USERS; user < COHORT_USERS + 4; user++) {
            assertThat(outcome.live.get("user " + user))
                    .as("cohort user %d expired", user)
                    .isEqualTo("absent");
        }
        for (long item = COHORT_ITEMS; item < COHORT_ITEMS + 6; item++) {
            assertThat(outcome.live.get("item " + item))
                    .as("cohort item %d expired, its norm kept", item)
                    .startsWith("neighbours [] ");
        }
    }

    @Test
    void shouldMatchALiveJobOnASliceOfMovieLens() throws Exception {
        SharedData.require(MOVIELENS);
        // The first 3,000 ratings in time (the late nineties), with the file's header.
        InteractionParser parser = new InteractionParser(InputFormat.MOVIELENS_CSV);
        List<String> lines = new ArrayList<>(Files.readAllLines(MOVIELENS, StandardCharsets.UTF_8));
        String header = lines.remove(0);
        lines.sort(Comparator.comparingLong(parser::timestampOf));
        List<String> slice = lines.subList(0, 3000);
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put(FreshRecOptions.ALIGN_TO_MODEL.key(), "true");
        settings.put(FreshRecOptions.SEEN_LIMIT.key(), "5000");
        long split = parser.timestampOf(slice.get(2000));

        Outcome outcome = bootstrapAndCompare(slice, InputFormat.MOVIELENS_CSV, header, split, settings);

        assertThat(outcome.history).hasSizeBetween(1800, 2000);
        assertThat(outcome.live.values().stream()
                        .filter(text -> text.startsWith("items"))
                        .count())
                .isGreaterThan(50);
    }

    /**
     * Runs the whole input live, bootstraps from the records before {@code split} with the real command, runs
     * the rest from the bootstrap savepoint, and asserts that both answer every lookup identically.
     */
    private Outcome bootstrapAndCompare(
            List<String> records, InputFormat format, String header, long split, Map<String, String> settings)
            throws Exception {
        InteractionParser parser = new InteractionParser(format);
        List<Line> all = new ArrayList<>();
        for (String record : records) {
            ParseResult parsed = parser.parse(record, System.currentTimeMillis());
            assertThat(parsed.isValid()).as(record).isTrue();
            Interaction event = parsed.interaction();
            all.add(new Line(record, event.timestamp, event.userId, event.itemId));
        }
        List<Line> history = all.stream().filter(line -> line.time < split).toList();
        List<Line> rest = all.stream().filter(line -> line.time >= split).toList();
        assertThat(history).isNotEmpty();
        assertThat(rest).isNotEmpty();
        String suffix = format == InputFormat.JSON_LINES ? ".jsonl" : ".csv";
        Path allFile = write("all" + suffix, header, all);
        Path historyFile = write("history" + suffix, header, history);
        Path restFile = write("rest" + suffix, header, rest);
        long end = all.stream().mapToLong(Line::time).max().orElseThrow();
        Set<Long> users = ids(all, Line::user);
        Set<Long> items = ids(all, Line::item);
        Configuration jobSettings =
                FlinkSettings.load(Path.of("flink-conf"), settings, Path.of("").toAbsolutePath());

        long started = System.nanoTime();
        Map<String, String> live = runAndRead(jobSettings, allFile, format, end, all.size(), null, users, items);
        long lived = System.nanoTime();

        List<String> command = new ArrayList<>(List.of(
                "bootstrap",
                "--input",
                historyFile.toString(),
                "--out",
                work.resolve("savepoints").toString(),
                "--registry",
                work.resolve("registry").toString(),
                "--progress",
                "2s",
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp"),
                "-D",
                "metrics.fetcher.update-interval=500",
                "-D",
                "metrics.reporter.prom.port=" + PORTS.range(2, 3)));
        settings.forEach((key, value) -> command.addAll(List.of("-D", key + "=" + value)));
        CliRun bootstrap = CliRun.of(command.toArray(String[]::new));
        assertThat(bootstrap.code())
                .as(bootstrap.out() + "\n" + bootstrap.err())
                .isZero();
        assertThat(bootstrap.out())
                .contains("Version v1 (bootstrap): file:", "java -jar target/freshrec.jar run --from v1 ");
        VersionRecord version =
                new VersionRegistry(work.resolve("registry")).find("v1").orElseThrow();
        assertThat(version.kind).isEqualTo(VersionRecord.BOOTSTRAP);
        assertThat(version.events).isEqualTo(history.size());

        long bootstrapped = System.nanoTime();
        Map<String, String> warm =
                runAndRead(jobSettings, restFile, format, end, rest.size(), version.savepoint, users, items);
        System.out.printf(
                "%s: %d events (%d history, %d rest), %d lookups compared; live job %.1f s, bootstrap %.1f s, "
                        + "warm-started job %.1f s%n",
                format,
                all.size(),
                history.size(),
                rest.size(),
                live.size(),
                (lived - started) / 1e9,
                (bootstrapped - lived) / 1e9,
                (System.nanoTime() - bootstrapped) / 1e9);

        List<String> differences = new ArrayList<>();
        for (Map.Entry<String, String> entry : live.entrySet()) {
            if (!entry.getValue().equals(warm.get(entry.getKey()))) {
                differences.add(entry.getKey() + ": live " + entry.getValue() + " | warm " + warm.get(entry.getKey()));
            }
        }
        assertThat(differences)
                .as("lookups that differ between the live job and the warm-started one (of %d)", live.size())
                .isEmpty();
        assertThat(warm).hasSameSizeAs(live);
        return new Outcome(live, warm, history, rest);
    }

    /** Runs the job on {@code input} (from {@code savepoint} if given) until it has applied everything; its lookups. */
    private Map<String, String> runAndRead(
            Configuration settings,
            Path input,
            InputFormat format,
            long end,
            int expectedLists,
            String savepoint,
            Set<Long> users,
            Set<Long> items)
            throws Exception {
        CollectingSink<Recommendations> served =
                new CollectingSink<>("bootstrap-test-served-" + input.getFileName() + "-" + end);
        FreshRecJob job = new FreshRecJob(
                settings,
                InteractionSource.replayTo(
                        input, format, end, settings.get(FreshRecOptions.OUT_OF_ORDERNESS), "source-test"),
                new CollectingSink<DeadLetter>("bootstrap-test-dead-letters"),
                served);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        job.build(env);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(FreshRecJob.JOB_NAME);
        if (savepoint != null) {
            graph.setSavepointRestoreSettings(SavepointRestoreSettings.forPath(savepoint, false));
        }
        JobClient client = env.executeAsync(graph);
        FlinkRest rest = FreshRecCluster.rest(CLUSTER);
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost", PROXY_PORT, URI.create("http://localhost:1"), client.getJobID(), Duration.ofSeconds(30))) {
            return ModelLookups.awaitFinal(
                    lookups,
                    rest,
                    client.getJobID().toHexString(),
                    () -> served.received().size(),
                    expectedLists,
                    end,
                    users,
                    items,
                    Duration.ofMinutes(3));
        } finally {
            client.cancel().get(60, TimeUnit.SECONDS);
        }
    }

    private Path write(String name, String header, List<Line> lines) throws Exception {
        List<String> text = new ArrayList<>();
        if (header != null) {
            text.add(header);
        }
        lines.forEach(line -> text.add(line.text));
        return Files.write(work.resolve(name), text, StandardCharsets.UTF_8);
    }

    private static Set<Long> ids(List<Line> lines, ToLongFunction<Line> id) {
        Set<Long> ids = new TreeSet<>();
        lines.forEach(line -> ids.add(id.applyAsLong(line)));
        return ids;
    }

    private static Map<Long, Long> lastEventTimes(List<Line> lines, ToLongFunction<Line> id) {
        Map<Long, Long> last = new TreeMap<>();
        lines.forEach(line -> last.merge(id.applyAsLong(line), line.time, Math::max));
        return last;
    }

    private static Map<Long, List<Long>> userEventTimes(List<Interaction> events) {
        Map<Long, List<Long>> times = new TreeMap<>();
        events.forEach(event ->
                times.computeIfAbsent(event.userId, user -> new ArrayList<>()).add(event.timestamp));
        return times;
    }

    /**
     * When each item's model state changes: on interactions with it, and on every interaction of a user whose
     * recent distinct items (the history) hold it. Written from the model's definition, not its classes.
     */
    private static Map<Long, List<Long>> itemUpdateTimes(List<Interaction> events, int historyLength) {
        Map<Long, List<Long>> times = new TreeMap<>();
        Map<Long, LinkedHashSet<Long>> histories = new HashMap<>();
        for (Interaction event : events) {
            LinkedHashSet<Long> history = histories.computeIfAbsent(event.userId, user -> new LinkedHashSet<>());
            history.forEach(
                    item -> times.computeIfAbsent(item, i -> new ArrayList<>()).add(event.timestamp));
            times.computeIfAbsent(event.itemId, i -> new ArrayList<>()).add(event.timestamp);
            if (!history.remove(event.itemId) && history.size() >= historyLength) {
                history.remove(history.iterator().next());
            }
            history.add(event.itemId);
        }
        return times;
    }

    /** Entities that change again after a pause of at least {@code ttl}. */
    private static List<Long> comebacks(Map<Long, List<Long>> times, long ttl) {
        List<Long> found = new ArrayList<>();
        times.forEach((id, list) -> {
            for (int i = 1; i < list.size(); i++) {
                if (list.get(i) - list.get(i - 1) >= ttl) {
                    found.add(id);
                    return;
                }
            }
        });
        return found;
    }
}

package io.freshrec.offline;

import static io.freshrec.testing.ServedLists.awaitLists;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.ModelData;
import io.freshrec.model.ModelExport;
import io.freshrec.model.Recommendations;
import io.freshrec.model.UserProfile;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.serving.FreshRecServable;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SyntheticInteractions;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.FreshRecCluster;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.ml.linalg.DenseVector;
import org.apache.flink.ml.servable.api.DataFrame;
import org.apache.flink.ml.servable.api.Row;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Offline inspection and export of a model version: the job runs on a MiniCluster (RocksDB, parallelism 2)
 * until its finite input has ended and every user is served with the final model, each user's list is looked
 * up through queryable state, and the job is savepointed in both formats. Then the real commands read the
 * savepoints with the State Processor API: {@code export} writes the model as files, which loaded into the Flink
 * ML servable score every user exactly as the job served them; {@code inspect} reports the figures an
 * independent count of the input gives.
 */
class SavepointExportTest {
    /** Ports of this class only (TestPorts): 0 the queryable-state proxy, 1 the state server. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final int PROXY_PORT = PORTS.port(0);
    private static final long START = 1_704_067_200_000L;
    private static final int EVENTS = 1500;
    private static final SyntheticInteractions WORLD =
            new SyntheticInteractions(13, 60, 120, 6, START, 20, 20_000, 20, 0.0);

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setConfiguration(clusterConfiguration())
            .setNumberTaskManagers(1)
            .setNumberSlotsPerTaskManager(2)
            .build());

    /** The job's settings, as a config.yaml the commands read (FreshRec's defaults otherwise). */
    private static final Map<String, String> SETTINGS = new LinkedHashMap<>();

    static {
        // More candidates than items: no truncation, so ties at the cut cannot make the wait for the final lists flaky.
        SETTINGS.put("freshrec.model.neighbours", "500");
        SETTINGS.put("freshrec.serving.top-n", "10");
        SETTINGS.put("freshrec.model.trending-size", "20");
        SETTINGS.put("freshrec.model.publish-interval", "500 ms");
        SETTINGS.put("freshrec.watermark.out-of-orderness", "100 ms");
        // As in flink-conf/config.yaml: timers on the heap, stored differently in native RocksDB savepoints.
        SETTINGS.put("state.backend.rocksdb.timer-service.factory", "HEAP");
    }

    private static Configuration clusterConfiguration() {
        Configuration conf = FreshRecCluster.configuration(PROXY_PORT, PORTS.port(1));
        conf.setString("state.backend.rocksdb.timer-service.factory", "HEAP");
        return conf;
    }

    @TempDir
    static Path work;

    private static Path flinkConf;
    private static final List<Interaction> INPUT = new ArrayList<>();
    private static ReferenceModel reference;
    private static ModelConfig config;
    /** Every user's list as the job served it, looked up through queryable state. */
    private static Map<Long, Recommendations> served;

    private static String canonical;
    private static String nativeSavepoint;
    private static Path registry;

    /**
     * Runs the job and takes its savepoints, once for all tests (the cluster's environment is only set
     * up for test methods, so this runs from the first of them).
     */
    private static synchronized void runTheJobAndSavepointIt() throws Exception {
        if (registry != null) {
            return;
        }
        flinkConf = Files.createDirectories(work.resolve("conf"));
        StringBuilder yaml = new StringBuilder();
        SETTINGS.forEach(
                (key, value) -> yaml.append(key).append(": ").append(value).append('\n'));
        Files.writeString(flinkConf.resolve("config.yaml"), yaml);
        Configuration settings = FlinkSettings.load(flinkConf, Map.of(), work);
        config = FreshRecOptions.modelConfig(settings);
        for (int n = 0; n < EVENTS; n++) {
            INPUT.add(WORLD.at(n));
        }
        reference = new ReferenceModel(OracleSettings.of(settings), INPUT);

        FreshRecJob job = new FreshRecJob(
                settings,
                InteractionSource.generator(WORLD, EVENTS, 0, false, true),
                new CollectingSink<DeadLetter>("export-dead-letters"),
                null);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(2);
        // As in flink-conf/config.yaml: compressed snapshots (Snappy).
        env.configure(Configuration.fromMap(Map.of(ExecutionOptions.SNAPSHOT_COMPRESSION.key(), "true")));
        job.build(env);
        JobClient running = env.executeAsync(FreshRecJob.JOB_NAME);
        try (RecommendationClient lookups = new RecommendationClient(
                "localhost",
                PROXY_PORT,
                URI.create("http://localhost:1"),
                running.getJobID(),
                Duration.ofSeconds(30))) {
            // The input has ended: every list is scored with the final model, as the independent computation says.
            served = awaitLists(
                    lookups, reference, user -> reference.recommend(user, Long.MAX_VALUE), Duration.ofSeconds(120));
        }
        Path savepoints = work.resolve("savepoints");
        nativeSavepoint = running.triggerSavepoint(savepoints.toUri().toString(), SavepointFormatType.NATIVE)
                .get(60, TimeUnit.SECONDS);
        canonical = running.stopWithSavepoint(false, savepoints.toUri().toString(), SavepointFormatType.CANONICAL)
                .get(60, TimeUnit.SECONDS);

        // The canonical savepoint as a registry version, with the job arguments a run records.
        VersionRecord version = new VersionRecord();
        version.kind = VersionRecord.MANUAL;
        version.savepoint = canonical;
        version.programArgs =
                List.of("--events", String.valueOf(EVENTS), "--keep-running", "--flink-conf", flinkConf.toString());
        new VersionRegistry(work.resolve("versions")).add(version);
        registry = work.resolve("versions");
    }

    /** The version the last event went into: the first multiple of the publish interval after it. */
    private static long lastVersionTime() {
        long last = INPUT.stream().mapToLong(event -> event.timestamp).max().orElseThrow();
        return Math.floorDiv(last, config.publishIntervalMs) * config.publishIntervalMs + config.publishIntervalMs;
    }

    @Test
    void shouldExportACanonicalVersionThatTheServableScoresExactlyAsTheJobServed() throws Exception {
        runTheJobAndSavepointIt();
        Path out = work.resolve("export-v1");
        CliRun export = CliRun.of("export", "v1", "--registry", registry.toString(), "--out", out.toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.out())
                .startsWith("Exported model v")
                .contains("of v1: ")
                .contains("users")
                .contains(String.format(
                        "%d of %d served lists were computed with v",
                        reference.users().size(), reference.users().size()))
                .contains("the job arguments recorded with v1");
        // Progress on stderr; a canonical savepoint is restored into the heap unless asked otherwise.
        assertThat(export.err())
                .contains("Exporting v1 (" + canonical + ")")
                .containsPattern("read [\\d,]+ items, [\\d,]+ served users in "
                        + "[\\d.]+ s \\(heap; state restored after [\\d.]+ s\\)");
        assertServesAsTheJob(out, canonical);
    }

    @Test
    void shouldExportANativeSavepointGivenByPathWithTheSettingsOfFlinkConf() throws Exception {
        runTheJobAndSavepointIt();
        Path out = work.resolve("export-native");
        CliRun export =
                CliRun.of("export", nativeSavepoint, "--out", out.toString(), "--flink-conf", flinkConf.toString());
        assertThat(export.code()).as(export.err()).isZero();
        assertThat(export.out()).contains("of the savepoint: ");
        // A native RocksDB savepoint can only be restored into RocksDB.
        assertThat(export.err()).contains("(RocksDB; state restored after ");
        assertServesAsTheJob(out, nativeSavepoint);
    }

    private static void assertServesAsTheJob(Path out, String savepoint) throws Exception {
        ModelExport.Manifest manifest = ModelExport.readManifest(out);
        assertThat(manifest.savepoint).isEqualTo(savepoint);
        Set<Long> items = new HashSet<>();
        INPUT.forEach(event -> items.add(event.itemId));
        assertThat(manifest.items).isEqualTo(items.size());
        assertThat(manifest.users).isEqualTo(reference.users().size());
        assertThat(manifest.servedUsers).isEqualTo(reference.users().size());
        assertThat(manifest.servedWithThisVersion).isEqualTo(reference.users().size());
        long version = served.values().iterator().next().modelVersion;
        assertThat(served.values())
                .allSatisfy(list -> assertThat(list.modelVersion).isEqualTo(version));
        assertThat(manifest.modelVersion).isEqualTo(version);

        FreshRecServable servable = FreshRecServable.load(out);
        ModelData model = servable.model();
        assertThat(model.version()).isEqualTo(version);
        assertThat(model.time()).isEqualTo(lastVersionTime());
        assertThat(manifest.modelTime).isEqualTo(lastVersionTime());
        assertThat(model.trending().items).hasSize(config.trendingSize);
        assertThat(model.size()).isEqualTo(items.size());
        assertThat(model.config().topN).isEqualTo(config.topN);
        assertThat(model.config().trendingHalfLifeMs).isEqualTo(config.trendingHalfLifeMs);

        List<UserProfile> users = ModelExport.readUsers(out);
        assertThat(users).extracting(user -> user.user).containsExactlyInAnyOrderElementsOf(reference.users());
        DataFrame scored = servable.transform(FreshRecServable.input(users));
        int userColumn = scored.getIndex("user");
        int itemsColumn = scored.getIndex("recommendations");
        int scoresColumn = scored.getIndex("scores");
        int withNeighbours = 0;
        for (Row row : scored.collect()) {
            long user = (Long) row.get(userColumn);
            Recommendations live = served.get(user);
            DenseVector recommended = (DenseVector) row.get(itemsColumn);
            long[] ids = new long[recommended.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = (long) recommended.get(i);
            }
            // The same scoring code on the same numbers: identical lists, to the last bit of every score.
            assertThat(ids).as("items of user %d", user).containsExactly(live.items);
            assertThat(((DenseVector) row.get(scoresColumn)).values)
                    .as("scores of user %d", user)
                    .containsExactly(live.scores);
            if (live.fromTrending < live.items.length) {
                withNeighbours++;
            }
        }
        assertThat(scored.collect()).hasSize(served.size());
        // Mostly learned neighbours, not only the trending fallback.
        assertThat(withNeighbours).isGreaterThan(served.size() / 2);
        // The export also carries the served lists themselves.
        for (UserProfile user : users) {
            assertThat(user.served.items).containsExactly(served.get(user.user).items);
        }
    }

    @Test
    void shouldInspectTheFiguresOfAnIndependentCountOfTheInput() throws Exception {
        runTheJobAndSavepointIt();
        // Canonical, restored into RocksDB on request (for savepoints larger than the heap).
        CliRun inspect = CliRun.of(
                "inspect",
                "v1",
                "--registry",
                registry.toString(),
                "--json",
                "--top",
                "5",
                "--reader-backend",
                "rocksdb");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.err())
                .containsPattern(
                        "read [\\d,]+ user histories, [\\d,]+ items, [\\d,]+ served users in [\\d.]+ s \\(RocksDB; ");
        JsonNode figures = new ObjectMapper().readTree(inspect.out());

        Set<Long> users = new HashSet<>();
        Map<Long, Long> lastTime = new HashMap<>();
        INPUT.forEach(event -> {
            users.add(event.userId);
            lastTime.merge(event.itemId, event.timestamp, Math::max);
        });
        assertThat(figures.path("format").asText()).isEqualTo("CANONICAL");
        assertThat(figures.path("version").asText()).isEqualTo("v1");
        assertThat(figures.path("users").path("withHistory").asLong()).isEqualTo(users.size());
        assertThat(figures.path("users").path("served").asLong()).isEqualTo(users.size());
        assertThat(figures.path("users").path("interactions").asLong()).isEqualTo(EVENTS);
        assertThat(figures.path("users").path("pendingEvents").asLong()).isZero();
        assertThat(figures.path("users").path("historyLengthMax").asInt()).isEqualTo(config.historyLength);
        assertThat(figures.path("items").path("total").asLong()).isEqualTo(lastTime.size());
        assertThat(figures.path("items").path("live").asLong()).isEqualTo(lastTime.size());
        assertThat(figures.path("items").path("pendingUpdates").asLong()).isZero();
        long version = served.values().iterator().next().modelVersion;
        assertThat(figures.path("model").path("version").asLong()).isEqualTo(version);
        assertThat(figures.path("model").path("pendingVersions").asInt()).isZero();
        assertThat(figures.path("model").path("time").asLong()).isEqualTo(lastVersionTime());
        assertThat(figures.path("model").path("trendingListLength").asInt()).isEqualTo(config.trendingSize);
        assertThat(figures.path("state").path("bytesOnDisk").asLong()).isPositive();
        assertThat(figures.path("state").path("bytesPerUser").asDouble()).isPositive();

        // Popularity: every event's weight, decayed to the head's time, summed per item.
        PopularityHead.assertHead(
                figures.path("popularityHead"),
                INPUT,
                config,
                figures.path("popularityAt").asLong(),
                5);

        // The native savepoint, as text: the same counts.
        CliRun text = CliRun.of("inspect", nativeSavepoint, "--flink-conf", flinkConf.toString());
        assertThat(text.code()).as(text.err()).isZero();
        assertThat(text.out())
                .contains("(NATIVE, checkpoint ")
                .contains(String.format("Users:  %d with histories", users.size()))
                .contains(String.format("from %,d interactions", EVENTS))
                .contains(String.format("Items:  %d (%d live, 0 expired", lastTime.size(), lastTime.size()))
                .contains("Model:  version v" + version + ", items as of ")
                .contains("Popularity head");
        assertThat(text.out()
                        .lines()
                        .filter(line -> line.matches(" +\\d+\\. item \\d+ +\\d+\\.\\d{3}"))
                        .count())
                .isEqualTo(10);
    }

    @Test
    void shouldExplainMissingUnreadableAndUnknownSourcesOnOneLine() throws Exception {
        runTheJobAndSavepointIt();
        Path missing = work.resolve("no-such-savepoint");
        CliRun none = CliRun.of("inspect", missing.toString());
        assertThat(none.code()).isEqualTo(1);
        assertThat(none.err().trim())
                .isEqualTo("freshrec: no savepoint at " + missing + " (no such file or directory)");

        Path empty = Files.createDirectories(work.resolve("empty-dir"));
        CliRun noMetadata = CliRun.of(
                "export", empty.toString(), "--out", work.resolve("never").toString());
        assertThat(noMetadata.code()).isEqualTo(1);
        assertThat(noMetadata.err().trim()).isEqualTo("freshrec: no savepoint at " + empty + " (no _metadata there)");

        Path garbage = Files.createDirectories(work.resolve("garbage"));
        Files.writeString(garbage.resolve("_metadata"), "this is not a savepoint");
        CliRun unreadable = CliRun.of("inspect", garbage.toString());
        assertThat(unreadable.code()).isEqualTo(1);
        assertThat(unreadable.err().trim()).startsWith("freshrec: cannot read the savepoint at " + garbage + ": ");
        assertThat(unreadable.err().trim().lines()).hasSize(1);

        CliRun unknown = CliRun.of("inspect", "v9", "--registry", registry.toString());
        assertThat(unknown.code()).isEqualTo(1);
        assertThat(unknown.err().trim())
                .isEqualTo("freshrec: 'v9' is neither a savepoint path nor a version in "
                        + registry.resolve("versions.json") + " (known: v1)");

        Path occupied = Files.createDirectories(work.resolve("occupied"));
        Files.writeString(occupied.resolve("something"), "x");
        CliRun notEmpty = CliRun.of("export", "v1", "--registry", registry.toString(), "--out", occupied.toString());
        assertThat(notEmpty.code()).isEqualTo(1);
        assertThat(notEmpty.err().trim())
                .isEqualTo("freshrec: --out " + occupied + " is not empty (export into a new or empty directory)");

        CliRun badTop = CliRun.of("inspect", "v1", "--registry", registry.toString(), "--top", "0");
        assertThat(badTop.code()).isEqualTo(2);
        assertThat(badTop.err().trim()).isEqualTo("freshrec: --top must be in [1, 100000]");

        CliRun badBackend = CliRun.of("inspect", "v1", "--registry", registry.toString(), "--reader-backend", "memory");
        assertThat(badBackend.code()).isEqualTo(2);
        assertThat(badBackend.err().trim()).isEqualTo("freshrec: --reader-backend must be auto, heap or rocksdb");

        CliRun noOut = CliRun.of("export", "v1", "--registry", registry.toString());
        assertThat(noOut.code()).isEqualTo(2);
        assertThat(noOut.err()).contains("Missing required option: '--out=DIR'");
    }
}

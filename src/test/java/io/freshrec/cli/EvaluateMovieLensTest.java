package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.evaluation.EnsembleReplay;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.SharedData;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} on MovieLens latest-small (skipped when the file is absent; it is not part of the repository):
 * FreshRec reaches the target recall@10, and the baselines land on the reference figures published with the file
 * (../shared/data/movielens-latest-small/README.md) for the same protocol and the same 100,226 scored events.
 */
class EvaluateMovieLensTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final Path RATINGS = SharedData.MOVIELENS_SMALL_RATINGS;
    /** Published: prequential recall@10 of running popularity and of cosine co-occurrence over the last 10 items. */
    private static final double REFERENCE_POPULARITY = 0.0464;

    private static final double REFERENCE_COSINE = 0.0831;
    private static final long REFERENCE_SCORED = 100_226;
    /** A published figure stands for every count that rounds to it: half a unit of its last digit either way. */
    private static final double HALF_UNIT = 0.00005;
    /**
     * The cosine baseline's hits, exactly, and where they differ from the published figure. 0.0831 of 100,226 means
     * 8,324 to 8,333 hits; the protocol as the README states it gives 8,319 (0.0830). Computed apart from this
     * code (a standalone replay varying every choice the README leaves open, issue 18's note): with scores equal
     * to 12 decimal places taken as ties, every double-precision formula and order of summation gives 8,319;
     * comparing raw sums instead moves it by at most 3 (8,319-8,322). The choices that move it more also move the
     * popularity baseline off its published 0.0464, which these settings reproduce: the order of same-second events
     * (file order; reversed +21 and popularity 4,692), the tie rule (larger id first; smaller ids first 8,230, the
     * most recently known first 8,268, random ties about 8,266), counting pairs only within the last 10 (9,920),
     * counting the event's own new item as known (a leak: 8,372 and more, popularity 4,707). None that keeps
     * popularity on its figure reaches 8,324; the published cosine figure is 5 hits (0.00005) above what its stated
     * protocol gives, for a reason the README does not let us find.
     */
    private static final long COSINE_HITS = 8_319;

    @TempDir
    Path work;

    @Test
    void shouldReachTheTargetAndPutTheBaselinesOnTheReferenceFigures() throws Exception {
        SharedData.require(RATINGS);
        Path json = work.resolve("evaluate.json");

        CliRun run = CliRun.of(
                "evaluate",
                "--input",
                RATINGS.toString(),
                "--json",
                json.toString(),
                "--progress",
                "15s",
                "-D",
                "rest.port=" + PORTS.port(0),
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
                "--dead-letters",
                work.resolve("dead-letters").toString());

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        System.out.println(run.out().substring(run.out().indexOf("| model")));
        JsonNode models = new ObjectMapper().readTree(json.toFile()).get("models");
        JsonNode freshrec = models.get(0);
        JsonNode popularity = models.get(1);
        JsonNode cosine = models.get(2);
        assertThat(popularity.get("model").asText()).isEqualTo("running popularity");
        assertThat(cosine.get("model").asText()).isEqualTo("cosine co-occurrence, last 10");

        assertThat(popularity.get("scored").asLong()).isEqualTo(REFERENCE_SCORED);
        assertThat(cosine.get("scored").asLong()).isEqualTo(REFERENCE_SCORED);
        assertThat(freshrec.get("scored").asLong()).isEqualTo(REFERENCE_SCORED);
        // Popularity: the published figure, to its last digit.
        assertThat(popularity.get("recallAt10").asDouble()).isCloseTo(REFERENCE_POPULARITY, within(HALF_UNIT));
        // Cosine: the protocol's exact count, 5 hits below the published figure's lowest (see COSINE_HITS).
        assertThat(cosine.get("hits").asLong()).isEqualTo(COSINE_HITS);
        assertThat(Math.ceil((REFERENCE_COSINE - HALF_UNIT) * REFERENCE_SCORED) - COSINE_HITS)
                .as("hits the published cosine figure needs beyond the protocol's")
                .isEqualTo(5);
        assertThat(freshrec.get("recallAt10").asDouble()).isGreaterThanOrEqualTo(0.10);

        // The ensemble, in memory on the same events: its short-term component is the job's model (its figure within
        // 0.002 of the job's: versions every 200 ms against a model caught up at every new second), and the learnt
        // blend beats every component alone and both baselines.
        int components = EnsembleReplay.COMPONENTS.length;
        JsonNode learnt = models.get(3 + components + 1);
        assertThat(learnt.get("model").asText()).isEqualTo("blend: learnt online (in memory)");
        assertThat(models.get(3).get("recallAt10").asDouble())
                .isCloseTo(freshrec.get("recallAt10").asDouble(), within(0.002));
        for (int row = 3; row < 3 + components; row++) {
            JsonNode component = models.get(row);
            assertThat(component.get("scored").asLong()).isEqualTo(REFERENCE_SCORED);
            assertThat(learnt.get("recallAt10").asDouble())
                    .as("learnt blend against " + component.get("model").asText())
                    .isGreaterThan(component.get("recallAt10").asDouble());
            assertThat(learnt.get("ndcgAt10").asDouble())
                    .isGreaterThan(component.get("ndcgAt10").asDouble());
        }
        assertThat(learnt.get("recallAt10").asDouble())
                .isGreaterThan(cosine.get("recallAt10").asDouble())
                .isGreaterThan(popularity.get("recallAt10").asDouble());
    }
}

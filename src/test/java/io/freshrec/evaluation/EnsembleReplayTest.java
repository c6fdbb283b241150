package io.freshrec.evaluation;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.InputFormat;
import io.freshrec.model.BlendWeights;
import io.freshrec.model.ModelConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EnsembleReplayTest {
    private static final long START_SECONDS = 1_600_000_000L;

    @TempDir
    Path dir;

    /**
     * Users walk a cycle of items in order from random starting points, interleaved: what comes next is the
     * sequence's signal alone (co-occurrence sees neighbours both ways, trending sees none of it).
     */
    private ReplayedEvents walks(int users, int items, int steps, long seed) throws IOException {
        Random random = new Random(seed);
        int[] position = new int[users];
        for (int u = 0; u < users; u++) {
            position[u] = random.nextInt(items);
        }
        List<String> lines = new ArrayList<>();
        lines.add("userId,movieId,rating,timestamp");
        long second = START_SECONDS;
        for (int step = 0; step < steps; step++) {
            for (int u = 0; u < users; u++) {
                lines.add((u + 1) + "," + (position[u] + 1) + ",4.0," + second++);
                position[u] = (position[u] + 1) % items;
            }
        }
        Path file = dir.resolve("walks.csv");
        Files.write(file, lines);
        return ReplayedEvents.load(file, InputFormat.MOVIELENS_CSV, System.currentTimeMillis());
    }

    private static ModelConfig config() {
        ModelConfig config = new ModelConfig();
        config.seenLimit = 5_000;
        return config;
    }

    @Test
    void shouldScoreTheSameEventsAsTheBaselinesWithARowPerComponentAndBlend() throws IOException {
        ReplayedEvents replay = walks(40, 30, 10, 1);
        List<Long> progress = new ArrayList<>();

        EnsembleReplay.Result result =
                new EnsembleReplay(config(), BlendWeights.DEFAULT_RATE).evaluate(replay, progress::add);

        long scored = Prequential.evaluate(new RunningPopularity(), replay, done -> {}).scored;
        assertThat(result.rows).hasSize(EnsembleReplay.COMPONENTS.length + 2);
        assertThat(result.rows).allSatisfy(row -> {
            assertThat(row.scored).isEqualTo(scored);
            assertThat(row.catalogue).isEqualTo(30);
            assertThat(row.covered).isBetween(0L, 30L);
        });
        assertThat(result.rows.get(0).model).contains("short-term");
        assertThat(result.rows.get(EnsembleReplay.COMPONENTS.length + 1).model).contains("learnt");
        assertThat(result.learnt.weights).hasSize(EnsembleReplay.COMPONENTS.length);
        assertThat(progress).isEmpty(); // 400 interactions: fewer than one progress step
    }

    @Test
    void shouldLearnToFollowTheSequenceWhenWhatComesNextIsASequence() throws IOException {
        ReplayedEvents replay = walks(300, 60, 12, 2);

        EnsembleReplay.Result result =
                new EnsembleReplay(config(), BlendWeights.DEFAULT_RATE).evaluate(replay, n -> {});

        int sequence = List.of(EnsembleReplay.COMPONENTS).indexOf("sequence");
        Prequential.Figures sequenceAlone = result.rows.get(sequence);
        Prequential.Figures equal = result.rows.get(EnsembleReplay.COMPONENTS.length);
        Prequential.Figures learnt = result.rows.get(EnsembleReplay.COMPONENTS.length + 1);
        for (int k = 0; k < EnsembleReplay.COMPONENTS.length; k++) {
            if (k != sequence) {
                assertThat(result.learnt.weights[sequence]).isGreaterThan(result.learnt.weights[k]);
                // Short-term co-occurrence nearly matches it here (the next item is the unseen one nearest on the
                // walk), the others fall behind.
                assertThat(sequenceAlone.recall())
                        .isGreaterThanOrEqualTo(result.rows.get(k).recall());
            }
        }
        assertThat(learnt.recall()).isGreaterThan(equal.recall());
        assertThat(learnt.ndcg()).isGreaterThan(equal.ndcg());
        System.out.printf(
                "walks: sequence alone %.4f, equal blend %.4f, learnt %.4f, weights %s%n",
                sequenceAlone.recall(), equal.recall(), learnt.recall(), result.learnt);
    }
}

package io.freshrec.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The baselines and the prequential protocol on cases small enough to compute by hand. */
class BaselinesTest {
    private static final long T0 = 1_700_000_000_000L;

    @TempDir
    Path work;

    private static Interaction event(long user, long item, long second) {
        return new Interaction(user, item, EventType.VIEW, Double.NaN, T0 + second * 1000);
    }

    private static long[] recommend(Baseline model, long user, int k, long... seen) {
        return model.recommend(user, k, item -> Arrays.stream(seen).anyMatch(s -> s == item));
    }

    @Test
    void popularityShouldCountEveryInteractionAndPutTheLargerIdFirstOnTies() {
        RunningPopularity popularity = new RunningPopularity();
        for (Interaction event :
                List.of(event(1, 5, 0), event(2, 5, 1), event(1, 7, 2), event(1, 7, 3), event(3, 9, 4))) {
            popularity.learn(event);
        }
        // 5 and 7 both have two interactions (7's from one user), 9 one.
        assertThat(recommend(popularity, 4, 3)).containsExactly(7, 5, 9);
        assertThat(recommend(popularity, 4, 2)).containsExactly(7, 5);
        assertThat(recommend(popularity, 1, 3, 5, 7)).containsExactly(9);
    }

    @Test
    void cosineShouldScoreTheLastItemsOnlyAndFillWithTheRestOfTheCatalogue() {
        // C(1,2)=1 (user 1), C(1,4)=1 (user 2), C(2,3)=1 (user 5); N(1)=2, N(2)=2, N(3)=3, N(4)=1.
        List<Interaction> events = List.of(
                event(1, 1, 0),
                event(1, 2, 1),
                event(2, 1, 2),
                event(2, 4, 3),
                event(5, 2, 4),
                event(5, 3, 5),
                event(6, 3, 6),
                event(7, 3, 7));
        CosineCooccurrence lastTwo = new CosineCooccurrence(2);
        CosineCooccurrence lastOne = new CosineCooccurrence(1);
        events.forEach(lastTwo::learn);
        events.forEach(lastOne::learn);

        // Last two (1, 2): 4 scores 1/sqrt(2*1) = 0.71 through 1, 3 scores 1/sqrt(2*3) = 0.41 through 2.
        assertThat(recommend(lastTwo, 1, 10, 1, 2)).containsExactly(4, 3);
        // Last one (2): only 3 co-occurs; 4 scores 0 and fills the list.
        assertThat(recommend(lastOne, 1, 10, 1, 2)).containsExactly(3, 4);
        assertThat(recommend(lastOne, 1, 1, 1, 2)).containsExactly(3);

        // A repeat makes 1 the user's latest item again, without counting a second co-occurrence.
        lastOne.learn(event(1, 1, 8));
        assertThat(recommend(lastOne, 1, 10, 1, 2)).containsExactly(4, 3);
    }

    @Test
    void cosineShouldPutTheLargerIdFirstOnEqualScores() {
        CosineCooccurrence cosine = new CosineCooccurrence(10);
        // 8 and 9 each co-occur once with 1 and have one user: equal scores.
        for (Interaction event :
                List.of(event(1, 1, 0), event(1, 8, 1), event(2, 1, 2), event(2, 9, 3), event(3, 1, 4))) {
            cosine.learn(event);
        }
        assertThat(recommend(cosine, 3, 10, 1)).containsExactly(9, 8);
    }

    @Test
    void prequentialShouldScoreKnownUsersAgainstTheirUnseenKnownItemsBeforeLearning() throws Exception {
        List<String> lines = new ArrayList<>();
        // user, item: (1,10) (2,10) | (2,20) scored: nothing unseen is known, miss | (1,30) [20] miss | (1,20) [20] hit
        // at 0 | (3,40) | (3,30) counts 10:2 20:2 30:1 40:1 -> [20, 10, 30] hit at 2 | (3,30) a repeat: not scored.
        long[][] pairs = {{1, 10}, {2, 10}, {2, 20}, {1, 30}, {1, 20}, {3, 40}, {3, 30}, {3, 30}};
        for (int n = 0; n < pairs.length; n++) {
            lines.add(InteractionParser.toJson(event(pairs[n][0], pairs[n][1], n)));
        }
        lines.add(3, "{\"user\": 9, \"item\": 99}"); // a dead letter: missing fields, neither learnt nor scored
        Path file = work.resolve("events.jsonl");
        Files.write(file, lines);

        ReplayedEvents replay = ReplayedEvents.load(file, InputFormat.JSON_LINES, System.currentTimeMillis());
        Prequential.Figures figures = Prequential.evaluate(new RunningPopularity(), replay, done -> {});

        assertThat(replay.deadLetters).isEqualTo(1);
        assertThat(replay.catalogue).isEqualTo(4);
        assertThat(figures.scored).isEqualTo(4);
        assertThat(figures.hits).isEqualTo(2);
        assertThat(figures.repeats).isEqualTo(1);
        assertThat(figures.recall()).isEqualTo(0.5);
        assertThat(figures.ndcg()).isCloseTo((1.0 + 0.5) / 4, within(1e-12));
        // Lists served: [], [20], [20], [20, 10, 30].
        assertThat(figures.covered).isEqualTo(3);
        assertThat(figures.coverage()).isEqualTo(0.75);
    }
}

package io.freshrec.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.model.Recommendations;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RecommendationJsonTest {
    private static Recommendations list(long user, long[] items, double[] scores) {
        Recommendations list = new Recommendations();
        list.userId = user;
        list.items = items;
        list.scores = scores;
        list.modelVersion = 92;
        list.eventTime = 1_796_606_498_336L;
        list.updatedAt = 1_796_606_498_425L;
        list.activeAt = 1_796_606_498_400L;
        list.fromTrending = 1;
        return list;
    }

    @Test
    void shouldWriteTheDocumentedFields() throws Exception {
        String json = RecommendationJson.write(list(42, new long[] {96, 981, 5}, new double[] {1.1636, 0.5722, 0.0}));

        assertThat(json)
                .isEqualTo("{\"user\":42,\"items\":[96,981,5],\"scores\":[1.1636,0.5722,0.0],\"modelVersion\":92,"
                        + "\"eventTime\":1796606498336,\"updatedAt\":1796606498425,\"activeAt\":1796606498400,"
                        + "\"fromTrending\":1}");
        JsonNode parsed = new ObjectMapper().readTree(json);
        assertThat(parsed.path("items").size()).isEqualTo(3);
    }

    @Test
    void shouldReadBackEveryFieldBitForBit() {
        Random random = new Random(17);
        for (int n = 0; n < 1000; n++) {
            int length = random.nextInt(25);
            long[] items = new long[length];
            double[] scores = new double[length];
            for (int i = 0; i < length; i++) {
                items[i] = random.nextLong();
                // Doubles of every magnitude, and ones with no short decimal form.
                scores[i] = switch (i % 4) {
                    case 0 -> random.nextDouble();
                    case 1 -> Double.longBitsToDouble(random.nextLong() & 0x7fefffffffffffffL);
                    case 2 -> random.nextDouble() / 3 * 1e-300;
                    default -> 0.1 + 0.2 * i;
                };
            }
            Recommendations written = list(random.nextLong(), items, scores);
            written.modelVersion = random.nextLong();
            written.fromTrending = random.nextInt(length + 1);

            Recommendations read = RecommendationJson.read(RecommendationJson.write(written));

            assertThat(read).usingRecursiveComparison().isEqualTo(written);
            for (int i = 0; i < length; i++) {
                assertThat(Double.doubleToRawLongBits(read.scores[i]))
                        .isEqualTo(Double.doubleToRawLongBits(written.scores[i]));
            }
        }
    }

    @Test
    void shouldRefuseWhatIsNotAList() {
        assertThatThrownBy(() -> RecommendationJson.read("not json"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a recommendation list");
        assertThatThrownBy(() -> RecommendationJson.read("{\"items\":[1]}"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("not a recommendation list");
    }
}

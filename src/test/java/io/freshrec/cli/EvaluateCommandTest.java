package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.evaluation.BruteForce;
import io.freshrec.evaluation.EnsembleReplay;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.BlendWeights;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.EmbeddedRunSettings;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code evaluate} as a user runs it, on a small generated file with same-second events, repeats and bad records:
 * the table and the JSON, the baselines' figures equal to a brute-force computation of the protocol, FreshRec scored
 * on the same events; bad input fails in one line.
 */
class EvaluateCommandTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final long START = 1_704_067_200_000L;

    @TempDir
    Path work;

    private List<String> settings() {
        List<String> settings = new ArrayList<>(EmbeddedRunSettings.of(PORTS, work));
        settings.addAll(List.of("--dead-letters", work.resolve("dead-letters").toString()));
        return settings;
    }

    /** 300 ratings of 25 users for 40 items (a popular head), three per second, written out of order. */
    private static List<Interaction> generated() {
        Random random = new Random(7);
        List<Interaction> events = new ArrayList<>();
        for (int n = 0; n < 300; n++) {
            double r = random.nextDouble();
            events.add(new Interaction(
                    1 + random.nextInt(25),
                    100 + (long) (40 * r * r),
                    EventType.RATING,
                    // Ratings of varied weight: few exact ties between FreshRec's scores (baselines count events).
                    0.5 + random.nextInt(451) / 100.0,
                    START + (n / 3) * 1000L));
        }
        return events;
    }

    @Test
    void shouldPrintATableAndJsonWithBaselinesAsComputedByBruteForce() throws Exception {
        List<Interaction> events = generated();
        List<String> lines = new ArrayList<>();
        events.forEach(event -> lines.add(InteractionParser.toJson(event)));
        // The replay sorts by event time (file order for ties): shuffle whole seconds, keep each second's order.
        List<String> shuffled = new ArrayList<>();
        for (int second = 99; second >= 0; second--) {
            shuffled.addAll(lines.subList(second * 3, second * 3 + 3));
        }
        shuffled.add(50, "{\"user\": 1, \"item\": 2, \"type\": \"teleport\", \"ts\": " + START + "}");
        shuffled.add(120, "not json at all");
        Path file = work.resolve("events.jsonl");
        Files.write(file, shuffled);
        // A line with a byte that is not UTF-8: one dead letter (bad-encoding), not a failed replay.
        Files.write(
                file,
                ("{\"user\": 1, \"item\": 2, \"type\": \"click\", \"note\": \"\u00ff")
                        .getBytes(StandardCharsets.ISO_8859_1),
                StandardOpenOption.APPEND);
        Files.write(file, ("\", \"ts\": " + START + "}\n").getBytes(StandardCharsets.UTF_8), StandardOpenOption.APPEND);
        Path json = work.resolve("report.json");

        List<String> args = new ArrayList<>(
                List.of("evaluate", "--input", file.toString(), "--json", json.toString(), "--progress", "2s"));
        args.addAll(settings());
        CliRun run = CliRun.of(args.toArray(String[]::new));

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        assertThat(run.out())
                .contains("303 records: 300 interactions of 25 users with ")
                .contains("Baseline running popularity ...", "Baseline cosine co-occurrence, last 10 ...")
                .containsPattern("Finished \\(FINISHED\\) after .* 300 events")
                .containsPattern("\\| model +\\| recall@10 \\| NDCG@10 \\| +coverage \\| scored events \\|")
                .containsPattern(
                        "\\| FreshRec +\\| +0\\.\\d{4} \\| +0\\.\\d{4} \\| 0\\.\\d{4} \\(\\d+ of \\d+\\) \\| +\\d+ \\|")
                .containsPattern("\\| running popularity +\\|")
                .containsPattern("\\| cosine co-occurrence, last 10 +\\|")
                .contains("3 records are dead letters");

        JsonNode report = new ObjectMapper().readTree(json.toFile());
        Set<Long> items = new HashSet<>();
        events.forEach(event -> items.add(event.itemId));
        assertThat(report.get("interactions").asLong()).isEqualTo(300);
        assertThat(report.get("deadLetters").asLong()).isEqualTo(3);
        assertThat(report.get("catalogue").asLong()).isEqualTo(items.size());
        JsonNode models = report.get("models");
        assertThat(models).hasSize(3 + EnsembleReplay.COMPONENTS.length + 2);
        assertThat(models.get(0).get("model").asText()).isEqualTo("FreshRec");
        // The ensemble's components and blends, in memory, on the same events.
        for (int row = 3; row < models.size(); row++) {
            assertThat(models.get(row).get("model").asText()).endsWith("(in memory)");
            assertThat(models.get(row).get("scored").asLong())
                    .isEqualTo(models.get(1).get("scored").asLong());
        }
        assertThat(models.get(3).get("model").asText()).isEqualTo("component: short-term (in memory)");
        JsonNode ensemble = report.get("ensemble");
        assertThat(ensemble.get("components").toString())
                .isEqualTo("[\"short-term\",\"long-term\",\"sequence\",\"trending\"]");
        assertThat(ensemble.get("candidatesPerComponent").asInt()).isEqualTo(EnsembleReplay.CANDIDATES);
        assertThat(ensemble.get("learningRate").asDouble()).isEqualTo(BlendWeights.DEFAULT_RATE);
        assertThat(ensemble.get("learntWeights")).hasSize(4);
        // The weights in the JSON are the ones the note printed (three decimals).
        StringBuilder printed = new StringBuilder();
        for (JsonNode weight : ensemble.get("learntWeights")) {
            printed.append(printed.length() == 0 ? "" : ", ")
                    .append(String.format(Locale.ROOT, "%.3f", weight.asDouble()));
        }
        assertThat(run.out()).contains("(short-term, long-term, sequence, trending): " + printed);
        assertThat(models.get(models.size() - 1).get("model").asText()).isEqualTo("blend: learnt online (in memory)");
        assertThat(run.out())
                .containsPattern("learnt blend weights at the end \\(short-term, long-term, sequence, trending\\): "
                        + "-?\\d+\\.\\d{3}, -?\\d+\\.\\d{3}, -?\\d+\\.\\d{3}, -?\\d+\\.\\d{3}");

        List<Interaction> replayOrder = new ArrayList<>(events);
        replayOrder.sort(Comparator.comparingLong(event -> event.timestamp)); // stable: file order within a second
        expectFigures(models.get(1), "running popularity", BruteForce.popularity(replayOrder), items.size());
        expectFigures(models.get(2), "cosine co-occurrence, last 10", BruteForce.cosine(replayOrder, 10), items.size());

        // FreshRec is scored on the same events: every interaction of a known user with an item new to them.
        JsonNode freshrec = models.get(0);
        assertThat(freshrec.get("scored").asLong())
                .isEqualTo(models.get(1).get("scored").asLong());
        // Its hits are the independent model's, scored event by event under the settings the run reports.
        Map<String, String> ran = new HashMap<>();
        report.get("settings")
                .fields()
                .forEachRemaining(
                        field -> ran.put(field.getKey(), field.getValue().asText()));
        List<ReferenceModel.Scored> expected = new ReferenceModel(OracleSettings.of(ran), events).prequential(10);
        long certain =
                expected.stream().filter(e -> !e.ambiguous() && e.rank() >= 0).count();
        long ambiguous =
                expected.stream().filter(ReferenceModel.Scored::ambiguous).count();
        System.out.printf(
                "[evaluate] FreshRec %d hits of %d scored; reference %d hits of %d scored, %d decided by a tie%n",
                freshrec.get("hits").asLong(), freshrec.get("scored").asLong(), certain, expected.size(), ambiguous);
        assertThat(ambiguous)
                .as("events a tie decides (none on these ratings: the figures are exact)")
                .isZero();
        assertThat(certain).as("hits of the reference").isPositive();
        assertThat(freshrec.get("scored").asLong()).isEqualTo(expected.size());
        assertThat(freshrec.get("hits").asLong()).isEqualTo(certain);
        // NDCG@10: a hit at rank r (from 0) gains 1 / log2(r + 2).
        double gain = expected.stream()
                .filter(e -> e.rank() >= 0)
                .mapToDouble(e -> 1 / (Math.log(e.rank() + 2) / Math.log(2)))
                .sum();
        assertThat(freshrec.get("ndcgGainSum").asDouble()).isCloseTo(gain, within(1e-6));
        assertThat(run.out())
                .contains(String.format(
                        "(%,d hits / %,d scored)",
                        freshrec.get("hits").asLong(), freshrec.get("scored").asLong()));
        assertThat(freshrec.get("coveredItems").asLong()).isBetween(1L, (long) items.size());
        assertThat(freshrec.get("coverage").asDouble())
                .isCloseTo(freshrec.get("coveredItems").asDouble() / items.size(), within(1e-12));
        assertThat(report.get("settings").get("freshrec.serving.align-to-model").asText())
                .isEqualTo("true");
    }

    private static void expectFigures(JsonNode model, String name, BruteForce.Figures expected, int catalogue) {
        assertThat(model.get("model").asText()).isEqualTo(name);
        assertThat(model.get("scored").asLong()).as(name + " scored").isEqualTo(expected.scored());
        assertThat(model.get("hits").asLong()).as(name + " hits").isEqualTo(expected.hits());
        assertThat(model.get("ndcgGainSum").asDouble())
                .as(name + " NDCG gains")
                .isCloseTo(expected.ndcgGain(), within(1e-9));
        assertThat(model.get("coveredItems").asLong()).as(name + " covered").isEqualTo(expected.covered());
        assertThat(model.get("recallAt10").asDouble()).isEqualTo((double) expected.hits() / expected.scored());
        assertThat(model.get("coverage").asDouble()).isEqualTo((double) expected.covered() / catalogue);
    }

    @Test
    void shouldEvaluateACopyWithTimestampsRoundedDownInTheFilesOrder() throws Exception {
        List<Interaction> events = generated();
        // Written newest second first: within a rounded minute only the file's order is left.
        List<Interaction> fileOrder = new ArrayList<>();
        for (int second = 99; second >= 0; second--) {
            fileOrder.addAll(events.subList(second * 3, second * 3 + 3));
        }
        List<String> lines = new ArrayList<>();
        fileOrder.forEach(event -> lines.add(InteractionParser.toJson(event)));
        Path file = work.resolve("events.jsonl");
        Files.write(file, lines);
        Path json = work.resolve("rounded/report.json");

        List<String> args = new ArrayList<>(List.of(
                "evaluate", "--input", file.toString(), "--json", json.toString(), "--time-resolution", "1min"));
        args.addAll(settings());
        CliRun run = CliRun.of(args.toArray(String[]::new));

        assertThat(run.code()).as(run.out() + run.err()).isZero();
        Path rounded = work.resolve("rounded/events.jsonl.rounded-60000ms.jsonl");
        assertThat(run.out())
                .contains("Rounded every timestamp of " + file + " down to a multiple of 1 min: " + rounded
                        + " (300 records)");
        List<Interaction> expectedOrder = new ArrayList<>();
        for (Interaction event : fileOrder) {
            Interaction copy = new Interaction(
                    event.userId, event.itemId, event.type, event.value, event.timestamp / 60_000 * 60_000);
            expectedOrder.add(copy);
        }
        expectedOrder.sort(Comparator.comparingLong(event -> event.timestamp)); // stable: the file's order per minute
        JsonNode report = new ObjectMapper().readTree(json.toFile());
        assertThat(report.get("input").asText()).isEqualTo(rounded.toString());
        JsonNode models = report.get("models");
        int catalogue = report.get("catalogue").asInt();
        expectFigures(models.get(1), "running popularity", BruteForce.popularity(expectedOrder), catalogue);
        expectFigures(models.get(2), "cosine co-occurrence, last 10", BruteForce.cosine(expectedOrder, 10), catalogue);
        assertThat(models.get(0).get("scored").asLong())
                .isEqualTo(models.get(1).get("scored").asLong());
    }

    @Test
    void shouldFailInOneLineOnBadInput() throws Exception {
        CliRun missing =
                CliRun.of("evaluate", "--input", work.resolve("nothing.csv").toString());
        assertThat(missing.code()).isEqualTo(2);
        assertThat(missing.err().strip())
                .isEqualTo("freshrec: --input " + work.resolve("nothing.csv") + ": no such file");

        Path garbage = work.resolve("garbage.jsonl");
        Files.write(garbage, List.of("this is not", "an interaction"));
        CliRun unreadable = CliRun.of("evaluate", "--input", garbage.toString());
        assertThat(unreadable.code()).isEqualTo(2);
        assertThat(unreadable.err().strip())
                .isEqualTo("freshrec: --input " + garbage + ": no valid interaction in 2 records (wrong --format?)");

        CliRun badFormat = CliRun.of("evaluate", "--input", garbage.toString(), "--format", "excel");
        assertThat(badFormat.code()).isEqualTo(2);
        assertThat(badFormat.err()).contains("--format").contains("excel");
    }
}

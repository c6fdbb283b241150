package io.freshrec.offline;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.ModelConfig;
import io.freshrec.ops.FlinkSettings;
import io.freshrec.testing.CliRun;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code inspect} as a user runs it, without a cluster: the reading job runs on a local Flink of its own in
 * this JVM. The savepoint is the fixed canonical one of FreshRec 0.1 in the test resources (made by {@code
 * bootstrap}, its metadata rewritten by the State Processor API, a model version still open), checked against
 * an independent count of its input, events.jsonl.
 */
class InspectFixedSavepointTest {
    private static final Path DIR = Path.of("src/test/resources/canonical-savepoints/freshrec-0.1");

    @Test
    void shouldReportTheFiguresOfTheFixedSavepointsInputWithALocalReader() throws Exception {
        List<Interaction> events = new ArrayList<>();
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
        for (String line : Files.readAllLines(DIR.resolve("events.jsonl"), StandardCharsets.UTF_8)) {
            events.add(parser.parse(line, Long.MAX_VALUE / 2).interaction());
        }
        ModelConfig config = FreshRecOptions.modelConfig(
                FlinkSettings.load(DIR, Map.of(), Path.of("").toAbsolutePath()));

        CliRun inspect = CliRun.of(
                "inspect", DIR.resolve("savepoint").toString(), "--flink-conf", DIR.toString(), "--json", "--top", "5");
        assertThat(inspect.code()).as(inspect.err()).isZero();
        assertThat(inspect.err()).contains("(heap; state restored after ");
        JsonNode figures = new ObjectMapper().readTree(inspect.out());

        Set<Long> users = new HashSet<>();
        Set<Long> items = new HashSet<>();
        events.forEach(event -> {
            users.add(event.userId);
            items.add(event.itemId);
        });
        assertThat(figures.path("format").asText()).isEqualTo("CANONICAL");
        assertThat(figures.path("users").path("withHistory").asLong()).isEqualTo(users.size());
        // Every input event is either applied to a history or still waits for the watermark.
        assertThat(figures.path("users").path("interactions").asLong()
                        + figures.path("users").path("pendingEvents").asLong())
                .isEqualTo(events.size());
        assertThat(figures.path("items").path("total").asLong()).isEqualTo(items.size());
        assertThat(figures.path("items").path("expired").asLong()).isZero();
        // Versions every publish interval (5 s) of the 20 s of input: all committed but the one the last events are in,
        // whose updates still wait in item-model (not published: the gate has nothing of it to commit).
        long publish = config.publishIntervalMs;
        long first = events.stream().mapToLong(event -> event.timestamp).min().orElseThrow();
        long last = events.stream().mapToLong(event -> event.timestamp).max().orElseThrow();
        long openVersion = Math.floorDiv(last, publish) * publish + publish;
        long committed = (openVersion - (Math.floorDiv(first, publish) * publish + publish)) / publish;
        assertThat(figures.path("model").path("version").asLong()).isEqualTo(committed);
        assertThat(figures.path("model").path("pendingVersions").asInt()).isZero();
        assertThat(figures.path("model").path("time").asLong()).isEqualTo(openVersion - publish);
        assertThat(figures.path("items").path("pendingUpdates").asLong()).isPositive();

        // The popularity of the committed model: the events before its version time, decayed to it.
        long at = figures.path("popularityAt").asLong();
        assertThat(at).isEqualTo(openVersion - publish);
        PopularityHead.assertHead(figures.path("popularityHead"), events, config, at, 5);
    }
}

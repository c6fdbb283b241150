package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.testing.OracleInput;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The oracle's reading of the input format (docs/model.md) and the job's parser are written apart; on the
 * reliability suite's hostile corpus and on the documented edge cases they must agree record by record, so a
 * parser that lets a bad record through, or rejects a good one, is caught without a cluster.
 */
class OracleInputTest {
    private static final long NOW = Scenario.START + 3_600_000L;

    @Test
    void shouldAgreeWithTheJobsParserOnEveryRecordOfTheHostileCorpus() {
        List<String> valid = Scenario.syntheticRecords(25, 1000, 0.0, Scenario.START);
        HostileCorpus corpus = new HostileCorpus(valid, 900, 25);
        int rejected = 0;
        for (long n = 0; n < corpus.size(); n++) {
            String record = corpus.map(n);
            if (assertSameReading(record).isEmpty()) {
                rejected++;
            }
        }
        assertThat(rejected).as("records both call bad").isEqualTo(900);
    }

    @Test
    void shouldAgreeOnTheDocumentedEdgeCases() {
        long ts = Scenario.START;
        List<String> records = List.of(
                "{\"user\":0,\"item\":0,\"type\":\"view\",\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\" Add_To_Cart \",\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":10,\"ts\":\"2024-01-01T00:00:00Z\"}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":10.5,\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":1000000000,\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":1000000001,\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":-1,\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":null,\"ts\":" + ts + "}",
                "{\"user\":1.5,\"item\":2,\"type\":\"click\",\"ts\":" + ts + "}",
                "{\"user\":\"1\",\"item\":2,\"type\":\"click\",\"ts\":" + ts + "}",
                "{\"user\":99999999999999999999,\"item\":2,\"type\":\"click\",\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":631152000000}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":631151999999}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + (NOW + 300_000L) + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + (NOW + 300_001L) + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":1.7e12}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":\"yesterday\"}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + ts + "} {}",
                "{\"user\":1,\"item\":2,\"type\":7,\"ts\":" + ts + "}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + ts + ",\"extra\":[1,2]}",
                "   ",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + ts + ",\"note\":\"caf\uFFFD\"}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + ts + ",\"pad\":\"" + "x".repeat(65_400) + "\"}",
                "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + ts + ",\"pad\":\"" + "x".repeat(65_500) + "\"}");
        long accepted = records.stream()
                .map(OracleInputTest::assertSameReading)
                .filter(Optional::isPresent)
                .count();
        assertThat(accepted).isEqualTo(9);
        assertThat(OracleInput.valid(records.get(1), NOW).orElseThrow().type).isEqualTo(EventType.ADD_TO_CART);
    }

    /** Both readings of one record: the same decision and, for a valid one, the same interaction. */
    private static Optional<Interaction> assertSameReading(String record) {
        ParseResult job = new InteractionParser(InputFormat.JSON_LINES).parse(record, NOW);
        Optional<Interaction> oracle = OracleInput.valid(record, NOW);
        String shown = record.length() > 200 ? record.substring(0, 200) + "..." : record;
        assertThat(oracle.isPresent())
                .as("valid by the documented rules: %s (job: %s)", shown, job.isValid() ? "valid" : job.reason())
                .isEqualTo(job.isValid());
        oracle.ifPresent(event -> assertThat(event).as(shown).isEqualTo(job.interaction()));
        return oracle;
    }
}

package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.accumulator;
import static io.freshrec.job.HarnessSupport.sideOutput;
import static io.freshrec.job.HarnessSupport.sideOutputRecords;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.EventType;
import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import java.util.List;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.streaming.api.operators.ProcessOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParseFunctionTest {
    private static final long DAY_MS = 24L * 3600 * 1000;
    /** 2023-11-14T22:13:20Z, comfortably between 1990 and now. */
    private static final long TS = 1_700_000_000_000L;

    private HarnessSupport.CapturedMetrics metrics;
    private MockEnvironment environment;
    private OneInputStreamOperatorTestHarness<String, Interaction> harness;

    private OneInputStreamOperatorTestHarness<String, Interaction> open(InputFormat format) throws Exception {
        metrics = new HarnessSupport.CapturedMetrics();
        environment = HarnessSupport.environment(metrics);
        harness = new OneInputStreamOperatorTestHarness<>(
                new ProcessOperator<>(new ParseFunction(new InteractionParser(format))), environment);
        harness.open();
        return harness;
    }

    @AfterEach
    void close() throws Exception {
        if (harness != null) {
            harness.close();
        }
        if (environment != null) {
            environment.close();
        }
    }

    private static String json(String fields) {
        return "{" + fields + "}";
    }

    @Test
    void shouldEmitValidJsonRecordAsInteractionOnMainOutputWithIngestionTime() throws Exception {
        open(InputFormat.JSON_LINES);
        // ISO timestamp and '_' spelling of the type are both accepted; 2024-01-31T12:00:00Z by hand:
        // 2024-01-01 = 1_704_067_200 s, + 30 days (2_592_000 s) + 12 h (43_200 s) = 1_706_702_400 s.
        String raw =
                json("\"user\":7,\"item\":42,\"type\":\"ADD_TO_CART\",\"value\":2,\"ts\":\"2024-01-31T12:00:00Z\"");
        long before = System.currentTimeMillis();

        harness.processElement(raw, 123L);

        long after = System.currentTimeMillis();
        List<StreamRecord<? extends Interaction>> records = harness.extractOutputStreamRecords();
        assertThat(records).hasSize(1);
        assertThat(records.get(0).getTimestamp()).isEqualTo(123L);
        Interaction event = records.get(0).getValue();
        assertThat(event.userId).isEqualTo(7L);
        assertThat(event.itemId).isEqualTo(42L);
        assertThat(event.type).isEqualTo(EventType.ADD_TO_CART);
        assertThat(event.value).isEqualTo(2.0);
        assertThat(event.timestamp).isEqualTo(1_706_702_400_000L);
        assertThat(event.ingestedAt).isBetween(before, after);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS)).isEmpty();
    }

    @Test
    void shouldLeaveValueUnsetWhenEventCarriesNone() throws Exception {
        open(InputFormat.JSON_LINES);

        harness.processElement(json("\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + TS), TS);

        Interaction event = harness.extractOutputValues().get(0);
        assertThat(event.type).isEqualTo(EventType.VIEW);
        assertThat(event.hasValue()).isFalse();
        assertThat(event.timestamp).isEqualTo(TS);
    }

    @Test
    void shouldSendMalformedJsonToDeadLettersWithReasonAndRawPayload() throws Exception {
        open(InputFormat.JSON_LINES);
        String raw = "{\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":";
        long before = System.currentTimeMillis();

        harness.processElement(raw, 5L);

        long after = System.currentTimeMillis();
        assertThat(harness.extractOutputValues()).isEmpty();
        List<StreamRecord<DeadLetter>> dead = sideOutputRecords(harness, FreshRecState.DEAD_LETTERS);
        assertThat(dead).hasSize(1);
        assertThat(dead.get(0).getTimestamp()).isEqualTo(5L);
        DeadLetter letter = dead.get(0).getValue();
        assertThat(letter.reason).startsWith("malformed-json: ");
        assertThat(letter.payload).isEqualTo(raw);
        assertThat(letter.rejectedAt).isBetween(before, after);
    }

    @ParameterizedTest(name = "[{index}] {1}")
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '`',
            value = {
                "[1,2,3]                                                                  | malformed-json",
                "{\"user\":1,\"user\":2,\"item\":2,\"type\":\"view\",\"ts\":1700000000000}        | malformed-json",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":1700000000000} trailing        | malformed-json",
                "{\"item\":2,\"type\":\"view\",\"ts\":1700000000000}                           | missing-field",
                "{\"user\":1,\"item\":2,\"type\":\"view\"}                                      | missing-field",
                "{\"user\":1,\"item\":2,\"ts\":1700000000000}                                   | missing-field",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"ts\":1700000000000}               | missing-field",
                "{\"user\":\"1\",\"item\":2,\"type\":\"view\",\"ts\":1700000000000}             | wrong-type",
                "{\"user\":1,\"item\":2.5,\"type\":\"view\",\"ts\":1700000000000}               | wrong-type",
                "{\"user\":1,\"item\":2,\"type\":3,\"ts\":1700000000000}                        | wrong-type",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"value\":\"x\",\"ts\":1700000000000} | wrong-type",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":true}                          | wrong-type",
                "{\"user\":-1,\"item\":2,\"type\":\"view\",\"ts\":1700000000000}                | out-of-range",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":10.5,\"ts\":1700000000000} | out-of-range",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"value\":-1,\"ts\":1700000000000}    | out-of-range",
                "{\"user\":1,\"item\":2,\"type\":\"like\",\"ts\":1700000000000}                 | unknown-type",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":1000}                          | bad-timestamp",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":\"yesterday\"}                 | bad-timestamp",
                "`   `                                                                    | empty",
            })
    void shouldSendInvalidRecordToDeadLettersUnderItsReasonCategory(String raw, String category) throws Exception {
        open(InputFormat.JSON_LINES);

        harness.processElement(raw, 1L);

        assertThat(harness.extractOutputValues()).isEmpty();
        List<DeadLetter> dead = sideOutput(harness, FreshRecState.DEAD_LETTERS);
        assertThat(dead).singleElement().satisfies(letter -> {
            assertThat(letter.reason).startsWith(category + ":");
            assertThat(letter.payload).isEqualTo(raw);
        });
        assertThat(metrics.count("deadLetterReason." + category)).isEqualTo(1L);
        assertThat(metrics.count("deadLetters")).isEqualTo(1L);
        assertThat(metrics.count("events")).isZero();
    }

    @Test
    void shouldRejectEventMoreThanFiveMinutesAheadOfTheWallClockButAcceptOneAMinuteAhead() throws Exception {
        open(InputFormat.JSON_LINES);
        long now = System.currentTimeMillis();
        String farFuture = json("\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + (now + DAY_MS));
        String nearFuture = json("\"user\":1,\"item\":3,\"type\":\"view\",\"ts\":" + (now + 60_000L));

        harness.processElement(farFuture, 1L);
        harness.processElement(nearFuture, 2L);

        assertThat(harness.extractOutputValues()).extracting(e -> e.itemId).containsExactly(3L);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .singleElement()
                .satisfies(letter -> {
                    assertThat(letter.reason).startsWith("bad-timestamp:").contains("ahead of the clock");
                    assertThat(letter.payload).isEqualTo(farFuture);
                });
    }

    @Test
    void shouldSendNullRecordToDeadLettersWithEmptyPayload() throws Exception {
        open(InputFormat.JSON_LINES);

        harness.processElement(new StreamRecord<>(null, 1L));

        assertThat(harness.extractOutputValues()).isEmpty();
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .singleElement()
                .satisfies(letter -> {
                    assertThat(letter.reason).startsWith("empty:");
                    assertThat(letter.payload).isEmpty();
                });
    }

    @Test
    void shouldRejectOversizedRecordUnreadAndKeepTheFirst64KiBOfItsPayload() throws Exception {
        open(InputFormat.JSON_LINES);
        // Three megabytes of control characters: written as JSON, each would take six bytes.
        String raw = "{" + "\u0001".repeat(3 * 1024 * 1024);

        harness.processElement(raw, 1L);

        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .singleElement()
                .satisfies(letter -> {
                    assertThat(letter.reason).isEqualTo("too-large: 3145729 chars > 65536");
                    assertThat(letter.payload)
                            .startsWith(raw.substring(0, 64 * 1024))
                            .endsWith("...[truncated: 3145729 chars]")
                            .hasSize(64 * 1024 + "...[truncated: 3145729 chars]".length());
                });
    }

    @Test
    void shouldCountEventsAndDeadLettersInTotalAndPerReasonCategory() throws Exception {
        open(InputFormat.JSON_LINES);
        String valid = json("\"user\":1,\"item\":2,\"type\":\"click\",\"ts\":" + TS);
        String unknownType = json("\"user\":1,\"item\":2,\"type\":\"share\",\"ts\":" + TS);
        List<String> input = List.of(valid, "not json", valid, unknownType, "{", valid);

        for (int i = 0; i < input.size(); i++) {
            harness.processElement(input.get(i), i);
        }

        assertThat(harness.extractOutputValues()).hasSize(3);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .extracting(letter -> letter.payload)
                .containsExactly("not json", unknownType, "{");
        assertThat(accumulator(harness, ParseFunction.ACC_EVENTS)).isEqualTo(3L);
        assertThat(accumulator(harness, ParseFunction.ACC_DEAD_LETTERS)).isEqualTo(3L);
        assertThat(metrics.count("events")).isEqualTo(3L);
        assertThat(metrics.count("deadLetters")).isEqualTo(3L);
        assertThat(metrics.count("deadLetterReason.malformed-json")).isEqualTo(2L);
        assertThat(metrics.count("deadLetterReason.unknown-type")).isEqualTo(1L);
    }

    @Test
    void shouldParseMovieLensTabSeparatedLineAsRatingWithSecondsConvertedToMillis() throws Exception {
        open(InputFormat.MOVIELENS_TSV);

        harness.processElement("196\t242\t3\t881250949", 1L);
        harness.processElement("196\t242\t3", 2L);

        assertThat(harness.extractOutputValues()).singleElement().satisfies(event -> {
            assertThat(event.userId).isEqualTo(196L);
            assertThat(event.itemId).isEqualTo(242L);
            assertThat(event.type).isEqualTo(EventType.RATING);
            assertThat(event.value).isEqualTo(3.0);
            assertThat(event.timestamp).isEqualTo(881_250_949_000L);
        });
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .singleElement()
                .satisfies(letter -> assertThat(letter.reason).startsWith("malformed-line:"));
    }

    @Test
    void shouldRejectMovieLensRatingOutOfRange() throws Exception {
        open(InputFormat.MOVIELENS_DAT);

        harness.processElement("1::2::11::978300760", 1L);
        harness.processElement("1::2::4.5::978300760", 2L);

        assertThat(harness.extractOutputValues()).extracting(e -> e.value).containsExactly(4.5);
        assertThat(sideOutput(harness, FreshRecState.DEAD_LETTERS))
                .singleElement()
                .satisfies(letter -> assertThat(letter.reason).startsWith("out-of-range:"));
    }
}

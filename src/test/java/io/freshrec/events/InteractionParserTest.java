package io.freshrec.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InteractionParserTest {

    /** The parser's wall clock in every test: 2024-01-31T12:00:00Z. */
    private static final long NOW = Instant.parse("2024-01-31T12:00:00Z").toEpochMilli();

    /** The documented default of freshrec.watermark.max-future. */
    private static final long FIVE_MINUTES_MS = 5L * 60 * 1000;
    /** 1990-01-01T00:00:00Z, computed independently of the parser's constant. */
    private static final long START_OF_1990 =
            Instant.parse("1990-01-01T00:00:00Z").toEpochMilli();

    private static final Set<String> CATEGORIES = Set.of(
            "empty",
            "too-large",
            "malformed-json",
            "malformed-line",
            "missing-field",
            "wrong-type",
            "unknown-type",
            "out-of-range",
            "bad-timestamp");

    private static ParseResult json(String raw) {
        return new InteractionParser(InputFormat.JSON_LINES).parse(raw, NOW);
    }

    private static ParseResult parse(InputFormat format, String raw) {
        return new InteractionParser(format).parse(raw, NOW);
    }

    private static String line(String user, String item, String type, String ts) {
        return "{\"user\":" + user + ",\"item\":" + item + ",\"type\":" + type + ",\"ts\":" + ts + "}";
    }

    // ---------------------------------------------------------------- valid JSON lines

    @Test
    void shouldParseValidJsonClickWithoutValue() {
        ParseResult result = json("{\"user\":7,\"item\":42,\"type\":\"click\",\"ts\":" + (NOW - 1000) + "}");

        assertThat(result.isValid()).isTrue();
        assertThat(result.reason()).isNull();
        Interaction event = result.interaction();
        assertThat(event.userId).isEqualTo(7L);
        assertThat(event.itemId).isEqualTo(42L);
        assertThat(event.type).isEqualTo(EventType.CLICK);
        assertThat(event.hasValue()).isFalse();
        assertThat(event.value).isNaN();
        assertThat(event.timestamp).isEqualTo(NOW - 1000);
    }

    @Test
    void shouldParseRatingWithItsValue() {
        ParseResult result = json("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":4.5,\"ts\":" + NOW + "}");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction().type).isEqualTo(EventType.RATING);
        assertThat(result.interaction().value).isEqualTo(4.5);
    }

    @Test
    void shouldAcceptFieldsInAnyOrderAndIgnoreUnknownFields() {
        ParseResult result = json("{\"ts\":" + NOW + ",\"extra\":[1,2],\"type\":\"view\",\"item\":3,\"user\":4}");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction()).isEqualTo(new Interaction(4, 3, EventType.VIEW, Double.NaN, NOW));
    }

    @Test
    void shouldAcceptIso8601TimestampString() {
        ParseResult result = json(line("1", "2", "\"view\"", "\"2024-01-31T11:00:00Z\""));

        assertThat(result.isValid()).isTrue();
        // 2024-01-31T11:00:00Z is exactly one hour before NOW.
        assertThat(result.interaction().timestamp).isEqualTo(NOW - 3_600_000L);
    }

    @Test
    void shouldKeepMillisecondsOfIso8601TimestampString() {
        ParseResult result = json(line("1", "2", "\"view\"", "\"2024-01-31T11:59:59.250Z\""));

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction().timestamp).isEqualTo(NOW - 750);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ADD_TO_CART", "add_to_cart", "Add-To-Cart", " add-to-cart "})
    void shouldAcceptTypeNamesCaseInsensitivelyWithUnderscoreForDash(String wire) {
        ParseResult result = json(line("1", "2", "\"" + wire + "\"", Long.toString(NOW)));

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction().type).isEqualTo(EventType.ADD_TO_CART);
    }

    @ParameterizedTest
    @ValueSource(strings = {"view\\u0000", "\\u0007click", "purchase\\r", "\\u001fview"})
    void shouldRejectTypeNamesWithControlCharacters(String wire) {
        ParseResult result = json(line("1", "2", "\"" + wire + "\"", Long.toString(NOW)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reason()).startsWith("unknown-type:");
    }

    @Test
    void shouldParseEveryWireNameToItsType() {
        assertThat(EventType.fromWire("view")).isEqualTo(EventType.VIEW);
        assertThat(EventType.fromWire("click")).isEqualTo(EventType.CLICK);
        assertThat(EventType.fromWire("add-to-cart")).isEqualTo(EventType.ADD_TO_CART);
        assertThat(EventType.fromWire("purchase")).isEqualTo(EventType.PURCHASE);
        assertThat(EventType.fromWire("rating")).isEqualTo(EventType.RATING);
        assertThat(EventType.fromWire("teleport")).isNull();
        assertThat(EventType.fromWire(null)).isNull();
    }

    @Test
    void shouldAcceptNonRatingValueUpToOneBillion() {
        ParseResult result =
                json("{\"user\":1,\"item\":2,\"type\":\"purchase\",\"value\":1000000000,\"ts\":" + NOW + "}");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction().value).isEqualTo(1e9);
    }

    @Test
    void shouldAcceptRatingsAtBothEndsOfTheRange() {
        assertThat(json("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":0,\"ts\":" + NOW + "}")
                        .isValid())
                .isTrue();
        assertThat(json("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":10,\"ts\":" + NOW + "}")
                        .isValid())
                .isTrue();
    }

    @Test
    void shouldAcceptNullValueOfNonRatingEventAsNoValue() {
        ParseResult result = json("{\"user\":1,\"item\":2,\"type\":\"view\",\"value\":null,\"ts\":" + NOW + "}");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction().hasValue()).isFalse();
    }

    // ---------------------------------------------------------------- rejections: empty, too-large

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t", "   \n "})
    void shouldRejectBlankRecordAsEmpty(String raw) {
        for (InputFormat format : InputFormat.values()) {
            ParseResult result = parse(format, raw);
            assertThat(result.isValid()).isFalse();
            assertThat(result.reasonCategory()).isEqualTo("empty");
        }
    }

    @Test
    void shouldRejectNullRecordAsEmpty() {
        assertThat(json(null).reasonCategory()).isEqualTo("empty");
    }

    @Test
    void shouldRejectRecordLongerThan64KiCharactersAsTooLarge() {
        String padding = " ".repeat(64 * 1024);
        String raw = line("1", "2", "\"view\"", Long.toString(NOW)) + padding;

        for (InputFormat format : InputFormat.values()) {
            ParseResult result = parse(format, raw);
            assertThat(result.isValid()).isFalse();
            assertThat(result.reasonCategory()).isEqualTo("too-large");
        }
    }

    @Test
    void shouldReadRecordOfExactly64KiCharacters() {
        String base = line("1", "2", "\"view\"", Long.toString(NOW));
        String raw = base + " ".repeat(64 * 1024 - base.length());
        assertThat(raw).hasSize(64 * 1024);

        assertThat(json(raw).isValid()).isTrue();
    }

    // ---------------------------------------------------------------- rejections: malformed-json

    @ParameterizedTest
    @ValueSource(
            strings = {
                "{",
                "not json",
                "{\"user\":1,\"item\":2",
                "[1,2,3]",
                "42",
                "\"a string\"",
                "null",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":1706702400000} {\"user\":3}",
                "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":1706702400000}}",
                "{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":NaN,\"ts\":1706702400000}",
                "{user:1,item:2,type:\"view\",ts:1706702400000}",
            })
    void shouldRejectUnreadableJsonAsMalformed(String raw) {
        ParseResult result = json(raw);

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("malformed-json");
    }

    @ParameterizedTest
    @ValueSource(strings = {"user", "item", "type", "ts"})
    void shouldRejectDuplicateJsonKeyAsMalformed(String key) {
        String raw = "{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":" + NOW + ",\"" + key + "\":"
                + (key.equals("type") ? "\"click\"" : "3") + "}";

        ParseResult result = json(raw);

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("malformed-json");
    }

    // ---------------------------------------------------------------- rejections: missing-field

    static Stream<Arguments> missingFields() {
        String ts = Long.toString(NOW);
        return Stream.of(
                Arguments.of("{\"item\":2,\"type\":\"view\",\"ts\":" + ts + "}", "user"),
                Arguments.of("{\"user\":null,\"item\":2,\"type\":\"view\",\"ts\":" + ts + "}", "user"),
                Arguments.of("{\"user\":1,\"type\":\"view\",\"ts\":" + ts + "}", "item"),
                Arguments.of("{\"user\":1,\"item\":null,\"type\":\"view\",\"ts\":" + ts + "}", "item"),
                Arguments.of("{\"user\":1,\"item\":2,\"ts\":" + ts + "}", "type"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":null,\"ts\":" + ts + "}", "type"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"view\"}", "ts"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"view\",\"ts\":null}", "ts"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"rating\",\"ts\":" + ts + "}", "value"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":null,\"ts\":" + ts + "}", "value"),
                Arguments.of("{}", "user"));
    }

    @ParameterizedTest
    @MethodSource("missingFields")
    void shouldRejectAbsentOrNullRequiredFieldAsMissingAndNameTheField(String raw, String field) {
        ParseResult result = json(raw);

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("missing-field");
        assertThat(result.reason()).startsWith("missing-field: " + field);
    }

    // ---------------------------------------------------------------- rejections: wrong-type

    static Stream<Arguments> wrongTypes() {
        String ts = Long.toString(NOW);
        return Stream.of(
                Arguments.of(line("\"7\"", "2", "\"view\"", ts), "user"),
                Arguments.of(line("7.5", "2", "\"view\"", ts), "user"),
                Arguments.of(line("1e3", "2", "\"view\"", ts), "user"),
                Arguments.of(line("true", "2", "\"view\"", ts), "user"),
                Arguments.of(line("92233720368547758070", "2", "\"view\"", ts), "user"),
                Arguments.of(line("1", "{}", "\"view\"", ts), "item"),
                Arguments.of(line("1", "[2]", "\"view\"", ts), "item"),
                Arguments.of(line("1", "2.0", "\"view\"", ts), "item"),
                Arguments.of(line("1", "2", "3", ts), "type"),
                Arguments.of(line("1", "2", "[\"view\"]", ts), "type"),
                Arguments.of(line("1", "2", "\"view\"", "true"), "ts"),
                Arguments.of(line("1", "2", "\"view\"", "1.7064e12"), "ts"),
                Arguments.of(line("1", "2", "\"view\"", "92233720368547758070"), "ts"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":\"4\",\"ts\":" + ts + "}", "value"),
                Arguments.of("{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":true,\"ts\":" + ts + "}", "value"));
    }

    @ParameterizedTest
    @MethodSource("wrongTypes")
    void shouldRejectFieldOfWrongJsonTypeAsWrongTypeAndNameTheField(String raw, String field) {
        ParseResult result = json(raw);

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("wrong-type");
        assertThat(result.reason()).startsWith("wrong-type: " + field);
    }

    // ---------------------------------------------------------------- rejections: unknown-type

    @ParameterizedTest
    @ValueSource(strings = {"teleport", "", "views", "add to cart"})
    void shouldRejectUnknownEventTypeName(String wire) {
        ParseResult result = json(line("1", "2", "\"" + wire + "\"", Long.toString(NOW)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("unknown-type");
    }

    @Test
    void shouldAbbreviateVeryLongUnknownTypeInReason() {
        String wire = "x".repeat(500);
        ParseResult result = json(line("1", "2", "\"" + wire + "\"", Long.toString(NOW)));

        assertThat(result.reasonCategory()).isEqualTo("unknown-type");
        assertThat(result.reason().length()).isLessThan(200);
    }

    // ---------------------------------------------------------------- rejections: out-of-range

    @Test
    void shouldRejectNegativeUserIdAsOutOfRange() {
        ParseResult result = json(line("-1", "2", "\"view\"", Long.toString(NOW)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reason()).startsWith("out-of-range: user");
    }

    @Test
    void shouldRejectNegativeItemIdAsOutOfRange() {
        ParseResult result = json(line("1", "-2", "\"view\"", Long.toString(NOW)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reason()).startsWith("out-of-range: item");
    }

    @Test
    void shouldAcceptIdZero() {
        assertThat(json(line("0", "0", "\"view\"", Long.toString(NOW))).isValid())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.000001", "11", "-0.5", "-100", "1e400", "-1e400"})
    void shouldRejectRatingOutsideZeroToTen(String value) {
        ParseResult result =
                json("{\"user\":1,\"item\":2,\"type\":\"rating\",\"value\":" + value + ",\"ts\":" + NOW + "}");

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("out-of-range");
    }

    @ParameterizedTest
    @ValueSource(strings = {"-1", "-0.001", "1000000000.5", "2e9", "1e400"})
    void shouldRejectNegativeOrHugeValueOfNonRatingEvent(String value) {
        ParseResult result =
                json("{\"user\":1,\"item\":2,\"type\":\"click\",\"value\":" + value + ",\"ts\":" + NOW + "}");

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("out-of-range");
    }

    // ---------------------------------------------------------------- rejections: bad-timestamp

    @Test
    void shouldAcceptTimestampAtStartOf1990AndRejectOneMillisecondEarlier() {
        assertThat(json(line("1", "2", "\"view\"", Long.toString(START_OF_1990)))
                        .isValid())
                .isTrue();

        ParseResult result = json(line("1", "2", "\"view\"", Long.toString(START_OF_1990 - 1)));
        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("bad-timestamp");
    }

    @ParameterizedTest
    @ValueSource(longs = {0L, -5L, 1_000_000L, Long.MIN_VALUE})
    void shouldRejectTimestampBefore1990(long ts) {
        ParseResult result = json(line("1", "2", "\"view\"", Long.toString(ts)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("bad-timestamp");
    }

    @Test
    void shouldAcceptEventUpToFiveMinutesAheadOfTheClockByDefaultAndRejectLater() {
        assertThat(json(line("1", "2", "\"view\"", Long.toString(NOW + FIVE_MINUTES_MS)))
                        .isValid())
                .isTrue();

        ParseResult result = json(line("1", "2", "\"view\"", Long.toString(NOW + FIVE_MINUTES_MS + 1)));
        assertThat(result.isValid()).isFalse();
        assertThat(result.reason())
                .isEqualTo(
                        "bad-timestamp: " + (NOW + FIVE_MINUTES_MS + 1) + " ms is more than 5 min ahead of the clock");
    }

    @Test
    void shouldBoundTheFutureAsConfigured() {
        InteractionParser hour = new InteractionParser(InputFormat.JSON_LINES, 3_600_000L, 0);
        assertThat(hour.parse(line("1", "2", "\"view\"", Long.toString(NOW + 3_600_000L)), NOW)
                        .isValid())
                .isTrue();
        assertThat(hour.parse(line("1", "2", "\"view\"", Long.toString(NOW + 3_600_001L)), NOW)
                        .reason())
                .endsWith("more than 1 h ahead of the clock");
        InteractionParser none = new InteractionParser(InputFormat.JSON_LINES, 0, 0);
        assertThat(none.parse(line("1", "2", "\"view\"", Long.toString(NOW)), NOW)
                        .isValid())
                .isTrue();
        assertThat(none.parse(line("1", "2", "\"view\"", Long.toString(NOW + 1)), NOW)
                        .reasonCategory())
                .isEqualTo("bad-timestamp");
    }

    @Test
    void shouldRejectEventsFurtherBehindTheClockThanTheLagBoundAsTooOld() {
        InteractionParser live = new InteractionParser(InputFormat.JSON_LINES, FIVE_MINUTES_MS, 1_800_000L);
        assertThat(live.parse(line("1", "2", "\"view\"", Long.toString(NOW - 1_800_000L)), NOW)
                        .isValid())
                .isTrue();
        ParseResult old = live.parse(line("1", "2", "\"view\"", Long.toString(NOW - 1_800_001L)), NOW);
        assertThat(old.isValid()).isFalse();
        assertThat(old.reason())
                .isEqualTo("too-old: " + (NOW - 1_800_001L) + " ms is more than 30 min behind the clock");
        // MovieLens lines too, and an old valid event of 2001.
        assertThat(new InteractionParser(InputFormat.MOVIELENS_CSV, FIVE_MINUTES_MS, 1_800_000L)
                        .parse("1,2,4.0,978307200", NOW)
                        .reasonCategory())
                .isEqualTo("too-old");
    }

    @Test
    void shouldNotBoundTheLagOfAReplayNorOfTheTimestampsItSortsBy() {
        String old = line("1", "2", "\"view\"", "\"2001-01-01T00:00:00Z\"");
        assertThat(json(old).isValid()).as("the replay parser").isTrue();
        InteractionParser live = new InteractionParser(InputFormat.JSON_LINES, FIVE_MINUTES_MS, 60_000L);
        assertThat(live.parse(old, NOW).reasonCategory()).isEqualTo("too-old");
        assertThat(live.timestampOf(old)).isEqualTo(978_307_200_000L);
    }

    @Test
    void shouldRefuseNegativeBounds() {
        assertThatThrownBy(() -> new InteractionParser(InputFormat.JSON_LINES, -1, 0))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new InteractionParser(InputFormat.JSON_LINES, 0, -1))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectFarFutureTimestamp() {
        ParseResult result = json(line("1", "2", "\"view\"", Long.toString(Long.MAX_VALUE)));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("bad-timestamp");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "yesterday",
                "2024-01-31",
                "2024-13-01T00:00:00Z",
                "1706702400000",
                "",
                "+1000000000-12-31T23:59:59Z"
            })
    void shouldRejectUnparseableTimestampStringAsBadTimestamp(String ts) {
        ParseResult result = json(line("1", "2", "\"view\"", "\"" + ts + "\""));

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo("bad-timestamp");
    }

    @Test
    void shouldRejectIsoTimestampBefore1990AndMoreThanFiveMinutesAhead() {
        assertThat(json(line("1", "2", "\"view\"", "\"1989-12-31T23:59:59Z\"")).reasonCategory())
                .isEqualTo("bad-timestamp");
        assertThat(json(line("1", "2", "\"view\"", "\"2024-01-31T12:05:00.001Z\""))
                        .reasonCategory())
                .isEqualTo("bad-timestamp");
        assertThat(json(line("1", "2", "\"view\"", "\"2024-01-31T12:05:00Z\"")).isValid())
                .isTrue();
    }

    // ---------------------------------------------------------------- MovieLens formats

    @Test
    void shouldParseMovieLensTsvLineAsRatingWithSecondsConvertedToMillis() {
        ParseResult result = parse(InputFormat.MOVIELENS_TSV, "196\t242\t3\t881250949");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction()).isEqualTo(new Interaction(196, 242, EventType.RATING, 3.0, 881_250_949_000L));
    }

    @Test
    void shouldParseMovieLensCsvLineAsRatingWithSecondsConvertedToMillis() {
        ParseResult result = parse(InputFormat.MOVIELENS_CSV, "1,1,4.0,964982703");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction()).isEqualTo(new Interaction(1, 1, EventType.RATING, 4.0, 964_982_703_000L));
    }

    @Test
    void shouldParseMovieLensDatLineAsRatingWithSecondsConvertedToMillis() {
        ParseResult result = parse(InputFormat.MOVIELENS_DAT, "1::1193::5::978300760");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction()).isEqualTo(new Interaction(1, 1193, EventType.RATING, 5.0, 978_300_760_000L));
    }

    @Test
    void shouldToleratePaddingAroundDelimitedFields() {
        ParseResult result = parse(InputFormat.MOVIELENS_CSV, " 3 , 4 , 2.5 , 964982703 \r");

        assertThat(result.isValid()).isTrue();
        assertThat(result.interaction()).isEqualTo(new Interaction(3, 4, EventType.RATING, 2.5, 964_982_703_000L));
    }

    static Stream<Arguments> badDelimitedLines() {
        return Stream.of(
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3", "malformed-line"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,964982703,5", "malformed-line"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1\t2\t3\t964982703", "malformed-line"),
                Arguments.of(InputFormat.MOVIELENS_TSV, "1,2,3,964982703", "malformed-line"),
                Arguments.of(InputFormat.MOVIELENS_DAT, "1:2:3:964982703", "malformed-line"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "userId,movieId,rating,timestamp", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "x,2,3,964982703", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2.5,3,964982703", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "-1,2,3,964982703", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,four,964982703", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,9.6e8", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_DAT, "1::2::3::", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,11,964982703", "out-of-range"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,-0.5,964982703", "out-of-range"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,Infinity,964982703", "wrong-type"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,-1", "bad-timestamp"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,100", "bad-timestamp"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3,631151999", "bad-timestamp"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3," + Long.MAX_VALUE, "bad-timestamp"),
                Arguments.of(InputFormat.MOVIELENS_CSV, "1,2,3," + (NOW / 1000 + 2 * 24 * 3600), "bad-timestamp"));
    }

    @ParameterizedTest
    @MethodSource("badDelimitedLines")
    void shouldRejectBadMovieLensLineWithCategory(InputFormat format, String raw, String category) {
        ParseResult result = parse(format, raw);

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isEqualTo(category);
    }

    @Test
    void shouldAcceptMovieLensTimestampAtStartOf1990() {
        assertThat(parse(InputFormat.MOVIELENS_CSV, "1,2,3," + START_OF_1990 / 1000)
                        .isValid())
                .isTrue();
    }

    /**
     * A "NaN" rating field is present but not a usable number; the parser must not call it a missing
     * field (the dead-letter reason would then send the operator looking for an absent column).
     */
    @Test
    void shouldNotReportNanRatingOfMovieLensLineAsMissingField() {
        ParseResult result = parse(InputFormat.MOVIELENS_CSV, "1,2,NaN,964982703");

        assertThat(result.isValid()).isFalse();
        assertThat(result.reasonCategory()).isIn("out-of-range", "wrong-type");
    }

    // ---------------------------------------------------------------- timestampOf

    @Test
    void shouldReadTimestampOfValidRecordWhateverTheClock() {
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
        long farFuture = Instant.parse("2200-01-01T00:00:00Z").toEpochMilli();

        assertThat(parser.timestampOf(line("1", "2", "\"view\"", Long.toString(NOW))))
                .isEqualTo(NOW);
        assertThat(parser.timestampOf(line("1", "2", "\"view\"", Long.toString(farFuture))))
                .isEqualTo(farFuture);
        assertThat(new InteractionParser(InputFormat.MOVIELENS_CSV).timestampOf("1,2,3,964982703"))
                .isEqualTo(964_982_703_000L);
    }

    @Test
    void shouldGiveMaxTimestampToUnreadableRecord() {
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);

        assertThat(parser.timestampOf("garbage")).isEqualTo(Long.MAX_VALUE);
        assertThat(parser.timestampOf(line("1", "2", "\"view\"", "-5"))).isEqualTo(Long.MAX_VALUE);
        assertThat(parser.timestampOf("")).isEqualTo(Long.MAX_VALUE);
    }

    // ---------------------------------------------------------------- toJson

    @Test
    void shouldWriteCanonicalWireFormat() {
        assertThat(InteractionParser.toJson(
                        new Interaction(1, 2, EventType.ADD_TO_CART, Double.NaN, 1_700_000_000_000L)))
                .isEqualTo("{\"user\":1,\"item\":2,\"type\":\"add-to-cart\",\"ts\":1700000000000}");
        assertThat(InteractionParser.toJson(new Interaction(3, 4, EventType.RATING, 4.5, 1_700_000_000_000L)))
                .isEqualTo("{\"user\":3,\"item\":4,\"type\":\"rating\",\"value\":4.5,\"ts\":1700000000000}");
    }

    @ParameterizedTest
    @EnumSource(EventType.class)
    void shouldRoundTripEveryTypeThroughToJsonAndParse(EventType type) {
        Random random = new Random(17 + type.ordinal());
        InteractionParser parser = new InteractionParser(InputFormat.JSON_LINES);
        for (int i = 0; i < 200; i++) {
            long user = random.nextInt(3) == 0 ? random.nextInt(10) : Math.abs(random.nextLong() >> 1);
            long item = Math.abs(random.nextLong() >> 2);
            double value;
            if (type == EventType.RATING) {
                value = random.nextInt(4) == 0 ? random.nextInt(11) : random.nextDouble() * 10;
            } else {
                int kind = random.nextInt(3);
                value = kind == 0 ? Double.NaN : kind == 1 ? random.nextInt(1000) : random.nextDouble() * 1e9;
            }
            long ts = START_OF_1990 + (long) (random.nextDouble() * (NOW - START_OF_1990));
            Interaction event = new Interaction(user, item, type, value, ts);

            ParseResult result = parser.parse(InteractionParser.toJson(event), NOW);

            assertThat(result.isValid()).as("%s -> %s", event, result.reason()).isTrue();
            assertThat(result.interaction()).isEqualTo(event);
        }
    }

    // ---------------------------------------------------------------- robustness

    @ParameterizedTest
    @EnumSource(InputFormat.class)
    void shouldNeverThrowAndAlwaysGiveAKnownCategoryForMutatedRecords(InputFormat format) {
        String valid;
        switch (format) {
            case JSON_LINES:
                valid = "{\"user\":12,\"item\":345,\"type\":\"rating\",\"value\":4.5,\"ts\":\"2024-01-31T10:00:00Z\"}";
                break;
            case MOVIELENS_TSV:
                valid = "196\t242\t3\t881250949";
                break;
            case MOVIELENS_CSV:
                valid = "1,1,4.0,964982703";
                break;
            default:
                valid = "1::1193::5::978300760";
                break;
        }
        InteractionParser parser = new InteractionParser(format);
        assertThat(parser.parse(valid, NOW).isValid()).isTrue();
        String alphabet = "{}[]\":,.-+eE0123456789 \t:NaIfnityuserfalse\\\u00e9\u0000";
        Random random = new Random(99 + format.ordinal());
        for (int i = 0; i < 3000; i++) {
            StringBuilder mutated = new StringBuilder(valid);
            int edits = 1 + random.nextInt(4);
            for (int e = 0; e < edits; e++) {
                int op = random.nextInt(3);
                int at = mutated.length() == 0 ? 0 : random.nextInt(mutated.length());
                char c = alphabet.charAt(random.nextInt(alphabet.length()));
                if (op == 0 && mutated.length() > 0) {
                    mutated.deleteCharAt(at);
                } else if (op == 1) {
                    mutated.insert(at, c);
                } else if (mutated.length() > 0) {
                    mutated.setCharAt(at, c);
                }
            }
            String raw = mutated.toString();
            assertThatCode(() -> parser.parse(raw, NOW)).as(raw).doesNotThrowAnyException();
            ParseResult result = parser.parse(raw, NOW);
            if (!result.isValid()) {
                assertThat(result.reasonCategory()).as(raw).isIn(CATEGORIES);
                assertThat(result.reason()).as(raw).startsWith(result.reasonCategory() + ": ");
            }
        }
    }

    @Test
    void shouldSplitReasonCategoryAtFirstColon() {
        assertThat(ParseResult.rejected("wrong-type: ts: must be a number").reasonCategory())
                .isEqualTo("wrong-type");
        assertThat(ParseResult.rejected("plain").reasonCategory()).isEqualTo("plain");
        assertThat(ParseResult.ok(new Interaction()).isValid()).isTrue();
    }

    @Test
    void shouldReportTheFormatItWasBuiltFor() {
        for (InputFormat format : List.of(InputFormat.values())) {
            assertThat(new InteractionParser(format).format()).isEqualTo(format);
        }
    }
}

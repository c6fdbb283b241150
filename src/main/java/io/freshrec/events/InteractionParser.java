package io.freshrec.events;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Serializable;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.regex.Pattern;

/**
 * Parses and validates raw records of one {@link InputFormat}. Never throws on bad input: every
 * problem becomes a {@link ParseResult#rejected rejection} with a reason, so a poison record can
 * never stop the job.
 */
public final class InteractionParser implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Records larger than this are rejected unread. */
    public static final int MAX_PAYLOAD_CHARS = 64 * 1024;
    /** U+FFFD, the replacement character. */
    private static final char REPLACEMENT = '\uFFFD';
    /** Earliest accepted event time: 1990-01-01T00:00:00Z. */
    public static final long MIN_TIMESTAMP_MS = 631_152_000_000L;
    /** How far in the future (beyond the parser's clock) an event may claim to be. */
    public static final long MAX_FUTURE_MS = 24L * 3600 * 1000;
    /** Ratings above this are out of range (MovieLens uses 0.5..5, others up to 10). */
    public static final double MAX_RATING = 10.0;
    /** Largest accepted numeric payload of a non-rating event (for example a quantity). */
    public static final double MAX_VALUE = 1e9;

    private static final Pattern DECIMAL = Pattern.compile("-?\\d{1,9}(\\.\\d{1,9})?");

    private final InputFormat format;
    private transient ObjectMapper mapper;

    public InteractionParser(InputFormat format) {
        this.format = format;
    }

    public InputFormat format() {
        return format;
    }

    /** Parses one record; {@code nowMs} is the wall clock used to reject events from the future. */
    public ParseResult parse(String raw, long nowMs) {
        if (raw == null || raw.isBlank()) {
            return ParseResult.rejected("empty: record has no content");
        }
        if (raw.length() > MAX_PAYLOAD_CHARS) {
            return ParseResult.rejected("too-large: " + raw.length() + " chars > " + MAX_PAYLOAD_CHARS);
        }
        if (raw.indexOf(REPLACEMENT) >= 0) {
            // What a UTF-8 decoder puts where bytes were not UTF-8 (files and Kafka records are decoded that way).
            return ParseResult.rejected("bad-encoding: record is not valid UTF-8 (or holds U+FFFD)");
        }
        switch (format) {
            case JSON_LINES:
                return parseJson(raw, nowMs);
            case MOVIELENS_TSV:
                return parseDelimited(raw, "\t", nowMs);
            case MOVIELENS_CSV:
                return parseDelimited(raw, ",", nowMs);
            case MOVIELENS_DAT:
                return parseDelimited(raw, "::", nowMs);
            default:
                throw new IllegalStateException("unhandled format " + format);
        }
    }

    /**
     * Reads only the event time of a record, for sorting a file before replay; {@code
     * Long.MAX_VALUE} when it has none (such records sort last and become dead letters).
     */
    public long timestampOf(String raw) {
        ParseResult result = parse(raw, Long.MAX_VALUE - MAX_FUTURE_MS);
        return result.isValid() ? result.interaction().timestamp : Long.MAX_VALUE;
    }

    private ParseResult parseDelimited(String raw, String delimiter, long nowMs) {
        String[] fields = raw.trim().split(Pattern.quote(delimiter), -1);
        if (fields.length != 4) {
            return ParseResult.rejected("malformed-line: expected 4 fields separated by '"
                    + delimiter.replace("\t", "\\t") + "', got " + fields.length);
        }
        Long user = parseId(fields[0]);
        if (user == null) {
            return ParseResult.rejected("wrong-type: user must be a non-negative integer");
        }
        Long item = parseId(fields[1]);
        if (item == null) {
            return ParseResult.rejected("wrong-type: item must be a non-negative integer");
        }
        String ratingText = fields[2].trim();
        if (!DECIMAL.matcher(ratingText).matches()) {
            return ParseResult.rejected("wrong-type: rating must be a decimal number");
        }
        double rating = Double.parseDouble(ratingText);
        long seconds;
        try {
            seconds = Long.parseLong(fields[3].trim());
        } catch (NumberFormatException e) {
            return ParseResult.rejected("wrong-type: timestamp must be integer unix seconds");
        }
        if (seconds > Long.MAX_VALUE / 1000 || seconds < 0) {
            return ParseResult.rejected("bad-timestamp: " + seconds + " s is out of range");
        }
        return validate(new Interaction(user, item, EventType.RATING, rating, seconds * 1000), nowMs);
    }

    private static Long parseId(String text) {
        try {
            long id = Long.parseLong(text.trim());
            return id < 0 ? null : id;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private ParseResult parseJson(String raw, long nowMs) {
        JsonNode node;
        try {
            node = mapper().readTree(raw);
        } catch (JsonProcessingException e) {
            return ParseResult.rejected("malformed-json: " + firstLine(e.getOriginalMessage()));
        }
        if (node == null || !node.isObject()) {
            return ParseResult.rejected("malformed-json: record is not a JSON object");
        }
        Interaction event = new Interaction();
        String problem = readId(node, "user");
        if (problem != null) {
            return ParseResult.rejected(problem);
        }
        event.userId = node.get("user").longValue();
        problem = readId(node, "item");
        if (problem != null) {
            return ParseResult.rejected(problem);
        }
        event.itemId = node.get("item").longValue();

        JsonNode type = node.get("type");
        if (type == null || type.isNull()) {
            return ParseResult.rejected("missing-field: type");
        }
        if (!type.isTextual()) {
            return ParseResult.rejected("wrong-type: type must be a string");
        }
        event.type = EventType.fromWire(type.textValue());
        if (event.type == null) {
            return ParseResult.rejected("unknown-type: '" + abbreviate(type.textValue()) + "'");
        }

        JsonNode value = node.get("value");
        if (value != null && !value.isNull()) {
            if (!value.isNumber()) {
                return ParseResult.rejected("wrong-type: value must be a number");
            }
            event.value = value.doubleValue();
        }

        JsonNode ts = node.get("ts");
        if (ts == null || ts.isNull()) {
            return ParseResult.rejected("missing-field: ts");
        }
        if (ts.isIntegralNumber() && ts.canConvertToLong()) {
            event.timestamp = ts.longValue();
        } else if (ts.isTextual()) {
            try {
                event.timestamp = Instant.parse(ts.textValue()).toEpochMilli();
            } catch (DateTimeParseException | ArithmeticException e) {
                return ParseResult.rejected("bad-timestamp: '" + abbreviate(ts.textValue())
                        + "' is not ISO-8601 (e.g. 2024-01-31T12:00:00Z)");
            }
        } else {
            return ParseResult.rejected("wrong-type: ts must be epoch milliseconds or an ISO-8601 string");
        }
        return validate(event, nowMs);
    }

    private static String readId(JsonNode node, String field) {
        JsonNode id = node.get(field);
        if (id == null || id.isNull()) {
            return "missing-field: " + field;
        }
        if (!id.isIntegralNumber() || !id.canConvertToLong()) {
            return "wrong-type: " + field + " must be an integer id";
        }
        if (id.longValue() < 0) {
            return "out-of-range: " + field + " must be >= 0";
        }
        return null;
    }

    /** Range checks shared by every format. */
    private static ParseResult validate(Interaction event, long nowMs) {
        if (event.timestamp < MIN_TIMESTAMP_MS) {
            return ParseResult.rejected("bad-timestamp: " + event.timestamp + " ms is before 1990");
        }
        if (event.timestamp > nowMs + MAX_FUTURE_MS) {
            return ParseResult.rejected("bad-timestamp: " + event.timestamp + " ms is more than a day in the future");
        }
        if (event.type == EventType.RATING) {
            if (!event.hasValue()) {
                return ParseResult.rejected("missing-field: value (required for a rating)");
            }
            if (!Double.isFinite(event.value) || event.value < 0 || event.value > MAX_RATING) {
                return ParseResult.rejected("out-of-range: rating " + event.value + " not in [0, " + MAX_RATING + "]");
            }
        } else if (event.hasValue() && (!Double.isFinite(event.value) || event.value < 0 || event.value > MAX_VALUE)) {
            return ParseResult.rejected("out-of-range: value " + event.value + " not in [0, " + MAX_VALUE + "]");
        }
        return ParseResult.ok(event);
    }

    private ObjectMapper mapper() {
        if (mapper == null) {
            mapper = new ObjectMapper()
                    .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                    .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        }
        return mapper;
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int newline = message.indexOf('\n');
        return abbreviate(newline < 0 ? message : message.substring(0, newline));
    }

    private static String abbreviate(String text) {
        return text.length() <= 80 ? text : text.substring(0, 77) + "...";
    }

    /** Writes an interaction as the canonical JSON line of the wire format. */
    public static String toJson(Interaction event) {
        StringBuilder json = new StringBuilder(96)
                .append("{\"user\":")
                .append(event.userId)
                .append(",\"item\":")
                .append(event.itemId)
                .append(",\"type\":\"")
                .append(event.type.wireName())
                .append('"');
        if (event.hasValue()) {
            json.append(",\"value\":").append(event.value);
        }
        return json.append(",\"ts\":").append(event.timestamp).append('}').toString();
    }
}

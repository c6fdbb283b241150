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
    /** How far in the future (beyond the parser's clock) an event may claim to be, unless configured. */
    public static final long DEFAULT_MAX_FUTURE_MS = 5L * 60 * 1000;
    /** How far behind the parser's clock a live event may be, unless configured (0: no bound, as for replays). */
    public static final long DEFAULT_MAX_LAG_MS = 30L * 60 * 1000;
    /** Ratings above this are out of range (MovieLens uses 0.5..5, others up to 10). */
    public static final double MAX_RATING = 10.0;
    /** Largest accepted numeric payload of a non-rating event (for example a quantity). */
    public static final double MAX_VALUE = 1e9;

    private static final Pattern DECIMAL = Pattern.compile("-?\\d{1,9}(\\.\\d{1,9})?");

    private final InputFormat format;
    private final long maxFutureMs;
    private final long maxLagMs;
    private transient ObjectMapper mapper;

    /** A parser for replays: events up to {@link #DEFAULT_MAX_FUTURE_MS} ahead of the clock, however old. */
    public InteractionParser(InputFormat format) {
        this(format, DEFAULT_MAX_FUTURE_MS, 0);
    }

    /**
     * @param maxFutureMs how far ahead of the clock an event may be ({@code bad-timestamp} beyond)
     * @param maxLagMs how far behind the clock an event may be ({@code too-old} beyond); 0: no bound (replays)
     */
    public InteractionParser(InputFormat format, long maxFutureMs, long maxLagMs) {
        if (maxFutureMs < 0 || maxLagMs < 0) {
            throw new IllegalArgumentException("event-time bounds must not be negative");
        }
        this.format = format;
        this.maxFutureMs = maxFutureMs;
        this.maxLagMs = maxLagMs;
    }

    public long maxFutureMs() {
        return maxFutureMs;
    }

    /** 0: no bound. */
    public long maxLagMs() {
        return maxLagMs;
    }

    public InputFormat format() {
        return format;
    }

    /** Parses one record; {@code nowMs} is the wall clock the event-time bounds are measured from. */
    public ParseResult parse(String raw, long nowMs) {
        return parse(raw, nowMs, true);
    }

    private ParseResult parse(String raw, long nowMs, boolean boundLag) {
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
                return parseJson(raw, nowMs, boundLag);
            case MOVIELENS_TSV:
                return parseDelimited(raw, "\t", nowMs, boundLag);
            case MOVIELENS_CSV:
                return parseDelimited(raw, ",", nowMs, boundLag);
            case MOVIELENS_DAT:
                return parseDelimited(raw, "::", nowMs, boundLag);
            default:
                throw new IllegalStateException("unhandled format " + format);
        }
    }

    /**
     * Reads only the event time of a record, for sorting a file before replay; {@code
     * Long.MAX_VALUE} when it has none (such records sort last and become dead letters).
     */
    public long timestampOf(String raw) {
        ParseResult result = parse(raw, Long.MAX_VALUE - maxFutureMs, false);
        return result.isValid() ? result.interaction().timestamp : Long.MAX_VALUE;
    }

    private ParseResult parseDelimited(String raw, String delimiter, long nowMs, boolean boundLag) {
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
        return validate(new Interaction(user, item, EventType.RATING, rating, seconds * 1000), nowMs, boundLag);
    }

    private static Long parseId(String text) {
        try {
            long id = Long.parseLong(text.trim());
            return id < 0 ? null : id;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private ParseResult parseJson(String raw, long nowMs, boolean boundLag) {
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
        return validate(event, nowMs, boundLag);
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
    private ParseResult validate(Interaction event, long nowMs, boolean boundLag) {
        if (event.timestamp < MIN_TIMESTAMP_MS) {
            return ParseResult.rejected("bad-timestamp: " + event.timestamp + " ms is before 1990");
        }
        if (event.timestamp > nowMs + maxFutureMs) {
            return ParseResult.rejected("bad-timestamp: " + event.timestamp + " ms is more than "
                    + Durations.text(maxFutureMs) + " ahead of the clock");
        }
        if (boundLag && maxLagMs > 0 && event.timestamp < nowMs - maxLagMs) {
            return ParseResult.rejected("too-old: " + event.timestamp + " ms is more than " + Durations.text(maxLagMs)
                    + " behind the clock");
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

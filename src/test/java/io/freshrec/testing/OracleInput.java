package io.freshrec.testing;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;

/**
 * The oracle's own reading of a JSON-lines interaction record, written from docs/model.md ("Interactions on the
 * wire") rather than from the job's parser: a test that decides with this which records are valid, and compares the
 * job with the {@link ReferenceModel} of those, fails when the job's parser lets through or rejects a record the
 * documented rules say otherwise about.
 */
public final class OracleInput {
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    /** 1990-01-01T00:00:00Z. */
    private static final long EARLIEST = Instant.parse("1990-01-01T00:00:00Z").toEpochMilli();

    /** docs/model.md: at most 5 min ahead of the clock (the default of freshrec.watermark.max-future). */
    private static final long MAX_AHEAD_MS = 5L * 60 * 1000;

    private OracleInput() {}

    /** The interaction a record stands for, or empty when the documented rules make it a dead letter. */
    public static Optional<Interaction> valid(String record, long nowMs) {
        if (record == null || record.isBlank() || record.length() > 64 * 1024 || record.contains("\uFFFD")) {
            return Optional.empty(); // U+FFFD: where a decoder met bytes that are not UTF-8
        }
        JsonNode node;
        try {
            node = JSON.readTree(record);
        } catch (Exception malformed) { // duplicate keys, trailing data, raw control characters included
            return Optional.empty();
        }
        if (node == null || !node.isObject()) {
            return Optional.empty();
        }
        Long user = id(node.get("user"));
        Long item = id(node.get("item"));
        EventType type = type(node.get("type"));
        Long ts = timestamp(node.get("ts"));
        if (user == null || item == null || type == null || ts == null || ts < EARLIEST || ts > nowMs + MAX_AHEAD_MS) {
            return Optional.empty();
        }
        JsonNode valueNode = node.get("value");
        double value = Double.NaN;
        if (valueNode != null && !valueNode.isNull()) {
            if (!valueNode.isNumber()) {
                return Optional.empty();
            }
            value = valueNode.doubleValue();
        }
        if (type == EventType.RATING) {
            if (!(value >= 0 && value <= 10)) { // NaN (absent) fails too
                return Optional.empty();
            }
        } else if (!Double.isNaN(value) && !(value >= 0 && value <= 1e9)) {
            return Optional.empty();
        }
        return Optional.of(new Interaction(user, item, type, value, ts));
    }

    /** A non-negative integer id that fits a long. */
    private static Long id(JsonNode node) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToLong() || node.longValue() < 0) {
            return null;
        }
        return node.longValue();
    }

    /** One of the documented wire names; case, surrounding spaces and '_' for '-' do not matter. */
    private static EventType type(JsonNode node) {
        if (node == null || !node.isTextual()) {
            return null;
        }
        String text = node.textValue();
        if (text.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        String name = text.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        return switch (name) {
            case "view" -> EventType.VIEW;
            case "click" -> EventType.CLICK;
            case "add-to-cart" -> EventType.ADD_TO_CART;
            case "purchase" -> EventType.PURCHASE;
            case "rating" -> EventType.RATING;
            default -> null;
        };
    }

    /** Epoch milliseconds (an integer) or an ISO-8601 instant. */
    private static Long timestamp(JsonNode node) {
        if (node == null) {
            return null;
        }
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Instant.parse(node.textValue()).toEpochMilli();
            } catch (RuntimeException unreadable) {
                return null;
            }
        }
        return null;
    }
}

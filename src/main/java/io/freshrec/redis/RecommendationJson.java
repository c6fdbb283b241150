package io.freshrec.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.model.Recommendations;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;

/**
 * A served list as the JSON the Redis sink stores (docs/redis.md):
 *
 * <pre>{"user":42,"items":[96,981],"scores":[1.1636,0.5722],"modelVersion":92,"eventTime":1796606498336,
 * "updatedAt":1796606498425,"activeAt":1796606498425,"fromTrending":0}</pre>
 *
 * Every field of {@link Recommendations}; scores as Java writes doubles (the shortest text that reads back to the
 * same double), so a list read back equals the one written, bit for bit.
 */
public final class RecommendationJson {
    private static final JsonFactory FACTORY = new JsonFactory();
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private RecommendationJson() {}

    public static String write(Recommendations list) {
        StringWriter text = new StringWriter(64 + 24 * list.items.length);
        try (JsonGenerator json = FACTORY.createGenerator(text)) {
            json.writeStartObject();
            json.writeNumberField("user", list.userId);
            json.writeArrayFieldStart("items");
            for (long item : list.items) {
                json.writeNumber(item);
            }
            json.writeEndArray();
            json.writeArrayFieldStart("scores");
            for (double score : list.scores) {
                json.writeNumber(score);
            }
            json.writeEndArray();
            json.writeNumberField("modelVersion", list.modelVersion);
            json.writeNumberField("eventTime", list.eventTime);
            json.writeNumberField("updatedAt", list.updatedAt);
            json.writeNumberField("activeAt", list.activeAt);
            json.writeNumberField("fromTrending", list.fromTrending);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return text.toString();
    }

    /** The list in {@code json}; IllegalArgumentException when it is not one. */
    public static Recommendations read(String json) {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (IOException e) {
            throw new IllegalArgumentException("not a recommendation list: " + e.getMessage(), e);
        }
        if (node == null || !node.isObject() || !node.path("user").canConvertToLong()) {
            throw new IllegalArgumentException("not a recommendation list: " + abbreviated(json));
        }
        Recommendations list = new Recommendations();
        list.userId = node.path("user").asLong();
        JsonNode items = node.path("items");
        list.items = new long[items.size()];
        for (int i = 0; i < list.items.length; i++) {
            list.items[i] = items.get(i).asLong();
        }
        JsonNode scores = node.path("scores");
        list.scores = new double[scores.size()];
        for (int i = 0; i < list.scores.length; i++) {
            list.scores[i] = scores.get(i).asDouble();
        }
        list.modelVersion = node.path("modelVersion").asLong();
        list.eventTime = node.path("eventTime").asLong();
        list.updatedAt = node.path("updatedAt").asLong();
        list.activeAt = node.path("activeAt").asLong();
        list.fromTrending = node.path("fromTrending").asInt();
        return list;
    }

    private static String abbreviated(String text) {
        return text.length() <= 80 ? text : text.substring(0, 80) + "...";
    }
}

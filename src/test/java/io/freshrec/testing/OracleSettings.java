package io.freshrec.testing;

import io.freshrec.events.Interaction;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.Configuration;

/**
 * The {@link ReferenceModel}'s settings, read by hand from the raw {@code freshrec.*} key/value strings with the
 * defaults docs/configuration.md documents, and nothing of the job's own option mapping (FreshRecOptions,
 * ModelConfig, EventWeights): a key the job maps to the wrong field gives a job that disagrees with this oracle.
 */
public final class OracleSettings {
    public final int historyLength;
    public final int neighbours;
    public final int topN;
    public final int trendingSize;
    public final long similarityHalfLifeMs;
    public final long historyHalfLifeMs;
    public final long trendingHalfLifeMs;
    public final double normExponent;
    public final double popularityBlend;
    public final long publishIntervalMs;
    public final long maxStalenessMs;
    /** Co-occurrence entries per item before pruning; 0: none. */
    public final int maxCooccurrences;
    /** Entries under this go whenever an item's map is pruned. */
    public final double cooccurrencePruneBelow;
    /** Events per user per minute of event time (a token bucket), 0: none. */
    public final int userRateLimit;

    private final Map<String, Double> fixedWeights = new HashMap<>();
    private final double ratingBase;
    private final double ratingSlope;

    private OracleSettings(Map<String, String> raw) {
        historyLength = integer(raw, "freshrec.model.history-length", 8);
        neighbours = integer(raw, "freshrec.model.neighbours", 50);
        topN = integer(raw, "freshrec.serving.top-n", 20);
        trendingSize = integer(raw, "freshrec.model.trending-size", 100);
        similarityHalfLifeMs = millis(raw, "freshrec.model.similarity-half-life", 730L * 24 * 3600 * 1000);
        historyHalfLifeMs = millis(raw, "freshrec.model.history-half-life", 15L * 60 * 1000);
        trendingHalfLifeMs = millis(raw, "freshrec.model.trending-half-life", 3L * 24 * 3600 * 1000);
        normExponent = decimal(raw, "freshrec.model.norm-exponent", 0.8);
        popularityBlend = decimal(raw, "freshrec.model.popularity-blend", 0.0);
        publishIntervalMs = millis(raw, "freshrec.model.publish-interval", 200);
        maxStalenessMs = millis(raw, "freshrec.serving.max-staleness", 60_000);
        // Documented default: 20 pairs per neighbour kept.
        maxCooccurrences = integer(raw, "freshrec.model.max-cooccurrences", 20 * neighbours);
        cooccurrencePruneBelow = decimal(raw, "freshrec.model.cooccurrence-prune-below", 1e-3);
        userRateLimit = integer(raw, "freshrec.input.user-rate-limit", 12_000);
        fixedWeights.put("view", decimal(raw, "freshrec.model.weight.view", 1.0));
        fixedWeights.put("click", decimal(raw, "freshrec.model.weight.click", 2.0));
        fixedWeights.put("add-to-cart", decimal(raw, "freshrec.model.weight.add-to-cart", 4.0));
        fixedWeights.put("purchase", decimal(raw, "freshrec.model.weight.purchase", 8.0));
        ratingBase = decimal(raw, "freshrec.model.weight.rating-base", 1.0);
        ratingSlope = decimal(raw, "freshrec.model.weight.rating-slope", 0.5);
    }

    /** From raw key/value strings, as a user writes them in config.yaml or with -D. */
    public static OracleSettings of(Map<String, String> raw) {
        return new OracleSettings(raw);
    }

    /** From the raw strings of a Flink configuration (what the job was given, not what it made of it). */
    public static OracleSettings of(Configuration settings) {
        return new OracleSettings(settings.toMap());
    }

    /** An event's weight: a fixed weight per type, a rating 1 + 0.5 * value (by default) and never below 0.1. */
    public double weightOf(Interaction event) {
        String type = event.type.wireName();
        if (type.equals("rating")) {
            return Math.max(0.1, ratingBase + ratingSlope * event.value);
        }
        Double weight = fixedWeights.get(type);
        if (weight == null) {
            throw new IllegalArgumentException("the oracle knows no weight for event type " + type);
        }
        return weight;
    }

    private static int integer(Map<String, String> raw, String key, int fallback) {
        String value = raw.get(key);
        return value == null ? fallback : Integer.parseInt(value.trim());
    }

    private static double decimal(Map<String, String> raw, String key, double fallback) {
        String value = raw.get(key);
        return value == null ? fallback : Double.parseDouble(value.trim());
    }

    private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*([a-z]*)");

    /** A duration as written in Flink's settings: a number and an optional unit (milliseconds without one). */
    static long millis(Map<String, String> raw, String key, long fallback) {
        String value = raw.get(key);
        if (value == null) {
            return fallback;
        }
        Matcher matcher = DURATION.matcher(value.trim().toLowerCase(Locale.ROOT));
        if (!matcher.matches()) {
            throw new IllegalArgumentException(key + ": the oracle cannot read the duration '" + value + "'");
        }
        long amount = Long.parseLong(matcher.group(1));
        long unit = switch (matcher.group(2)) {
            case "", "ms", "milli", "millis", "millisecond", "milliseconds" -> 1L;
            case "s", "sec", "secs", "second", "seconds" -> 1000L;
            case "min", "mins", "minute", "minutes" -> 60_000L;
            case "h", "hour", "hours" -> 3_600_000L;
            case "d", "day", "days" -> 86_400_000L;
            default ->
                throw new IllegalArgumentException(
                        key + ": the oracle knows no duration unit '" + matcher.group(2) + "'");
        };
        return amount * unit;
    }
}

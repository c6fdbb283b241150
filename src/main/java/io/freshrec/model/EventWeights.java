package io.freshrec.model;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import java.io.Serializable;
import java.util.EnumMap;
import java.util.StringJoiner;

/**
 * How much each interaction says about a user's interest: a fixed weight per event type, non-decreasing in the
 * declaration order of {@link EventType} (purchase > add-to-cart > click > view by default); a rating (a type
 * {@linkplain EventType#weighedByValue() weighed by its value}) weighs {@code ratingBase + ratingSlope * value},
 * never below {@code minRatingWeight}.
 */
public final class EventWeights implements Serializable {
    // 2: the fixed weights moved from one field per type into a map (serialized into the job graph only, not state).
    private static final long serialVersionUID = 2L;

    /** The weight of every type with a fixed weight; defaults from {@link EventType#defaultWeight()}. */
    private final EnumMap<EventType, Double> fixed = new EnumMap<>(EventType.class);

    public double ratingBase = 1.0;
    public double ratingSlope = 0.5;
    public double minRatingWeight = 0.1;

    public EventWeights() {
        for (EventType type : EventType.values()) {
            if (!type.weighedByValue()) {
                fixed.put(type, type.defaultWeight());
            }
        }
    }

    /** The fixed weight of a type; IllegalArgumentException for a type weighed by its value. */
    public double get(EventType type) {
        return fixed.get(requireFixed(type));
    }

    /** Sets the fixed weight of a type; IllegalArgumentException for a type weighed by its value. */
    public EventWeights set(EventType type, double weight) {
        fixed.put(requireFixed(type), weight);
        return this;
    }

    private static EventType requireFixed(EventType type) {
        if (type.weighedByValue()) {
            throw new IllegalArgumentException(type.wireName() + " has no fixed weight: its value weighs it");
        }
        return type;
    }

    public EventWeights copy() {
        EventWeights copy = new EventWeights();
        copy.fixed.putAll(fixed);
        copy.ratingBase = ratingBase;
        copy.ratingSlope = ratingSlope;
        copy.minRatingWeight = minRatingWeight;
        return copy;
    }

    public double weightOf(Interaction event) {
        return weightOf(event.type, event.value);
    }

    public double weightOf(EventType type, double value) {
        if (type.weighedByValue()) {
            return Math.max(minRatingWeight, ratingBase + ratingSlope * value);
        }
        return fixed.get(type);
    }

    /** Checks the documented order and positivity; returns a problem or null. */
    public String problem() {
        // Positive and non-decreasing in declaration order (an EnumMap iterates in it); NaN fails both comparisons.
        double previous = 0;
        for (double weight : fixed.values()) {
            if (!(weight > 0 && weight >= previous)) {
                return "event weights must satisfy " + documentedOrder();
            }
            previous = weight;
        }
        if (!(minRatingWeight > 0) || !Double.isFinite(ratingBase) || !Double.isFinite(ratingSlope)) {
            return "rating weight settings must be finite and the minimum positive";
        }
        return null;
    }

    /** "0 < view <= click <= add-to-cart <= purchase", from the types with a fixed weight. */
    public static String documentedOrder() {
        StringJoiner order = new StringJoiner(" <= ", "0 < ", "");
        for (EventType type : EventType.values()) {
            if (!type.weighedByValue()) {
                order.add(type.wireName());
            }
        }
        return order.toString();
    }
}

package io.freshrec.events;

import java.util.Locale;

/**
 * The kinds of interaction FreshRec learns from, in increasing order of intent. This enum is the one
 * definition of an event type: its wire name, default weight and description; the weight option
 * ({@code freshrec.model.weight.<wire name>}), the weight order check and docs/configuration.md derive from it.
 */
public enum EventType {
    VIEW("view", 1.0, "the user viewed the item"),
    CLICK("click", 2.0, "the user clicked the item"),
    ADD_TO_CART("add-to-cart", 4.0, "the user added the item to their cart"),
    PURCHASE("purchase", 8.0, "the user bought the item"),
    /** An explicit rating; its value is required and weighs the event. */
    RATING("rating", "an explicit rating: its value (required, in [0, 10]) weighs the event");

    private final String wireName;
    private final boolean weighedByValue;
    private final double defaultWeight;
    private final String description;

    /** A type with a fixed weight (configurable, default {@code defaultWeight}). */
    EventType(String wireName, double defaultWeight, String description) {
        this.wireName = wireName;
        this.weighedByValue = false;
        this.defaultWeight = defaultWeight;
        this.description = description;
    }

    /** A type whose weight comes from its value (a rating: see {@code EventWeights}). */
    EventType(String wireName, String description) {
        this.wireName = wireName;
        this.weighedByValue = true;
        this.defaultWeight = Double.NaN;
        this.description = description;
    }

    /** The name used on the wire (JSON lines; docs/model.md) and in configuration keys. */
    public String wireName() {
        return wireName;
    }

    /** True when an event's weight comes from its value rather than a fixed weight per type. */
    public boolean weighedByValue() {
        return weighedByValue;
    }

    /** The default fixed weight; IllegalStateException for a type weighed by its value. */
    public double defaultWeight() {
        if (weighedByValue()) {
            throw new IllegalStateException(wireName + " has no fixed weight: its value weighs it");
        }
        return defaultWeight;
    }

    /** One line for the documentation, lower case without a final stop ("the user viewed the item"). */
    public String description() {
        return description;
    }

    /**
     * Parses a wire name, case-insensitively, accepting '_' for '-' and surrounding spaces; null when unknown. A name
     * with control characters is unknown (trimming would otherwise accept "view\u0000" as a view).
     */
    public static EventType fromWire(String name) {
        if (name == null || name.chars().anyMatch(Character::isISOControl)) {
            return null;
        }
        String normalised = name.trim().toLowerCase(Locale.ROOT).replace('_', '-');
        for (EventType type : values()) {
            if (type.wireName.equals(normalised)) {
                return type;
            }
        }
        return null;
    }
}

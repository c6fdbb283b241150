package io.freshrec.events;

import java.util.Locale;

/** The kinds of interaction FreshRec learns from, in increasing order of intent. */
public enum EventType {
    VIEW("view"),
    CLICK("click"),
    ADD_TO_CART("add-to-cart"),
    PURCHASE("purchase"),
    /** An explicit rating; its value is required and weighs the event. */
    RATING("rating");

    private final String wireName;

    EventType(String wireName) {
        this.wireName = wireName;
    }

    /** The name used on the wire (JSON lines) and in docs/model.md. */
    public String wireName() {
        return wireName;
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

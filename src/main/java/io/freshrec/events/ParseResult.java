package io.freshrec.events;

/** Either a valid interaction or the reason the raw record was rejected. */
public final class ParseResult {
    private final Interaction interaction;
    private final String reason;

    private ParseResult(Interaction interaction, String reason) {
        this.interaction = interaction;
        this.reason = reason;
    }

    public static ParseResult ok(Interaction interaction) {
        return new ParseResult(interaction, null);
    }

    public static ParseResult rejected(String reason) {
        return new ParseResult(null, reason);
    }

    public boolean isValid() {
        return interaction != null;
    }

    public Interaction interaction() {
        return interaction;
    }

    /** {@code category: detail}; the category is the part before the colon. */
    public String reason() {
        return reason;
    }

    public String reasonCategory() {
        int colon = reason.indexOf(':');
        return colon < 0 ? reason : reason.substring(0, colon);
    }
}

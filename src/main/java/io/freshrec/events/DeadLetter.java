package io.freshrec.events;

/** An input record that could not be used, with the reason and the raw payload. */
public class DeadLetter {
    public String reason;
    public String payload;
    /** Processing time at which it was rejected, epoch milliseconds. */
    public long rejectedAt;

    public DeadLetter() {}

    public DeadLetter(String reason, String payload, long rejectedAt) {
        this.reason = reason;
        this.payload = payload;
        this.rejectedAt = rejectedAt;
    }

    /**
     * A rejected input record. Its payload is kept up to {@link InteractionParser#MAX_PAYLOAD_CHARS} characters (only a
     * record rejected as too-large is longer), then cut with a note of its length: a multi-megabyte record must not
     * become a dead letter larger than what its sink accepts (a Kafka producer refuses records over 1 MB by default,
     * and JSON escaping makes control characters six bytes each), which would fail the job on every retry.
     */
    public static DeadLetter ofRecord(String reason, String raw, long rejectedAt) {
        String payload = raw == null ? "" : raw;
        if (payload.length() > InteractionParser.MAX_PAYLOAD_CHARS) {
            payload = payload.substring(0, InteractionParser.MAX_PAYLOAD_CHARS) + "...[truncated: " + payload.length()
                    + " chars]";
        }
        return new DeadLetter(reason, payload, rejectedAt);
    }

    @Override
    public String toString() {
        return "DeadLetter{reason='" + reason + "', payload='" + payload + "'}";
    }
}

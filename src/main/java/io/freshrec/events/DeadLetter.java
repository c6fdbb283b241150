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

    @Override
    public String toString() {
        return "DeadLetter{reason='" + reason + "', payload='" + payload + "'}";
    }
}

package io.freshrec.job;

import java.util.Locale;

/** The quality circuit breaker of one serving subtask opened (serving frozen) or closed (serving follows again). */
public class QualityAlert {
    public static final String OPENED = "breaker-open";
    public static final String CLOSED = "breaker-closed";

    public String kind;
    public int subtask;
    /** Event time of the scored event that decided it. */
    public long eventTime;
    /** Wall-clock time of the decision, epoch milliseconds. */
    public long raisedAt;
    /** Rolling recall@10 of the lists served (OPENED) or of the newest model's lists (CLOSED). */
    public double recall;

    public double baseline;
    /** The model version serving is frozen at (OPENED) or was frozen at (CLOSED). */
    public long frozenVersion;

    public QualityAlert() {}

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%s: serving subtask %d %s: rolling recall@10 %.4f vs baseline %.4f (event time %d)",
                kind,
                subtask,
                OPENED.equals(kind)
                        ? "frozen at model v" + frozenVersion
                        : "follows the newest model again (was frozen at v" + frozenVersion + ")",
                recall,
                baseline,
                eventTime);
    }
}

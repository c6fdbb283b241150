package io.freshrec.model;

/**
 * What serving knows about one user, as a model export writes it: the recent history that scoring
 * uses, the items excluded as seen, and the list the job served last. Enough to score the user again
 * outside Flink ({@code FreshRecServable}) and to compare with what was served.
 */
public class UserProfile {
    public long user;
    /** Recent distinct items with the user's interest in each, oldest first. */
    public UserHistory history = new UserHistory();
    /** Items the user interacted with most recently (at most the seen limit), oldest first: never recommended. */
    public long[] seen = new long[0];
    /** The list the job served last (null if it has served none yet). */
    public Recommendations served;

    public UserProfile() {}

    /**
     * The event time to score at to reproduce the served list: the time it was computed at (the user's
     * last interaction, or the watermark of a refresh), else the user's last interaction.
     */
    public long scoreTime() {
        return served != null ? served.eventTime : history.lastEventTime;
    }

    /** The seen items as serving holds them. */
    public SeenItems seenItems() {
        SeenItems items = new SeenItems();
        for (long item : seen) {
            items.add(item, Integer.MAX_VALUE);
        }
        return items;
    }
}

package io.freshrec.model;

/** Read access to a published model: per-item snapshots and the trending list. */
public interface ModelView {
    /** The item's latest snapshot, or null when the model does not know it. */
    ItemSnapshot item(long itemId);

    /** The latest trending list; never null (may be empty). */
    TrendingList trending();

    /** The model version these values belong to. */
    long version();
}

package io.freshrec.job;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.TrendingList;

/**
 * What the validation gate broadcasts to serving: an item snapshot that belongs to the version
 * being built, or the commit of that version with the trending list as of its end.
 */
public class ModelUpdate {
    /** The committed version's number (commits); 0 on item deltas, which are identified by {@link #time}. */
    public long version;
    /** Event time the version describes (end of its publish interval). */
    public long time;
    /** Set for an item delta; null for a commit. */
    public ItemSnapshot item;
    /** Set for a commit. */
    public TrendingList trending;

    public ModelUpdate() {}

    public static ModelUpdate item(long version, long time, ItemSnapshot item) {
        ModelUpdate update = new ModelUpdate();
        update.version = version;
        update.time = time;
        update.item = item;
        return update;
    }

    public static ModelUpdate commit(long version, long time, TrendingList trending) {
        ModelUpdate update = new ModelUpdate();
        update.version = version;
        update.time = time;
        update.trending = trending;
        return update;
    }

    public boolean isCommit() {
        return item == null;
    }
}

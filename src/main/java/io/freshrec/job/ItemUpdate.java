package io.freshrec.job;

/**
 * Changes to one item's part of the model, sent from user-history to item-model (keyed by {@link
 * #item}). One interaction produces one update for the interacted item (the interaction plus its
 * co-occurrence with each recent item of the user, batched so the item's state is read and written
 * once) and one single-pair update for each of those recent items.
 */
public class ItemUpdate {
    public long item;
    /** Whether the user interacted with {@link #item} itself (weight and norm growth are set). */
    public boolean interaction;

    public double weight;
    /** Growth of the item's squared norm. */
    public double normIncrement;
    /** Co-occurring items and the increment of the co-occurrence with each. */
    public long[] others = new long[0];

    public double[] amounts = new double[0];
    public long time;
    /** Set by item-model on arrival: the model version the update belongs to. */
    public long versionTime;

    public ItemUpdate() {}

    public static ItemUpdate pair(long item, long other, double amount, long time) {
        ItemUpdate update = new ItemUpdate();
        update.item = item;
        update.others = new long[] {other};
        update.amounts = new double[] {amount};
        update.time = time;
        return update;
    }

    public static ItemUpdate interaction(
            long item, double weight, double normIncrement, long[] others, double[] amounts, long time) {
        ItemUpdate update = new ItemUpdate();
        update.item = item;
        update.interaction = true;
        update.weight = weight;
        update.normIncrement = normIncrement;
        update.others = others;
        update.amounts = amounts;
        update.time = time;
        return update;
    }
}

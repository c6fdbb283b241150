package io.freshrec.evaluation;

import io.freshrec.events.Interaction;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.LongPredicate;

/**
 * Item-item co-occurrence without decay, cosine-normalised: C(i, j) counts the users who interacted with both i
 * and j, N(i) the users who interacted with i, and every known item c scores the sum over the user's last {@code
 * recent} distinct items j of C(j, c) / sqrt(N(j) * N(c)) (0 when it co-occurs with none of them). Top k by
 * score; scores equal to 12 decimal places are ties (floating-point sums in another order must not decide the
 * order of items whose scores are equal), ties: larger item id first (see {@link Baseline#BEFORE_ON_TIE}).
 */
public final class CosineCooccurrence implements Baseline {
    private final int recent;
    private final Map<Long, Integer> index = new HashMap<>();
    /** Item ids by dense index (the order items became known). */
    private long[] ids = new long[1024];
    /** N(i) by dense index, and 1 / sqrt(N(i)). */
    private int[] users = new int[1024];

    private double[] inverseRoot = new double[1024];
    /** C(i, .) by dense index. */
    private IntCounts[] rows = new IntCounts[1024];

    private int known;
    /** Every known item id in tie order: the items that score 0 fill a list in this order. */
    private final TreeSet<Long> knownInTieOrder = new TreeSet<>(Baseline.BEFORE_ON_TIE);

    private final Map<Long, UserItems> histories = new HashMap<>();
    /** Scratch space of one recommendation: scores by dense index (0 between calls) and the indexes touched. */
    private double[] scores = new double[1024];

    private int[] touched = new int[1024];

    /** A user's distinct items: all of them (co-occurrence), and the most recent ones, oldest first (scoring). */
    private static final class UserItems {
        final Set<Integer> all = new HashSet<>();
        int[] items = new int[16];
        int size;
        int[] latest = new int[0];
    }

    public CosineCooccurrence(int recent) {
        if (recent < 1) {
            throw new IllegalArgumentException("recent items must be at least 1");
        }
        this.recent = recent;
    }

    @Override
    public String name() {
        return "cosine co-occurrence, last " + recent;
    }

    @Override
    public long[] recommend(long user, int k, LongPredicate seen) {
        UserItems history = histories.get(user);
        int count = 0;
        if (history != null) {
            for (int j : history.latest) {
                IntCounts row = rows[j];
                double source = inverseRoot[j];
                for (int n = 0; n < row.size(); n++) {
                    int c = row.keyAt(n);
                    if (scores[c] == 0) {
                        touched[count++] = c;
                    }
                    scores[c] += row.countAt(n) * source * inverseRoot[c];
                }
            }
        }
        long[] top = new long[k];
        long[] values = new long[k];
        int size = 0;
        for (int t = 0; t < count; t++) {
            int c = touched[t];
            long value = tieKey(scores[c]);
            scores[c] = 0;
            long item = ids[c];
            if (seen.test(item) || (size == k && !before(item, value, top[k - 1], values[k - 1]))) {
                continue;
            }
            int at = size < k ? size++ : k - 1;
            while (at > 0 && before(item, value, top[at - 1], values[at - 1])) {
                top[at] = top[at - 1];
                values[at] = values[at - 1];
                at--;
            }
            top[at] = item;
            values[at] = value;
        }
        if (size < k) {
            // Too few co-occur: the rest of the catalogue scores 0, in tie order.
            int scored = size;
            for (long item : knownInTieOrder) {
                if (size == k) {
                    break;
                }
                if (!seen.test(item) && !contains(top, scored, item)) {
                    top[size++] = item;
                }
            }
        }
        return size == k ? top : Arrays.copyOf(top, size);
    }

    private static boolean contains(long[] items, int size, long item) {
        for (int n = 0; n < size; n++) {
            if (items[n] == item) {
                return true;
            }
        }
        return false;
    }

    /** The score as compared: rounded to 12 decimal places. */
    static long tieKey(double score) {
        return Math.round(score * 1e12);
    }

    private static boolean before(long item, long value, long other, long otherValue) {
        return value > otherValue || (value == otherValue && Baseline.BEFORE_ON_TIE.compare(item, other) < 0);
    }

    @Override
    public void learn(Interaction event) {
        int i = indexOf(event.itemId);
        UserItems history = histories.computeIfAbsent(event.userId, u -> new UserItems());
        if (history.all.add(i)) {
            users[i]++;
            inverseRoot[i] = 1 / Math.sqrt(users[i]);
            for (int n = 0; n < history.size; n++) {
                int j = history.items[n];
                rows[i].increment(j);
                rows[j].increment(i);
            }
            if (history.size == history.items.length) {
                history.items = Arrays.copyOf(history.items, history.size * 2);
            }
            history.items[history.size++] = i;
        }
        history.latest = withLatest(history.latest, i, recent);
    }

    /** {@code latest} with {@code item} moved or added to the end, keeping at most {@code limit}. */
    private static int[] withLatest(int[] latest, int item, int limit) {
        int[] next = new int[Math.min(limit, latest.length + 1)];
        int at = next.length - 1;
        next[at--] = item;
        for (int n = latest.length - 1; n >= 0 && at >= 0; n--) {
            if (latest[n] != item) {
                next[at--] = latest[n];
            }
        }
        // A repeated item among fewer than limit leaves one slot over: drop it.
        return at >= 0 ? Arrays.copyOfRange(next, at + 1, next.length) : next;
    }

    private int indexOf(long item) {
        Integer found = index.get(item);
        if (found != null) {
            return found;
        }
        if (known == ids.length) {
            int grown = known * 2;
            ids = Arrays.copyOf(ids, grown);
            users = Arrays.copyOf(users, grown);
            inverseRoot = Arrays.copyOf(inverseRoot, grown);
            rows = Arrays.copyOf(rows, grown);
            scores = Arrays.copyOf(scores, grown);
            touched = Arrays.copyOf(touched, grown);
        }
        ids[known] = item;
        rows[known] = new IntCounts();
        index.put(item, known);
        knownInTieOrder.add(item);
        return known++;
    }
}

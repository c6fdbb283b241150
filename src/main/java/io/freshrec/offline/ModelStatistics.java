package io.freshrec.offline;

import io.freshrec.model.Decay;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.model.TrendingList;
import io.freshrec.model.UserHistory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The figures {@code freshrec inspect} prints about a model version, accumulated record by record while
 * a savepoint is read (no Flink types: the same figures could be taken of any source of records). Public
 * fields are the {@code --json} output.
 */
public class ModelStatistics {
    public String savepoint;
    /** The registry version named on the command line, if any. */
    public String version;

    public String format;
    public long checkpointId;
    /** Where the settings (half-lives for the popularity head) came from. */
    public String settings;

    public Model model = new Model();
    public Users users = new Users();
    public Items items = new Items();
    /** Top items by trending popularity, decayed to {@link #popularityAt}. */
    public List<Popular> popularityHead = new ArrayList<>();

    public long popularityAt;
    public State state = new State();
    public double readSeconds;

    public static class Model {
        /** The newest version the model gate committed, 0 before the first. */
        public long version;
        /**
         * Event time the items are as of: the newest version time among their published snapshots (epoch ms;
         * the committed version's, unless versions are open).
         */
        public long time;
        /** Length of the committed trending list. */
        public int trendingListLength;
        /** Versions the gate has seen snapshots of but not committed yet (the watermark has not passed them). */
        public int pendingVersions;
    }

    public static class Users {
        /** Users with a history in user-history (the learning side). */
        public long withHistory;

        public double historyLengthMean;
        public int historyLengthMax;
        /** Interactions those users' histories were built from (events applied). */
        public long interactions;
        /** Interactions buffered until the watermark passes them. */
        public long pendingEvents;
        /** Users with a served list (serving). */
        public long served;

        public double servedListLengthMean;
        /** Served lists made only of trending items (cold start). */
        public long trendingOnlyLists;
        /** Oldest and newest model version among the served lists. */
        public long servedVersionMin;

        public long servedVersionMax;
        /** Profiles waiting in serving for the model to catch up (align-to-model). */
        public long pendingProfiles;
    }

    public static class Items {
        /** Items with state in item-model. */
        public long total;
        /** Items serving knows: not expired. */
        public long live;
        /** Items forgotten after the item TTL (only their decaying norm is kept). */
        public long expired;
        /** Items whose first updates still wait for their version. */
        public long waiting;
        /** Neighbour lists: items with at least one neighbour candidate, their mean and maximum length. */
        public long neighbourLists;

        public double neighboursMean;
        public int neighboursMax;
        /** Entries of the full co-occurrence maps (every pair ever seen, not only the kept neighbours). */
        public long cooccurrenceEntries;

        public long pendingUpdates;
    }

    public static class Popular {
        public long item;
        public double popularity;

        public Popular() {}

        Popular(long item, double popularity) {
            this.item = item;
            this.popularity = popularity;
        }
    }

    public static class State {
        /** Bytes of the savepoint directory (or of its state, when not on a local disk). */
        public long bytesOnDisk;
        /** State bytes by operator uid. */
        public Map<String, Long> bytesByOperator = new LinkedHashMap<>();
        /** Keyed state bytes by operator uid (the rest is operator state: sources, serving's broadcast model). */
        public Map<String, Long> keyedBytesByOperator = new LinkedHashMap<>();
        /** Keyed bytes of user-history and serving per user with a history. */
        public double bytesPerUser;
        /** Keyed bytes of item-model per item. */
        public double bytesPerItem;
    }

    private final transient ModelConfig config;
    private final transient int top;
    private final transient TrendingList head = new TrendingList();
    private transient long historyLengths;
    private transient long servedLengths;
    private transient long neighbourTotal;

    public ModelStatistics(ModelConfig config, int top) {
        this.config = config;
        this.top = top;
        users.servedVersionMin = Long.MAX_VALUE;
        users.servedVersionMax = Long.MIN_VALUE;
    }

    public void user(UserHistory history, int pendingEvents) {
        users.pendingEvents += pendingEvents;
        if (history == null) {
            return;
        }
        users.withHistory++;
        historyLengths += history.items.length;
        users.historyLengthMax = Math.max(users.historyLengthMax, history.items.length);
        users.interactions += history.events;
    }

    public void served(Recommendations list, int pendingProfiles) {
        users.pendingProfiles += pendingProfiles;
        if (list == null) {
            return;
        }
        users.served++;
        servedLengths += list.items.length;
        if (list.items.length > 0 && list.fromTrending == list.items.length) {
            users.trendingOnlyLists++;
        }
        users.servedVersionMin = Math.min(users.servedVersionMin, list.modelVersion);
        users.servedVersionMax = Math.max(users.servedVersionMax, list.modelVersion);
    }

    /**
     * @param snapshot the item's current snapshot, null while its first updates wait for their version
     * @param expired whether the item has been forgotten (see {@link io.freshrec.model.ItemState#isExpired})
     */
    public void item(long item, ItemSnapshot snapshot, boolean expired, long cooccurrences, int pendingUpdates) {
        items.total++;
        items.cooccurrenceEntries += cooccurrences;
        items.pendingUpdates += pendingUpdates;
        if (snapshot == null) {
            items.waiting++;
            return;
        }
        if (expired) {
            items.expired++;
            return;
        }
        items.live++;
        model.time = Math.max(model.time, snapshot.versionTime);
        int length = snapshot.neighbours.length;
        if (length > 0) {
            items.neighbourLists++;
            neighbourTotal += length;
            items.neighboursMax = Math.max(items.neighboursMax, length);
        }
        if (snapshot.trending > 0) {
            head.offer(item, snapshot.trending, snapshot.time, top, config.trendingHalfLifeMs);
        }
    }

    public void gate(long version, TrendingList trending, int pendingVersions) {
        model.version = version;
        model.trendingListLength = trending == null ? 0 : trending.items.length;
        model.pendingVersions = pendingVersions;
    }

    /**
     * Derives the means, the popularity head and the per-key sizes once every record was added.
     *
     * @param userBytes keyed state bytes of the per-user operators
     * @param itemBytes keyed state bytes of the per-item operator
     */
    public ModelStatistics finish(
            Map<String, Long> bytesByOperator,
            Map<String, Long> keyedBytesByOperator,
            long bytesOnDisk,
            long userBytes,
            long itemBytes) {
        users.historyLengthMean = users.withHistory == 0 ? 0 : (double) historyLengths / users.withHistory;
        users.servedListLengthMean = users.served == 0 ? 0 : (double) servedLengths / users.served;
        if (users.served == 0) {
            users.servedVersionMin = 0;
            users.servedVersionMax = 0;
        }
        items.neighboursMean = items.neighbourLists == 0 ? 0 : (double) neighbourTotal / items.neighbourLists;
        popularityAt = model.time > 0 ? model.time : head.time;
        popularityHead.clear();
        for (int i = 0; i < head.items.length; i++) {
            popularityHead.add(new Popular(
                    head.items[i], Decay.at(head.scores[i], head.time, popularityAt, config.trendingHalfLifeMs)));
        }
        state.bytesOnDisk = bytesOnDisk;
        state.bytesByOperator = bytesByOperator;
        state.keyedBytesByOperator = keyedBytesByOperator;
        state.bytesPerUser = users.withHistory == 0 ? 0 : (double) userBytes / users.withHistory;
        state.bytesPerItem = items.total == 0 ? 0 : (double) itemBytes / items.total;
        return this;
    }
}

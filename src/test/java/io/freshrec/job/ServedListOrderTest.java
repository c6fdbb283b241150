package io.freshrec.job;

import static io.freshrec.job.HarnessSupport.value;
import static io.freshrec.job.ServingFixtures.history;
import static io.freshrec.job.ServingFixtures.interact;
import static io.freshrec.job.ServingFixtures.modelV1;
import static io.freshrec.job.ServingFixtures.modelV2;
import static io.freshrec.job.ServingFixtures.trendingList;
import static io.freshrec.job.ServingFixtures.watermark;
import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ModelConfig;
import io.freshrec.model.Recommendations;
import io.freshrec.redis.RecommendationJson;
import io.freshrec.redis.RedisLayout;
import io.freshrec.redis.RedisListStore;
import io.freshrec.redis.RedisOptions;
import io.freshrec.redis.RedisRecommendations;
import io.freshrec.redis.RedisSettings;
import io.freshrec.testing.RedisServerExtension;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Which order of a user's lists Redis must follow so that it ends with what queryable state serves, shown on the
 * serving operator (RocksDB harness, restored from its snapshot as after a failure) writing to a real redis-server
 * through the Redis sink's store, one store (one writer epoch) per run:
 * <ul>
 *   <li>the lists' own fields are not that order: a late event's list has an older event time, and the replay of a
 *       refresh after a restore computes a list with an older event time than the one the failed run wrote after the
 *       checkpoint (the watermark a refresh reads starts again after a restore) and other scores; a rule on
 *       (modelVersion, eventTime) would keep the failed run's list in Redis;</li>
 *   <li>the order serving emits them in, and every list of a later run after every list of an earlier one (the
 *       sink's {@link io.freshrec.redis.WriteVersion}), is;</li>
 *   <li>after a restore, a refresh timer re-emits a list computed before, even when the model has not moved on, so
 *       the failed run's newer list in Redis is replaced by the one queryable state serves again.</li>
 * </ul>
 */
class ServedListOrderTest {
    private static final long USER = 1L;
    private static final long[] TRENDING = {5, 3, 1, 2, 4};
    private static final String PREFIX = "order:";

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private final List<KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations>> opened =
            new ArrayList<>();
    private final List<RedisListStore> stores = new ArrayList<>();

    @AfterEach
    void close() throws Exception {
        for (var harness : opened) {
            harness.close();
        }
        stores.forEach(RedisListStore::close);
    }

    /** Top 3, cosine, no co-occurrence decay, but interest decays (half-life 10 s): a list's scores depend on its time. */
    private static ModelConfig config() {
        return ServingFixtures.config(10_000, 3_600_000);
    }

    /** Serving (refreshing every {@code refreshMs}, 0: never), opened at processing time {@code openedAt}. */
    private KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> serving(
            long refreshMs, long openedAt, OperatorSubtaskState restoreFrom) throws Exception {
        var harness = ServingFixtures.harness(new ServingFunction(config(), 100, false, refreshMs));
        harness.setProcessingTime(openedAt);
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
        opened.add(harness);
        return harness;
    }

    /** The sink's writer of one run: its own epoch from Redis, lists in the order serving emitted them. */
    private final class Run {
        final RedisListStore store;
        final KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness;
        int sent;

        Run(KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness) {
            Configuration conf = new Configuration();
            conf.set(RedisOptions.URL, REDIS.server().url());
            conf.set(RedisOptions.KEY_PREFIX, PREFIX);
            RedisSettings settings = RedisOptions.settings(conf);
            this.store = new RedisListStore(
                    io.freshrec.redis.RedisEndpoint.parse("url", settings.url()),
                    new RedisLayout(settings.keyPrefix()),
                    0,
                    "order-test");
            stores.add(store);
            this.harness = harness;
        }

        /** Writes the lists emitted since the last call; returns how many Redis refused as older. */
        int flush() {
            List<Recommendations> emitted = emitted();
            List<RedisListStore.Entry> batch = new ArrayList<>();
            for (int i = sent; i < emitted.size(); i++) {
                batch.add(RedisListStore.Entry.of(emitted.get(i), i + 1));
            }
            sent = emitted.size();
            int refused = 0;
            for (RedisListStore.Entry entry : batch) {
                // One at a time: the writer keeps only a user's newest list per batch, and this shows every step.
                refused += store.writeOnce(List.of(entry)).skippedAsOlder();
            }
            return refused;
        }

        List<Recommendations> emitted() {
            return harness.extractOutputValues();
        }

        Recommendations last() {
            List<Recommendations> lists = emitted();
            return lists.get(lists.size() - 1);
        }

        Recommendations served() throws Exception {
            return value(harness, USER, FreshRecState.recommendations());
        }
    }

    private static Recommendations inRedis() {
        try (RedisRecommendations redis =
                RedisRecommendations.open(REDIS.server().url(), PREFIX)) {
            return redis.recommendations(USER).orElse(null);
        }
    }

    /** Whether a rule on the lists' fields, (modelVersion, eventTime), would refuse {@code next} over {@code stored}. */
    private static boolean olderByItsFields(Recommendations next, Recommendations stored) {
        return next.modelVersion < stored.modelVersion
                || (next.modelVersion == stored.modelVersion && next.eventTime < stored.eventTime);
    }

    @Test
    void shouldKeepALateEventsListThoughItsEventTimeIsOlder() throws Exception {
        Run run = new Run(serving(0, 0, null));
        publish(run.harness, 1, 1000, modelV1());
        interact(run.harness, USER, 1, 2000, history(new long[] {1}, new double[] {2}, 2000));
        Recommendations first = run.last();
        // Item 2 seen at 1500, arriving after the event at 2000: serving does not wait for it.
        interact(run.harness, USER, 2, 1500, history(new long[] {2, 1}, new double[] {1, 2}, 2000));
        Recommendations late = run.last();

        assertThat(run.flush()).as("lists Redis refused").isZero();

        assertThat(late.eventTime).isEqualTo(1500L).isLessThan(first.eventTime);
        assertThat(olderByItsFields(late, first)).isTrue();
        assertThat(run.served()).usingRecursiveComparison().isEqualTo(late);
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(run.served());
    }

    @Test
    void shouldReplaceWhatTheFailedRunWroteAfterTheCheckpointThoughTheReplayedListLooksOlder() throws Exception {
        Run failed = new Run(serving(1000, 0, null));
        publish(failed.harness, 1, 1000, modelV1());
        interact(failed.harness, USER, 1, 1000, history(new long[] {1}, new double[] {2}, 1000));
        failed.flush();
        OperatorSubtaskState checkpoint = failed.harness.snapshot(1, 1);
        // After the checkpoint: version 2 arrives, event time moves to 5000, the refresh timer at 1000 fires.
        publish(failed.harness, 2, 2000, modelV2());
        watermark(failed.harness, 5000);
        failed.harness.setProcessingTime(1000);
        Recommendations ghost = failed.last();
        assertThat(ghost.modelVersion).isEqualTo(2L);
        assertThat(ghost.eventTime).isEqualTo(5000L);
        failed.flush();
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(ghost);

        // The restart: the checkpoint's state, version 2 broadcast again, event time not yet back; the restored
        // timer fires late.
        Run restarted = new Run(serving(1000, 3000, checkpoint));
        publish(restarted.harness, 2, 2000, modelV2());
        restarted.harness.setProcessingTime(3001);
        Recommendations replayed = restarted.last();

        assertThat(replayed.modelVersion).isEqualTo(2L);
        assertThat(replayed.eventTime).isEqualTo(1000L);
        assertThat(olderByItsFields(replayed, ghost))
                .as("a rule on the lists' fields keeps the failed run's")
                .isTrue();
        assertThat(replayed.scores).as("and the scores differ").isNotEqualTo(ghost.scores);
        assertThat(restarted.flush()).as("lists Redis refused").isZero();
        assertThat(restarted.served()).usingRecursiveComparison().isEqualTo(replayed);
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(restarted.served());

        // A late write of the failed run (a delayed retry, a zombie task) never replaces it.
        failed.harness.setProcessingTime(1001);
        interact(failed.harness, USER, 3, 6000, history(new long[] {1, 3}, new double[] {2, 1}, 6000));
        assertThat(failed.flush()).as("the failed run's late list refused").isEqualTo(1);
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(restarted.served());
    }

    @Test
    void shouldEmitTheCheckpointedListAgainWhenARestoredRefreshFindsTheModelUnchanged() throws Exception {
        Run failed = new Run(serving(1000, 0, null));
        publish(failed.harness, 1, 1000, modelV1());
        interact(failed.harness, USER, 1, 1000, history(new long[] {1}, new double[] {2}, 1000));
        failed.flush();
        Recommendations checkpointed = failed.last();
        OperatorSubtaskState checkpoint = failed.harness.snapshot(1, 1);
        publish(failed.harness, 2, 2000, modelV2());
        failed.harness.setProcessingTime(1000);
        Recommendations ghost = failed.last();
        assertThat(ghost.modelVersion).isEqualTo(2L);
        failed.flush();

        // Restored before version 2 comes again: the model has not moved on since the checkpointed list.
        Run restarted = new Run(serving(1000, 3000, checkpoint));
        restarted.harness.setProcessingTime(3001);

        assertThat(restarted.emitted()).as("lists the restored timers emitted").hasSize(1);
        Recommendations again = restarted.last();
        assertThat(again.modelVersion).isEqualTo(1L);
        assertThat(again.items).containsExactly(checkpointed.items);
        assertThat(again.updatedAt).as("computed now").isEqualTo(3001L);
        restarted.flush();
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(restarted.served());

        // Once: later timers of this run leave it alone until the model moves on.
        restarted.harness.setProcessingTime(4000);
        assertThat(restarted.emitted()).hasSize(1);
        publish(restarted.harness, 2, 2000, modelV2());
        restarted.harness.setProcessingTime(5000);
        assertThat(restarted.emitted()).hasSize(2);
        assertThat(restarted.last().modelVersion).isEqualTo(2L);
        restarted.flush();
        assertThat(inRedis()).usingRecursiveComparison().isEqualTo(restarted.served());
        assertThat(RecommendationJson.write(inRedis())).isEqualTo(RecommendationJson.write(restarted.served()));
    }

    // ---- the model (ServingFixtures) ----

    private static void publish(
            KeyedBroadcastOperatorTestHarness<Long, ProfileUpdate, ModelUpdate, Recommendations> harness,
            long version,
            long time,
            List<ItemSnapshot> items)
            throws Exception {
        for (ItemSnapshot snapshot : items) {
            harness.processBroadcastElement(ModelUpdate.item(version, time, snapshot), time);
        }
        harness.processBroadcastElement(ModelUpdate.commit(version, time, trendingList(time - 100, TRENDING)), time);
    }
}

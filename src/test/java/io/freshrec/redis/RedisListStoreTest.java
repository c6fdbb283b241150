package io.freshrec.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.model.Recommendations;
import io.freshrec.testing.RedisServerExtension;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

/**
 * The write script and the store against a real redis-server: a list with an older {@link WriteVersion} never
 * replaces a newer one, an equal one is written again with the same content, and batches in any order end with each
 * user's newest list; the script decides exactly as {@link WriteVersion#replaces} does.
 */
class RedisListStoreTest {
    private static final RedisLayout LAYOUT = new RedisLayout("test:");

    @RegisterExtension
    static final RedisServerExtension REDIS = new RedisServerExtension();

    private static RedisEndpoint endpoint;

    @BeforeAll
    static void endpoint() {
        endpoint = RedisEndpoint.parse("url", REDIS.server().url());
    }

    private final List<RedisListStore> stores = new ArrayList<>();

    @org.junit.jupiter.api.AfterEach
    void closeStores() {
        stores.forEach(RedisListStore::close);
    }

    private RedisListStore store() {
        return store(0);
    }

    private RedisListStore store(long ttlMs) {
        RedisListStore store = new RedisListStore(endpoint, LAYOUT, ttlMs, "test");
        stores.add(store);
        store.connect();
        return store;
    }

    private static Recommendations list(long user, long marker) {
        Recommendations list = new Recommendations();
        list.userId = user;
        list.items = new long[] {marker, marker + 1};
        list.scores = new double[] {1.0 / (marker + 1), 0.5 / (marker + 1)};
        list.modelVersion = marker;
        list.eventTime = 1_000 + marker;
        list.updatedAt = 2_000 + marker;
        list.activeAt = 2_000;
        return list;
    }

    private static RedisListStore.Entry entry(long user, long seq) {
        return RedisListStore.Entry.of(list(user, seq), seq);
    }

    private static Map<String, String> stored(long user) {
        try (Jedis jedis = REDIS.server().client()) {
            return jedis.hgetAll(LAYOUT.listKey(user));
        }
    }

    private static Recommendations storedList(long user) {
        return RecommendationJson.read(stored(user).get(RedisLayout.LIST));
    }

    @Test
    void shouldNeverReplaceANewerListWithAnOlderOne() {
        RedisListStore store = store();

        assertThat(store.writeOnce(List.of(entry(7, 5)))).isEqualTo(new RedisListStore.Outcome(1, 0));
        assertThat(store.writeOnce(List.of(entry(7, 3)))).isEqualTo(new RedisListStore.Outcome(0, 1));

        assertThat(storedList(7)).usingRecursiveComparison().isEqualTo(list(7, 5));
        assertThat(stored(7))
                .containsEntry(RedisLayout.EPOCH, Long.toString(store.epoch()))
                .containsEntry(RedisLayout.SEQ, "5");
    }

    @Test
    void shouldWriteAnEqualVersionAgainIdempotently() {
        RedisListStore store = store();
        store.writeOnce(List.of(entry(7, 5), entry(8, 6)));
        Map<String, String> first = stored(7);

        // A batch retried after a connection loss that had applied part of it.
        assertThat(store.writeOnce(List.of(entry(7, 5), entry(8, 6)))).isEqualTo(new RedisListStore.Outcome(2, 0));

        assertThat(stored(7)).isEqualTo(first);
        assertThat(storedList(8)).usingRecursiveComparison().isEqualTo(list(8, 6));
    }

    @Test
    void shouldLetALaterWriterReplaceAnEarlierOnesNewerSequenceButNeverTheReverse() {
        RedisListStore failed = store();
        RedisListStore restarted = store();
        assertThat(restarted.epoch()).isGreaterThan(failed.epoch());

        failed.writeOnce(List.of(entry(1, 900)));
        // After a restore the sequences start again, lower: the later epoch still wins.
        assertThat(restarted.writeOnce(List.of(entry(1, 4)))).isEqualTo(new RedisListStore.Outcome(1, 0));
        // A late write of the failed run (a zombie, a delayed retry) never comes back.
        assertThat(failed.writeOnce(List.of(entry(1, 901)))).isEqualTo(new RedisListStore.Outcome(0, 1));

        assertThat(storedList(1)).usingRecursiveComparison().isEqualTo(list(1, 4));
    }

    @Test
    void shouldEndWithEveryUsersNewestListWhateverTheOrderOfTheBatches() {
        Random random = new Random(3);
        RedisListStore[] writers = {store(), store(), store()};
        Map<Long, WriteVersion> newest = new HashMap<>();
        Map<Long, RedisListStore.Entry> expected = new HashMap<>();
        AtomicInteger refusals = new AtomicInteger();
        int expectedRefusals = 0;
        for (int round = 0; round < 200; round++) {
            List<RedisListStore.Entry> batch = new ArrayList<>();
            RedisListStore writer = writers[random.nextInt(writers.length)];
            Map<Long, WriteVersion> inBatch = new HashMap<>();
            for (int i = 0; i < 1 + random.nextInt(20); i++) {
                long user = random.nextInt(30);
                if (inBatch.containsKey(user)) {
                    continue; // a writer's batch holds one list per user
                }
                long seq = random.nextInt(50);
                RedisListStore.Entry entry = entry(user, seq);
                WriteVersion version = new WriteVersion(writer.epoch(), seq);
                inBatch.put(user, version);
                batch.add(entry);
                // The script must decide exactly as the Java rule does.
                if (version.replaces(newest.get(user))) {
                    newest.put(user, version);
                    expected.put(user, entry);
                } else {
                    expectedRefusals++;
                }
            }
            refusals.addAndGet(writer.writeOnce(batch).skippedAsOlder());
        }

        assertThat(refusals.get()).isEqualTo(expectedRefusals).isPositive();
        for (Map.Entry<Long, RedisListStore.Entry> user : expected.entrySet()) {
            Map<String, String> stored = stored(user.getKey());
            assertThat(stored.get(RedisLayout.LIST)).isEqualTo(user.getValue().json());
            assertThat(new WriteVersion(
                            Long.parseLong(stored.get(RedisLayout.EPOCH)), Long.parseLong(stored.get(RedisLayout.SEQ))))
                    .isEqualTo(newest.get(user.getKey()));
        }
    }

    @Test
    void shouldRaiseTheEpochCounterToEveryEpochWrittenSoALostCounterCannotHandOutAnOldEpoch() {
        RedisListStore first = store();
        RedisListStore second = store();
        try (Jedis jedis = REDIS.server().client()) {
            // A Redis without persistence restarted: the counter is gone.
            jedis.del(LAYOUT.epochKey());
        }
        second.writeOnce(List.of(entry(1, 1)));

        RedisListStore third = store();

        assertThat(third.epoch()).isGreaterThan(second.epoch()).isGreaterThan(first.epoch());
        assertThat(third.writeOnce(List.of(entry(1, 0)))).isEqualTo(new RedisListStore.Outcome(1, 0));
    }

    @Test
    void shouldSetTheTtlAndRemoveItWhenTurnedOff() {
        store(60_000).writeOnce(List.of(entry(1, 1)));
        try (Jedis jedis = REDIS.server().client()) {
            assertThat(jedis.pttl(LAYOUT.listKey(1))).isBetween(1L, 60_000L);
        }
        store(0).writeOnce(List.of(entry(1, 1)));
        try (Jedis jedis = REDIS.server().client()) {
            assertThat(jedis.pttl(LAYOUT.listKey(1))).isEqualTo(-1L);
        }
    }

    @Test
    void shouldRetryAfterTheScriptCacheWasFlushedAndReportTheFailedAttempt() throws Exception {
        RedisListStore store = store();
        store.writeOnce(List.of(entry(1, 1)));
        try (Jedis jedis = REDIS.server().client()) {
            jedis.scriptFlush();
        }
        List<String> failures = new ArrayList<>();
        AtomicInteger recovered = new AtomicInteger();

        RedisListStore.Outcome outcome = store.write(List.of(entry(1, 2)), new RedisListStore.Listener() {
            @Override
            public void failed(int attempt, long backoffMs, RuntimeException cause) {
                failures.add(attempt + " " + cause.getMessage());
            }

            @Override
            public void recovered(int failedAttempts) {
                recovered.set(failedAttempts);
            }
        });

        assertThat(outcome).isEqualTo(new RedisListStore.Outcome(1, 0));
        assertThat(failures).hasSize(1);
        assertThat(failures.get(0)).startsWith("1 NOSCRIPT");
        assertThat(recovered.get()).isEqualTo(1);
        assertThat(storedList(1)).usingRecursiveComparison().isEqualTo(list(1, 2));
    }

    @Test
    void shouldReadBackWhatWasWrittenThroughTheReader() {
        store().writeOnce(List.of(entry(5, 9)));

        try (RedisRecommendations reader =
                RedisRecommendations.open(REDIS.server().url() + "/0", "test:")) {
            assertThat(reader.recommendations(5))
                    .get()
                    .usingRecursiveComparison()
                    .isEqualTo(list(5, 9));
            assertThat(reader.recommendations(6)).isEmpty();
            assertThat(reader.toString()).contains(REDIS.server().url());
        }
        assertThat(LAYOUT.userOf(LAYOUT.listKey(5))).isEqualTo(5L);
        assertThat(LAYOUT.userOf(LAYOUT.epochKey())).isNull();
    }
}

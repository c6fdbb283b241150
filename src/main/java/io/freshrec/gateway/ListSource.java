package io.freshrec.gateway;

import io.freshrec.model.Recommendations;
import io.freshrec.redis.RedisRecommendations;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import java.util.Optional;

/** Where the gateway reads users' lists: the job's queryable state, or Redis when the job writes them there. */
public interface ListSource extends AutoCloseable {
    /** The name answers carry in {@code source}: {@code queryable-state} or {@code redis}. */
    String name();

    /** The user's list, empty when there is none; a failure to get an answer at all throws. */
    Optional<Recommendations> recommendations(long user) throws LookupException;

    /** Whether answers need the job to be running (queryable state does, Redis keeps the last lists). */
    boolean needsRunningJob();

    @Override
    void close();

    /** The job's queryable state through {@code client}. */
    static ListSource queryableState(RecommendationClient client) {
        return new ListSource() {
            @Override
            public String name() {
                return "queryable-state";
            }

            @Override
            public Optional<Recommendations> recommendations(long user) throws LookupException {
                return client.recommendations(user);
            }

            @Override
            public boolean needsRunningJob() {
                return true;
            }

            @Override
            public void close() {
                client.close();
            }
        };
    }

    /**
     * The lists the job's Redis sink wrote (docs/redis.md): answers without a running job (the last lists stay), a
     * Redis that cannot be reached is a failed lookup.
     */
    static ListSource redis(RedisRecommendations reader) {
        return new ListSource() {
            @Override
            public String name() {
                return "redis";
            }

            @Override
            public Optional<Recommendations> recommendations(long user) throws LookupException {
                try {
                    return reader.recommendations(user);
                } catch (RuntimeException e) {
                    throw new LookupException("Redis: " + e.getMessage(), e);
                }
            }

            @Override
            public boolean needsRunningJob() {
                return false;
            }

            @Override
            public void close() {
                reader.close();
            }
        };
    }
}

package io.freshrec.bench;

import io.freshrec.events.InputFormat;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.sources.InteractionSource;
import io.freshrec.sources.SequenceSource;
import io.freshrec.sources.SyntheticInteractions;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * The generator's stream with users taken in turn: events {@code n*k .. n*k+k-1} belong to user {@code n+1}, so
 * {@code users * k} events create exactly {@code users} users (the state growth phases). Items, types and event
 * times are the generator's.
 */
final class UserSweep implements GeneratorFunction<Long, String> {
    private static final long serialVersionUID = 1L;

    private final SyntheticInteractions world;
    private final int eventsPerUser;

    UserSweep(SyntheticInteractions world, int eventsPerUser) {
        this.world = world;
        this.eventsPerUser = eventsPerUser;
    }

    @Override
    public String map(Long index) {
        return InteractionParser.toJson(at(index));
    }

    Interaction at(long index) {
        Interaction event = world.at(index);
        event.userId = 1 + index / eventsPerUser;
        return event;
    }

    /** The job's source of {@code count} such events, staying up after the last (its state stays served). */
    InteractionSource source(long count) {
        return new InteractionSource(
                new SequenceSource<>(this, count, RateLimiterStrategy.noOp(), true, Types.STRING),
                InteractionSource.GENERATOR,
                1,
                InputFormat.JSON_LINES);
    }
}

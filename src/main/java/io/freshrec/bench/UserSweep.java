package io.freshrec.bench;

import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.sources.SyntheticInteractions;
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
        Interaction event = world.at(index);
        event.userId = 1 + index / eventsPerUser;
        return InteractionParser.toJson(event);
    }
}

package io.freshrec.reliability;

import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Looks users up through queryable state in a loop, as a serving client does, and records every answer and every
 * error with its wall-clock time: what a client saw while a fault happened.
 */
final class LookupLoop implements AutoCloseable {
    /**
     * One lookup: when it started and returned (ms), the user, and either the list's event time and model version or
     * an error.
     */
    record Lookup(
            long started,
            long at,
            long user,
            boolean answered,
            boolean present,
            long eventTime,
            long modelVersion,
            String error) {}

    private final RecommendationClient client;
    private final List<Long> users;
    private final List<Lookup> lookups = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean running = true;

    LookupLoop(RecommendationClient client, List<Long> users, long pauseMs) {
        this.client = client;
        this.users = List.copyOf(users);
        this.thread = new Thread(() -> loop(pauseMs), "lookup-loop");
        thread.setDaemon(true);
        thread.start();
    }

    private void loop(long pauseMs) {
        while (running) {
            for (long user : users) {
                long started = System.currentTimeMillis();
                try {
                    Optional<Recommendations> list = client.recommendations(user);
                    lookups.add(new Lookup(
                            started,
                            System.currentTimeMillis(),
                            user,
                            true,
                            list.isPresent(),
                            list.map(l -> l.eventTime).orElse(Long.MIN_VALUE),
                            list.map(l -> l.modelVersion).orElse(-1L),
                            null));
                } catch (Exception e) {
                    lookups.add(new Lookup(
                            started,
                            System.currentTimeMillis(),
                            user,
                            false,
                            false,
                            Long.MIN_VALUE,
                            -1,
                            e.getMessage()));
                }
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    List<Lookup> lookups() {
        return new ArrayList<>(lookups);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(10_000);
    }
}

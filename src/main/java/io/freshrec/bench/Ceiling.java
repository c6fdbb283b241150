package io.freshrec.bench;

import io.freshrec.events.Interaction;
import io.freshrec.model.InMemoryModel;
import io.freshrec.model.ModelConfig;
import io.freshrec.sources.SyntheticInteractions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.function.LongFunction;

/**
 * The single-thread in-memory rate of the job's model math: {@link InMemoryModel} applies each interaction (user
 * history, co-occurrence, norms, neighbour candidates, trending) and computes the user's fresh top-N list, as
 * serving does for every interaction. Events come from the same generator as the job's; generating them is not
 * timed.
 */
final class Ceiling {
    private static final int CHUNK = 20_000;
    /** Keeps the computed lists observable, so no compiler can drop their computation. */
    static volatile long listEntries;

    private Ceiling() {}

    static BenchResult.Ceiling measure(
            SyntheticInteractions world, ModelConfig config, double warmupSeconds, double seconds) {
        return measure(world::at, config, warmupSeconds, seconds, true);
    }

    /**
     * @param events the n-th interaction
     * @param lists also compute the user's top-N list per event (serving's work); without: the model updates alone
     */
    static BenchResult.Ceiling measure(
            LongFunction<Interaction> events, ModelConfig config, double warmupSeconds, double seconds, boolean lists) {
        InMemoryModel model = new InMemoryModel(config);
        Interaction[] chunk = new Interaction[CHUNK];
        long next = 0;
        long timedEvents = 0;
        long timedNanos = 0;
        long timedCpuNanos = 0;
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        long sink = 0;
        while (timedNanos < seconds * 1e9) {
            for (int i = 0; i < CHUNK; i++) {
                chunk[i] = events.apply(next + i);
            }
            next += CHUNK;
            boolean warm = System.nanoTime() >= warmupEnd;
            long cpuStart = threads.getCurrentThreadCpuTime();
            long start = System.nanoTime();
            for (Interaction event : chunk) {
                model.apply(event);
                if (lists) {
                    sink += model.recommend(event.userId, event.timestamp).items.length;
                }
            }
            if (warm) {
                timedNanos += System.nanoTime() - start;
                timedCpuNanos += threads.getCurrentThreadCpuTime() - cpuStart;
                timedEvents += CHUNK;
            }
        }
        BenchResult.Ceiling ceiling = new BenchResult.Ceiling();
        ceiling.events = timedEvents;
        ceiling.seconds = timedNanos / 1e9;
        ceiling.eventsPerSecond = timedEvents / ceiling.seconds;
        ceiling.eventsPerCpuSecond = timedCpuNanos > 0 ? timedEvents / (timedCpuNanos / 1e9) : ceiling.eventsPerSecond;
        listEntries = sink;
        ceiling.users = model.users();
        ceiling.items = model.itemCount();
        return ceiling;
    }
}

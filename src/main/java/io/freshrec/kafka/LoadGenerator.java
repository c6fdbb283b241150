package io.freshrec.kafka;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.sources.SyntheticInteractions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes generated interactions to the interactions topic at a chosen rate, keyed by user (so each
 * user's events stay in order), stamped with the wall clock, with a progress line. Optionally probes
 * end-to-end latency: it writes a marked interaction for a user and looks the user up through
 * queryable state until the served list reflects it.
 */
public final class LoadGenerator {
    /** What a run did. */
    public static final class Report {
        public long sent;
        public long acked;
        public long failed;
        public double seconds;
        public final List<Long> probeMillis = Collections.synchronizedList(new ArrayList<>());
        public long probesTimedOut;

        public double rate() {
            return seconds <= 0 ? 0 : acked / seconds;
        }

        /** Latency percentile in ms (nearest rank), or -1 without probes. */
        public long probePercentile(double p) {
            List<Long> sorted;
            synchronized (probeMillis) {
                sorted = new ArrayList<>(probeMillis);
            }
            if (sorted.isEmpty()) {
                return -1;
            }
            Collections.sort(sorted);
            int rank = (int) Math.ceil(p / 100.0 * sorted.size()) - 1;
            return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank)));
        }
    }

    private final String bootstrapServers;
    private final String topic;
    private final Properties extra;
    private final SyntheticInteractions world;
    private final PrintWriter out;

    public LoadGenerator(
            String bootstrapServers, String topic, Properties extra, SyntheticInteractions world, PrintWriter out) {
        this.bootstrapServers = bootstrapServers;
        this.topic = topic;
        this.extra = extra;
        this.world = world;
        this.out = out;
    }

    /**
     * Sends {@code count} events (Long.MAX_VALUE: until {@code duration} or interruption) at {@code rate}
     * per second (0: as fast as the broker takes them). With {@code lookups}, one latency probe per
     * {@code probeEvery} for users 1..{@code probeUsers}.
     */
    public Report run(
            long count,
            double rate,
            Duration duration,
            Duration progressEvery,
            RecommendationClient lookups,
            Duration probeEvery,
            int probeUsers)
            throws InterruptedException {
        Properties props = new Properties();
        props.putAll(extra);
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.putIfAbsent(ProducerConfig.ACKS_CONFIG, "all");
        props.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.putIfAbsent(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "60000");
        props.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, "15000");
        Report report = new Report();
        AtomicLong acked = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        AtomicReference<String> lastError = new AtomicReference<>();
        long start = System.nanoTime();
        long end = duration == null ? Long.MAX_VALUE : start + duration.toNanos();
        long nextProgress = start + progressEvery.toNanos();
        long nextProbe = start + (probeEvery == null ? Long.MAX_VALUE / 4 : probeEvery.toNanos());
        long lastAcked = 0;
        long lastProgress = start;
        SplittableRandom random = new SplittableRandom(17);
        Thread prober = null;
        ProbeQueue probes = new ProbeQueue();
        if (lookups != null) {
            prober = new Thread(() -> probes.drain(lookups, report), "latency-probes");
            prober.setDaemon(true);
            prober.start();
        }
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(props, new StringSerializer(), new StringSerializer())) {
            long n = 0;
            while (n < count
                    && System.nanoTime() < end
                    && !Thread.currentThread().isInterrupted()) {
                long now = System.currentTimeMillis();
                Interaction event = world.at(n, now);
                String line = world.lineAt(n, now);
                Callback callback = (metadata, error) -> {
                    if (error == null) {
                        acked.incrementAndGet();
                    } else {
                        failed.incrementAndGet();
                        lastError.set(error.getClass().getSimpleName() + ": " + error.getMessage());
                    }
                };
                producer.send(new ProducerRecord<>(topic, Long.toString(event.userId), line), callback);
                n++;
                long tick = System.nanoTime();
                if (lookups != null && tick >= nextProbe) {
                    nextProbe = tick + probeEvery.toNanos();
                    Interaction probe = new Interaction();
                    probe.userId = 1 + random.nextInt(Math.max(1, probeUsers));
                    probe.itemId = event.itemId;
                    probe.type = EventType.CLICK;
                    probe.timestamp = System.currentTimeMillis();
                    producer.send(
                            new ProducerRecord<>(topic, Long.toString(probe.userId), InteractionParser.toJson(probe)),
                            callback);
                    probes.offer(probe.userId, probe.timestamp, System.nanoTime());
                    n++;
                }
                if (tick >= nextProgress) {
                    long nowAcked = acked.get();
                    double interval = (tick - lastProgress) / 1e9;
                    out.printf(
                            "[%5.0fs] sent %,d | acked %,d (%,.0f/s) | failed %,d%s%s%n",
                            (tick - start) / 1e9,
                            n,
                            nowAcked,
                            (nowAcked - lastAcked) / interval,
                            failed.get(),
                            lookups == null
                                    ? ""
                                    : String.format(
                                            " | latency probes %d: p50 %d ms, p99 %d ms",
                                            report.probeMillis.size(),
                                            report.probePercentile(50),
                                            report.probePercentile(99)),
                            lastError.get() == null ? "" : " | last error " + lastError.get());
                    out.flush();
                    lastAcked = nowAcked;
                    lastProgress = tick;
                    nextProgress = tick + progressEvery.toNanos();
                }
                if (rate > 0) {
                    long due = start + (long) (n * 1e9 / rate);
                    long wait = due - System.nanoTime();
                    if (wait > 1_000_000) {
                        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                    }
                }
            }
            producer.flush();
            report.sent = n;
        } finally {
            if (prober != null) {
                probes.finish();
                prober.join(15_000);
            }
        }
        report.seconds = (System.nanoTime() - start) / 1e9;
        report.acked = acked.get();
        report.failed = failed.get();
        report.probesTimedOut = probes.timedOut;
        if (report.acked == 0 && lastError.get() != null) {
            throw new IllegalStateException("no event reached Kafka at " + bootstrapServers + ": " + lastError.get());
        }
        return report;
    }

    /** Probes waiting for their lookup, answered one at a time by a single thread. */
    private static final class ProbeQueue {
        private static final long TIMEOUT_NANOS = Duration.ofSeconds(10).toNanos();
        private final ArrayDeque<long[]> queue = new ArrayDeque<>();
        private boolean finished;
        long timedOut;

        synchronized void offer(long user, long eventTime, long sentNanos) {
            queue.add(new long[] {user, eventTime, sentNanos});
            notifyAll();
        }

        synchronized void finish() {
            finished = true;
            notifyAll();
        }

        private synchronized long[] take() throws InterruptedException {
            while (queue.isEmpty() && !finished) {
                wait();
            }
            return queue.poll();
        }

        void drain(RecommendationClient lookups, Report report) {
            try {
                long[] probe;
                while ((probe = take()) != null) {
                    long user = probe[0];
                    long eventTime = probe[1];
                    long sent = probe[2];
                    while (true) {
                        Optional<Recommendations> recs = lookup(lookups, user);
                        // The served list was computed at (or after) the probe's event.
                        if (recs.isPresent() && recs.get().eventTime >= eventTime) {
                            report.probeMillis.add((System.nanoTime() - sent) / 1_000_000);
                            break;
                        }
                        if (System.nanoTime() - sent > TIMEOUT_NANOS) {
                            timedOut++;
                            break;
                        }
                        Thread.sleep(2);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        private static Optional<Recommendations> lookup(RecommendationClient lookups, long user) {
            try {
                return lookups.recommendations(user);
            } catch (LookupException e) {
                return Optional.empty();
            }
        }
    }
}

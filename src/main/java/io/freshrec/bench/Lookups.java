package io.freshrec.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.job.FreshRecState;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.Pipeline;

/**
 * Lookup latency and rate: the same user keys looked up through queryable state and in Redis, from one client
 * (sequential requests) and from several (one connection and thread each), every answer deserialized into a
 * {@link Recommendations} with the job's own state serializer.
 */
final class Lookups {
    /** A connection that looks one user up; true when the user had a list. */
    interface Client extends AutoCloseable {
        boolean lookup(long user) throws Exception;
    }

    interface Clients {
        Client open() throws Exception;
    }

    private Lookups() {}

    /** The job's serializer of served lists (the queryable state's value serializer). */
    static TypeSerializer<Recommendations> serializer() {
        ValueStateDescriptor<Recommendations> descriptor = FreshRecState.recommendations();
        descriptor.initializeSerializerUnlessSet(new ExecutionConfig());
        return descriptor.getSerializer();
    }

    static Clients queryableState(String host, int proxyPort, URI rest, String jobId) {
        JobID job = JobID.fromHexString(jobId);
        return () -> {
            RecommendationClient client = new RecommendationClient(host, proxyPort, rest, job, Duration.ofSeconds(10));
            return new Client() {
                @Override
                public boolean lookup(long user) throws Exception {
                    return client.recommendations(user).isPresent();
                }

                @Override
                public void close() {
                    client.close();
                }
            };
        };
    }

    static Clients redis(RedisServer server) {
        return () -> {
            Jedis jedis = server.client();
            TypeSerializer<Recommendations> serializer = serializer();
            DataInputDeserializer input = new DataInputDeserializer();
            return new Client() {
                @Override
                public boolean lookup(long user) throws Exception {
                    byte[] value = jedis.get(redisKey(user));
                    if (value == null) {
                        return false;
                    }
                    input.setBuffer(value);
                    return serializer.deserialize(input) != null;
                }

                @Override
                public void close() {
                    jedis.close();
                }
            };
        };
    }

    /**
     * Keep-alive HTTP/1.1 clients of the gateway at {@code base}, every answer parsed as the JSON a service would read:
     * the gateway's whole path, the token and rate-limit checks included. {@link HttpURLConnection} reuses one
     * kept-alive connection per client thread and does its I/O in the calling thread, as a blocking service client
     * would (java.net.http's client hands each request to its selector thread and back).
     */
    static Clients gateway(URI base, String token) {
        ObjectMapper json = new ObjectMapper();
        return () -> new Client() {
            @Override
            public boolean lookup(long user) throws Exception {
                HttpURLConnection connection =
                        (HttpURLConnection) base.resolve("/v1/users/" + user + "/recommendations?k=10")
                                .toURL()
                                .openConnection();
                connection.setRequestProperty("Authorization", "Bearer " + token);
                connection.setConnectTimeout(5_000);
                connection.setReadTimeout(10_000);
                int status = connection.getResponseCode();
                try (InputStream body = status < 400 ? connection.getInputStream() : connection.getErrorStream()) {
                    byte[] bytes = body == null ? new byte[0] : body.readAllBytes();
                    if (status == 404) {
                        return false;
                    }
                    if (status != 200) {
                        throw new IOException(
                                "gateway answered " + status + ": " + new String(bytes, StandardCharsets.UTF_8));
                    }
                    return json.readTree(bytes).path("items").isArray();
                }
            }

            @Override
            public void close() {
                // The kept-alive connections belong to the JVM's pool; they close when idle.
            }
        };
    }

    static byte[] redisKey(long user) {
        return ("freshrec:recommendations:" + user).getBytes(StandardCharsets.UTF_8);
    }

    /** The users among {@code candidates} that have a served list, with their lists (through queryable state). */
    static List<Recommendations> served(String host, int proxyPort, URI rest, String jobId, long[] candidates)
            throws Exception {
        List<Recommendations> lists = new ArrayList<>();
        try (RecommendationClient client =
                new RecommendationClient(host, proxyPort, rest, JobID.fromHexString(jobId), Duration.ofSeconds(30))) {
            for (long user : candidates) {
                Optional<Recommendations> list = client.recommendations(user);
                list.ifPresent(lists::add);
            }
        }
        return lists;
    }

    /** Writes the lists to Redis under their users' keys, serialized exactly as queryable state serializes them; returns mean bytes. */
    static double writeToRedis(RedisServer server, List<Recommendations> lists) throws IOException {
        TypeSerializer<Recommendations> serializer = serializer();
        DataOutputSerializer output = new DataOutputSerializer(512);
        long bytes = 0;
        try (Jedis jedis = server.client()) {
            jedis.flushAll();
            Pipeline pipeline = jedis.pipelined();
            for (Recommendations list : lists) {
                output.clear();
                serializer.serialize(list, output);
                byte[] value = output.getCopyOfBuffer();
                bytes += value.length;
                pipeline.set(redisKey(list.userId), value);
            }
            pipeline.sync();
        }
        return lists.isEmpty() ? 0 : (double) bytes / lists.size();
    }

    /**
     * {@code clients} connections, each looking up {@code perClient} keys (the key list from its own offset, round
     * robin) after a short warm-up; latency of every timed lookup, and lookups per second over the whole run.
     */
    static BenchResult.Latency measure(Clients factory, int clients, long[] keys, int perClient) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Histogram>> results = new ArrayList<>();
        long[] startedAt = new long[1];
        try {
            for (int c = 0; c < clients; c++) {
                int offset = (int) ((long) c * keys.length / clients);
                results.add(pool.submit(() -> {
                    Histogram histogram = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
                    try (Client client = factory.open()) {
                        for (int i = 0; i < Math.min(500, perClient); i++) {
                            client.lookup(keys[(offset + i) % keys.length]);
                        }
                        ready.countDown();
                        go.await();
                        for (int i = 0; i < perClient; i++) {
                            long user = keys[(offset + i) % keys.length];
                            long start = System.nanoTime();
                            boolean found = client.lookup(user);
                            histogram.recordValue(
                                    Math.min(System.nanoTime() - start, histogram.getHighestTrackableValue()));
                            if (!found) {
                                throw new IllegalStateException("no list for user " + user);
                            }
                        }
                    } finally {
                        ready.countDown();
                    }
                    return histogram;
                }));
            }
            ready.await();
            startedAt[0] = System.nanoTime();
            go.countDown();
            Histogram all = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
            for (Future<Histogram> result : results) {
                all.add(result.get());
            }
            double seconds = (System.nanoTime() - startedAt[0]) / 1e9;
            BenchResult.Latency latency = new BenchResult.Latency();
            latency.clients = clients;
            latency.lookups = all.getTotalCount();
            latency.p50Ms = all.getValueAtPercentile(50) / 1e6;
            latency.p99Ms = all.getValueAtPercentile(99) / 1e6;
            latency.p999Ms = all.getValueAtPercentile(99.9) / 1e6;
            latency.maxMs = all.getMaxValue() / 1e6;
            latency.perSecond = all.getTotalCount() / seconds;
            return latency;
        } finally {
            go.countDown();
            pool.shutdownNow();
            pool.awaitTermination(30, TimeUnit.SECONDS);
        }
    }
}

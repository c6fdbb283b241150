package io.freshrec.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.bench.RedisServer;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code serve --redis}: the real job writes every list to a real redis-server through its Redis sink ({@code run
 * --redis}), and the gateway reading Redis answers what queryable state serves, also once the job is gone; a Redis
 * that does not answer is a 503, not a hang. Ports of the block: 0-4 the run (EmbeddedGateway), 5 redis.
 */
class GatewayRedisTest {
    private static final TestPorts.Block PORTS = TestPorts.block();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "redis-reader-token-0123456789";

    @TempDir
    Path work;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(String base, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Authorization", "Bearer " + TOKEN)
                        .timeout(Duration.ofSeconds(20))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static Gateway.Settings settings() {
        return EmbeddedGateway.settings(GatewayTokens.fromText("reader " + TOKEN, "test"), 0, null);
    }

    /** A gateway reading the lists from {@code redis}, the job from the block's Flink REST port. */
    private static GatewayServer fromRedis(RedisServer redis) throws Exception {
        return GatewayServer.start(
                settings(),
                new GatewayServer.Sources(
                        "127.0.0.1",
                        PORTS.port(1),
                        EmbeddedGateway.flinkRest(PORTS),
                        null,
                        redis.url(),
                        null,
                        Duration.ofMillis(500)),
                new PrintWriter(new StringWriter(), true));
    }

    @Test
    void shouldServeFromRedisWhatQueryableStateServesAlsoWithoutTheJob() throws Exception {
        try (RedisServer redis = RedisServer.start(PORTS.port(5), work.resolve("redis"))) {
            Map<Long, Recommendations> served = new HashMap<>();
            try (EmbeddedGateway embedded = EmbeddedGateway.start(
                            PORTS,
                            work,
                            List.of(
                                    "--rate",
                                    "0",
                                    "--events",
                                    "3000",
                                    "--users",
                                    "50",
                                    "--items",
                                    "100",
                                    "--keep-running",
                                    "--duration",
                                    "170s",
                                    "--progress",
                                    "5s",
                                    "--dead-letters",
                                    work.resolve("dead").toString(),
                                    "--redis",
                                    redis.url()),
                            settings(),
                            null,
                            new PrintWriter(new StringWriter(), true));
                    GatewayServer fromRedis = fromRedis(redis);
                    RecommendationClient direct = new RecommendationClient(
                            "127.0.0.1",
                            PORTS.port(1),
                            EmbeddedGateway.flinkRest(PORTS),
                            null,
                            Duration.ofSeconds(30))) {
                embedded.awaitSteadyModel(TOKEN, 2_900);
                String base = "http://127.0.0.1:" + fromRedis.port();
                for (long user = 0; user < 55; user++) {
                    Optional<Recommendations> expected = direct.recommendations(user);
                    HttpResponse<String> answer = get(base, "/v1/users/" + user + "/recommendations?k=100");
                    if (expected.isEmpty()) {
                        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(404);
                        continue;
                    }
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    JsonNode body = JSON.readTree(answer.body());
                    assertThat(body.path("source").asText()).isEqualTo("redis");
                    assertListEquals(body, expected.get());
                    served.put(user, expected.get());
                }
                assertThat(served).as("users with lists").hasSizeGreaterThan(40);
            }
            // The job is gone (cancelled): Redis still answers with the last lists.
            try (GatewayServer orphan = fromRedis(redis)) {
                String base = "http://127.0.0.1:" + orphan.port();
                for (Map.Entry<Long, Recommendations> entry : served.entrySet()) {
                    HttpResponse<String> answer = get(base, "/v1/users/" + entry.getKey() + "/recommendations?k=100");
                    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
                    assertListEquals(JSON.readTree(answer.body()), entry.getValue());
                }
                // Neighbours need the job: 503, with Retry-After.
                HttpResponse<String> similar = get(base, "/v1/items/1/similar");
                assertThat(similar.statusCode()).isEqualTo(503);
                assertThat(similar.headers().firstValue("Retry-After")).isPresent();
                // Redis stops: a quick 503 that says so.
                redis.close();
                long started = System.nanoTime();
                HttpResponse<String> down = get(base, "/v1/users/1/recommendations");
                assertThat((System.nanoTime() - started) / 1e9).isLessThan(5.0);
                assertThat(down.statusCode()).as(down.body()).isEqualTo(503);
                assertThat(JSON.readTree(down.body()).path("code").asText()).isEqualTo("lists-unavailable");
            }
        }
    }

    private static void assertListEquals(JsonNode body, Recommendations expected) {
        assertThat(body.path("user").asLong()).isEqualTo(expected.userId);
        assertThat(body.path("modelVersion").asLong()).isEqualTo(expected.modelVersion);
        JsonNode items = body.path("items");
        assertThat(items.size()).isEqualTo(expected.items.length);
        for (int i = 0; i < items.size(); i++) {
            assertThat(items.get(i).path("item").asLong()).isEqualTo(expected.items[i]);
            assertThat(items.get(i).path("score").asDouble()).isEqualTo(expected.scores[i]);
        }
    }
}

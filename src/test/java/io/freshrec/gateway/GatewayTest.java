package io.freshrec.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.TestPorts;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The gateway over real HTTP in front of a real embedded job (`freshrec run`, the generator, RocksDB, queryable
 * state): what it answers equals what queryable state serves, and every refusal is the documented status with a JSON
 * body. Ports of this class only: 0 Flink REST, 1 proxy, 2 state server, 3-4 Prometheus, 5 nothing listens there.
 */
class GatewayTest {
    private static final TestPorts.Block PORTS = TestPorts.block();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String READER = "reader-token-0123456789abcdef";
    private static final String LOOKUPS_ONLY = "lookups-token-0123456789abcdef";
    private static final URI FLINK_REST = EmbeddedGateway.flinkRest(PORTS);

    @TempDir
    static Path work;

    private static EmbeddedGateway embedded;
    private static GatewayServer server;
    private static RecommendationClient direct;
    private static HttpClient http;
    private static String base;
    private static final StringWriter STARTUP = new StringWriter();

    @BeforeAll
    static void startJobAndGateway() throws Exception {
        Path tokens = work.resolve("tokens");
        Files.writeString(tokens, "# clients of the test\nreader " + READER + "\nshop " + LOOKUPS_ONLY + " lookups\n");
        VersionRecord version = new VersionRecord();
        version.id = "v1";
        version.number = 1;
        version.kind = VersionRecord.MANUAL;
        version.savepoint = "file:///nowhere/savepoint-1";
        new VersionRegistry(work.resolve("versions")).add(version);
        embedded = EmbeddedGateway.start(
                PORTS,
                work,
                List.of(
                        "--rate",
                        "0",
                        "--events",
                        "4000",
                        "--users",
                        "60",
                        "--items",
                        "120",
                        "--keep-running",
                        "--duration",
                        "170s",
                        "--progress",
                        "5s",
                        "--dead-letters",
                        work.resolve("dead").toString(),
                        "--registry",
                        work.resolve("versions").toString()),
                settings(0, null),
                work.resolve("versions"),
                new PrintWriter(STARTUP, true));
        server = embedded.server();
        base = embedded.base();
        http = HttpClient.newHttpClient();
        direct = new RecommendationClient("127.0.0.1", PORTS.port(1), FLINK_REST, null, Duration.ofSeconds(30));
        // The whole generated input in the model: the lists stop changing.
        embedded.awaitSteadyModel(READER, 3_900);
    }

    @AfterAll
    static void stop() throws Exception {
        if (direct != null) {
            direct.close();
        }
        if (embedded != null) {
            embedded.close();
        }
    }

    private static Gateway.Settings settings(double rateLimit, Gateway.Tls tls) {
        return EmbeddedGateway.settings(GatewayTokens.fromFile(work.resolve("tokens")), rateLimit, tls);
    }

    private static HttpResponse<String> get(String path, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).GET(), token);
    }

    private static HttpResponse<String> post(String path, String body, String token) throws Exception {
        return send(
                HttpRequest.newBuilder(URI.create(base + path))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body)),
                token);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request, String token) throws Exception {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode error(HttpResponse<String> response, int status, String code) throws Exception {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.path("code").asText()).isEqualTo(code);
        assertThat(body.path("message").asText()).isNotBlank().doesNotContain("\n");
        return body;
    }

    @Test
    void shouldServeEveryUsersListAsQueryableStateServesIt() throws Exception {
        int found = 0;
        for (long user = 0; user < 70; user++) {
            Optional<Recommendations> expected = direct.recommendations(user);
            HttpResponse<String> response = get("/v1/users/" + user + "/recommendations?k=100", READER);
            if (expected.isEmpty()) {
                error(response, 404, "unknown-user");
                continue;
            }
            found++;
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.path("user").asLong()).isEqualTo(user);
            assertThat(body.path("modelVersion").asLong()).isEqualTo(expected.get().modelVersion);
            assertThat(body.path("source").asText()).isEqualTo("queryable-state");
            JsonNode items = body.path("items");
            assertThat(items.size()).isEqualTo(expected.get().items.length);
            for (int i = 0; i < items.size(); i++) {
                assertThat(items.get(i).path("item").asLong()).isEqualTo(expected.get().items[i]);
                assertThat(items.get(i).path("score").asDouble()).isEqualTo(expected.get().scores[i]);
            }
        }
        assertThat(found).as("users with lists").isGreaterThan(50);
        // k cuts the list.
        JsonNode three =
                JSON.readTree(get("/v1/users/1/recommendations?k=3", READER).body());
        assertThat(three.path("items").size())
                .isEqualTo(Math.min(3, direct.recommendations(1).orElseThrow().items.length));
    }

    @Test
    void shouldServeAnItemsNeighboursAsQueryableStateHoldsThem() throws Exception {
        int found = 0;
        for (long item = 0; item < 130; item += 7) {
            Optional<ItemSnapshot> expected = direct.similarItems(item).map(state -> state.snapshot);
            HttpResponse<String> response = get("/v1/items/" + item + "/similar?k=5", LOOKUPS_ONLY);
            if (expected.isEmpty()) {
                error(response, 404, "unknown-item");
                continue;
            }
            found++;
            JsonNode body = JSON.readTree(response.body());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(body.path("candidates").asInt()).isEqualTo(expected.get().neighbours.length);
            JsonNode neighbours = body.path("neighbours");
            assertThat(neighbours.size()).isEqualTo(Math.min(5, expected.get().neighbours.length));
            for (int i = 0; i < neighbours.size(); i++) {
                assertThat(neighbours.get(i).path("item").asLong()).isEqualTo(expected.get().neighbours[i]);
                assertThat(neighbours.get(i).path("cooccurrence").asDouble()).isEqualTo(expected.get().cooccurrence[i]);
                assertThat(neighbours.get(i).path("confidence").asDouble())
                        .isEqualTo(expected.get().cooccurrence[i] / expected.get().norm);
            }
        }
        assertThat(found).isGreaterThan(5);
    }

    @Test
    void shouldAnswerABatchOneEntryPerUserFoundOrNot() throws Exception {
        List<Long> users = new ArrayList<>();
        for (long user = 0; user < 60; user++) {
            users.add(user);
        }
        users.add(987_654_321L); // never seen
        HttpResponse<String> response = post(
                "/v1/recommendations:batch", JSON.writeValueAsString(java.util.Map.of("users", users, "k", 4)), READER);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode results = JSON.readTree(response.body()).path("results");
        assertThat(results.size()).isEqualTo(users.size());
        for (int i = 0; i < users.size(); i++) {
            JsonNode result = results.get(i);
            long user = users.get(i);
            assertThat(result.path("user").asLong()).isEqualTo(user);
            Optional<Recommendations> expected = direct.recommendations(user);
            assertThat(result.path("found").asBoolean())
                    .as("user %d found", user)
                    .isEqualTo(expected.isPresent());
            if (expected.isPresent()) {
                assertThat(result.path("items").size()).isEqualTo(Math.min(4, expected.get().items.length));
                assertThat(result.path("items").get(0).path("item").asLong()).isEqualTo(expected.get().items[0]);
            }
        }
        List<Long> tooMany = new ArrayList<>();
        for (long user = 0; user < 501; user++) {
            tooMany.add(user);
        }
        error(
                post("/v1/recommendations:batch", JSON.writeValueAsString(java.util.Map.of("users", tooMany)), READER),
                413,
                "batch-too-large");
        error(post("/v1/recommendations:batch", "{\"users\": [1, \"x\"]}", READER), 400, "bad-id");
        error(post("/v1/recommendations:batch", "not json", READER), 400, "bad-json");
        error(post("/v1/recommendations:batch", "{\"ids\": []}", READER), 400, "bad-request");
    }

    @Test
    void shouldRefuseMissingWrongAndOutOfScopeTokens() throws Exception {
        HttpResponse<String> none = get("/v1/users/1/recommendations", null);
        error(none, 401, "unauthorized");
        assertThat(none.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        error(get("/v1/users/1/recommendations", READER + "x"), 401, "unauthorized");
        error(
                send(HttpRequest.newBuilder(URI.create(base + "/v1/model")).header("Authorization", "Basic abc"), null),
                401,
                "unauthorized");
        JsonNode forbidden = error(get("/v1/model", LOOKUPS_ONLY), 403, "forbidden");
        assertThat(forbidden.path("message").asText()).contains("shop").doesNotContain(LOOKUPS_ONLY);
        assertThat(get("/v1/users/1/recommendations", LOOKUPS_ONLY).statusCode())
                .isEqualTo(200);
        // Open: health, and the API document.
        assertThat(get("/healthz", null).statusCode()).isEqualTo(200);
        assertThat(get("/openapi.json", null).statusCode()).isEqualTo(200);
        error(get("/v1/nothing-here", READER), 404, "not-found");
    }

    @Test
    void shouldRefuseMalformedIdsAndK() throws Exception {
        error(get("/v1/users/abc/recommendations", READER), 400, "bad-id");
        error(get("/v1/users/-4/recommendations", READER), 400, "bad-id");
        error(get("/v1/users/99999999999999999999/recommendations", READER), 400, "bad-id");
        error(get("/v1/items/1.5/similar", READER), 400, "bad-id");
        error(get("/v1/users/1/recommendations?k=0", READER), 400, "bad-k");
        error(get("/v1/users/1/recommendations?k=101", READER), 400, "bad-k");
        error(get("/v1/users/1/recommendations?k=ten", READER), 400, "bad-k");
    }

    @Test
    void shouldDescribeTheModelAndItsVersions() throws Exception {
        JsonNode model = JSON.readTree(get("/v1/model", READER).body());
        assertThat(model.path("job").path("running").asBoolean()).isTrue();
        assertThat(model.path("job").path("id").asText())
                .isEqualTo(new FlinkRest(FLINK_REST).findRunningJob("freshrec").orElseThrow());
        assertThat(model.path("modelVersion").asLong()).isPositive();
        assertThat(model.path("quality").path("recallTotal").asDouble()).isBetween(0.0, 1.0);
        assertThat(model.path("quality").has("ndcgRolling")).isTrue();
        assertThat(model.path("breaker").path("state").asText()).isIn("closed", "open", "learning-baseline");
        assertThat(model.path("figures").path("events").asLong())
                .isEqualTo(4_000 - model.path("figures").path("deadLetters").asLong());

        JsonNode versions = JSON.readTree(get("/v1/versions", READER).body());
        assertThat(versions.path("versions").size()).isEqualTo(1);
        assertThat(versions.path("versions").get(0).path("id").asText()).isEqualTo("v1");

        JsonNode timeline = JSON.readTree(get("/v1/timeline", READER).body());
        assertThat(timeline.path("samples").size()).isGreaterThan(3);
        JsonNode last = timeline.path("samples").get(timeline.path("samples").size() - 1);
        assertThat(last.path("modelVersion").asLong())
                .isEqualTo(model.path("modelVersion").asLong());
        assertThat(timeline.path("versions").size()).isPositive();
    }

    @Test
    void shouldCountRequestsPerRouteAndStatusInPrometheusText() throws Exception {
        get("/v1/users/2/recommendations", READER);
        get("/v1/users/x/recommendations", READER);
        HttpResponse<String> metrics = get("/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/plain"));
        assertThat(metrics.body())
                .containsPattern("freshrec_gateway_requests_total\\{method=\"GET\",route=\"/v1/users/\\{user\\}"
                        + "/recommendations\",status=\"200\"} [1-9]")
                .containsPattern("freshrec_gateway_requests_total\\{method=\"GET\",route=\"/v1/users/\\{user\\}"
                        + "/recommendations\",status=\"400\"} [1-9]")
                .containsPattern("freshrec_gateway_request_duration_seconds_bucket\\{method=\"GET\",route=\"/v1/users/"
                        + "\\{user\\}/recommendations\",status=\"200\",le=\"0.002\"} [0-9]")
                .containsPattern("freshrec_gateway_lookups_total\\{outcome=\"found\",source=\"queryable-state\"} [1-9]")
                .doesNotContain(READER);
    }

    @Test
    void shouldServeTheDashboardOpenWithAPolicyThatAllowsOnlyItsOwnFiles() throws Exception {
        HttpResponse<String> page = get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        // No inline script or handler, which the policy would block.
        assertThat(page.body())
                .contains("<script src=\"dashboard.js\"")
                .doesNotContainPattern("<script>|\\son[a-z]+\\s*=");
        for (String file : List.of("/", "/dashboard.js", "/dashboard.css")) {
            HttpResponse<String> response = get(file, null);
            assertThat(response.statusCode()).as(file).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Security-Policy"))
                    .as(file)
                    .hasValue(Gateway.DASHBOARD_POLICY);
            assertThat(response.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        }
        // The API's answers are JSON, not pages: no policy of the dashboard's there.
        assertThat(get("/v1/model", READER).headers().firstValue("Content-Security-Policy"))
                .isEmpty();
    }

    @Test
    void shouldDocumentEveryRouteInTheOpenApiDocument() throws Exception {
        JsonNode document = JSON.readTree(get("/openapi.json", null).body());
        assertThat(document.path("openapi").asText()).startsWith("3.");
        Set<String> documented = new TreeSet<>();
        document.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue()
                        .fieldNames()
                        .forEachRemaining(method -> documented.add(method.toUpperCase() + " " + path.getKey())));
        Set<String> served = new TreeSet<>();
        for (Gateway.Route route : server.gateway().routes()) {
            served.add(route.method() + " " + route.path());
        }
        assertThat(documented).isEqualTo(served);
        // Each documented operation names its answers, and every /v1 one its 401.
        document.path("paths")
                .fields()
                .forEachRemaining(path -> path.getValue().fields().forEachRemaining(op -> {
                    assertThat(op.getValue().path("responses").has("200"))
                            .as(path.getKey())
                            .isTrue();
                    if (path.getKey().startsWith("/v1")) {
                        assertThat(op.getValue().path("responses").has("401"))
                                .as(path.getKey())
                                .isTrue();
                        assertThat(op.getValue().has("security"))
                                .as(path.getKey())
                                .isTrue();
                    }
                }));
    }

    @Test
    void shouldRefuseAClientOverItsRateWithRetryAfter() throws Exception {
        try (GatewayServer limited = GatewayServer.start(
                settings(5, null),
                new GatewayServer.Sources(
                        "127.0.0.1", PORTS.port(1), FLINK_REST, null, null, null, Duration.ofMillis(500)),
                new PrintWriter(new StringWriter(), true))) {
            String url = "http://127.0.0.1:" + limited.port() + "/v1/users/1/recommendations";
            Set<Integer> statuses = new HashSet<>();
            HttpResponse<String> refused = null;
            for (int i = 0; i < 12; i++) {
                HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(url)), LOOKUPS_ONLY);
                statuses.add(response.statusCode());
                if (response.statusCode() == 429) {
                    refused = response;
                }
            }
            assertThat(statuses).contains(200, 429);
            assertThat(refused).isNotNull();
            assertThat(refused.headers().firstValue("Retry-After"))
                    .hasValueSatisfying(v -> assertThat(Long.parseLong(v)).isPositive());
            assertThat(JSON.readTree(refused.body()).path("code").asText()).isEqualTo("rate-limited");
            // Another client has its own allowance.
            assertThat(send(HttpRequest.newBuilder(URI.create(url)), READER).statusCode())
                    .isEqualTo(200);
        }
    }

    @Test
    void shouldAnswer503QuicklyWhileNoJobRunsAndNeverHang() throws Exception {
        // A Flink REST API and a proxy where nothing listens: a dead cluster.
        URI dead = URI.create("http://127.0.0.1:" + PORTS.port(5));
        try (GatewayServer orphan = GatewayServer.start(
                settings(0, null),
                new GatewayServer.Sources("127.0.0.1", PORTS.port(5), dead, null, null, null, Duration.ofMillis(200)),
                new PrintWriter(new StringWriter(), true))) {
            String url = "http://127.0.0.1:" + orphan.port();
            Thread.sleep(1_000); // a poll or more
            long started = System.nanoTime();
            HttpResponse<String> lookup =
                    send(HttpRequest.newBuilder(URI.create(url + "/v1/users/1/recommendations")), READER);
            double seconds = (System.nanoTime() - started) / 1e9;
            JsonNode body = error(lookup, 503, "no-job");
            assertThat(body.path("message").asText()).contains("Flink REST API");
            assertThat(lookup.headers().firstValue("Retry-After")).isPresent();
            assertThat(seconds).as("seconds to answer").isLessThan(3.0);
            error(send(HttpRequest.newBuilder(URI.create(url + "/readyz")), null), 503, "not-ready");
            assertThat(send(HttpRequest.newBuilder(URI.create(url + "/healthz")), null)
                            .statusCode())
                    .isEqualTo(200);
            JsonNode model = JSON.readTree(send(HttpRequest.newBuilder(URI.create(url + "/v1/model")), READER)
                    .body());
            assertThat(model.path("job").path("running").asBoolean()).isFalse();
        }
    }

    @Test
    void shouldNameItsClientsButNeverTheirTokensWhenItStarts() {
        assertThat(STARTUP.toString())
                .contains("FreshRec gateway on http://127.0.0.1:" + server.port())
                .contains("clients: reader, shop")
                .contains("serving job ")
                .doesNotContain(READER)
                .doesNotContain(LOOKUPS_ONLY);
    }

    @Test
    void shouldServeHttpsWithTheGivenKeyStore() throws Exception {
        Path keyStore = work.resolve("gateway.p12");
        String password = "store-password-" + System.nanoTime();
        if (!Files.exists(keyStore)) {
            Process keytool = new ProcessBuilder(
                            Path.of(System.getProperty("java.home"), "bin", "keytool")
                                    .toString(),
                            "-genkeypair",
                            "-alias",
                            "gateway",
                            "-keyalg",
                            "RSA",
                            "-keysize",
                            "2048",
                            "-validity",
                            "2",
                            "-dname",
                            "CN=localhost",
                            "-ext",
                            "san=ip:127.0.0.1,dns:localhost",
                            "-storetype",
                            "PKCS12",
                            "-keystore",
                            keyStore.toString(),
                            "-storepass",
                            password,
                            "-keypass",
                            password)
                    .redirectErrorStream(true)
                    .start();
            String out = new String(keytool.getInputStream().readAllBytes());
            assertThat(keytool.waitFor()).as(out).isZero();
        }
        java.security.KeyStore trusted = java.security.KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(keyStore)) {
            trusted.load(in, password.toCharArray());
        }
        javax.net.ssl.TrustManagerFactory trust =
                javax.net.ssl.TrustManagerFactory.getInstance(javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
        trust.init(trusted);
        javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
        tls.init(null, trust.getTrustManagers(), null);
        StringWriter startup = new StringWriter();
        try (GatewayServer secure = GatewayServer.start(
                settings(0, new Gateway.Tls(keyStore, password)),
                new GatewayServer.Sources(
                        "127.0.0.1", PORTS.port(1), FLINK_REST, null, null, null, Duration.ofMillis(500)),
                new PrintWriter(startup, true))) {
            HttpClient https = HttpClient.newBuilder().sslContext(tls).build();
            HttpResponse<String> answer = https.send(
                    HttpRequest.newBuilder(
                                    URI.create("https://127.0.0.1:" + secure.port() + "/v1/users/1/recommendations"))
                            .header("Authorization", "Bearer " + READER)
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            assertThat(JSON.readTree(answer.body()).path("user").asLong()).isEqualTo(1);
            // Plain HTTP on the TLS port gets no answer from the API.
            HttpResponse<String> plain = null;
            try {
                plain = http.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + secure.port() + "/healthz"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
            } catch (java.io.IOException refused) {
                // the handshake fails: what it should do
            }
            assertThat(plain == null || plain.statusCode() == 400)
                    .as("plain HTTP refused")
                    .isTrue();
            assertThat(startup.toString()).contains("https://127.0.0.1:").doesNotContain(password);
        }
    }
}

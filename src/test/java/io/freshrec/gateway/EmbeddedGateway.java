package io.freshrec.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.rest.FlinkRest;
import io.freshrec.testing.CliRun;
import io.freshrec.testing.EmbeddedRunSettings;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A real embedded job ({@code freshrec run}: the generator, RocksDB, queryable state) on a test class's ports, with a
 * gateway in front of it: what GatewayTest and the dashboard's browser test run against. Ports of the block: 0 Flink
 * REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus.
 */
final class EmbeddedGateway implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TestPorts.Block ports;
    private final CompletableFuture<CliRun> run;
    private final GatewayServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    private EmbeddedGateway(TestPorts.Block ports, CompletableFuture<CliRun> run, GatewayServer server) {
        this.ports = ports;
        this.run = run;
        this.server = server;
    }

    /**
     * Starts {@code freshrec run} with {@code runArgs} (plus the block's ports and {@code work}'s directories) and, at
     * once, a gateway polling its figures every 500 ms; the gateway waits for the job, as {@code freshrec serve} does.
     *
     * @param registry the version registry for /v1/versions, or null
     */
    static EmbeddedGateway start(
            TestPorts.Block ports,
            Path work,
            List<String> runArgs,
            Gateway.Settings settings,
            Path registry,
            PrintWriter out)
            throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "--flink-conf", "flink-conf"));
        args.addAll(runArgs);
        args.addAll(EmbeddedRunSettings.of(ports, work));
        CompletableFuture<CliRun> run = CompletableFuture.supplyAsync(() -> CliRun.of(args.toArray(String[]::new)));
        GatewayServer server = GatewayServer.start(
                settings,
                new GatewayServer.Sources(
                        "127.0.0.1", ports.port(1), flinkRest(ports), null, null, registry, Duration.ofMillis(500)),
                out);
        return new EmbeddedGateway(ports, run, server);
    }

    /** A test gateway's settings: loopback, any free port, 3 s lookups, batches of 500, k up to 100, operations open. */
    static Gateway.Settings settings(GatewayTokens tokens, double rateLimit, Gateway.Tls tls) {
        return new Gateway.Settings("127.0.0.1", 0, tokens, rateLimit, Duration.ofSeconds(3), 500, 100, true, tls);
    }

    static URI flinkRest(TestPorts.Block ports) {
        return URI.create("http://127.0.0.1:" + ports.port(0));
    }

    GatewayServer server() {
        return server;
    }

    /** The gateway's address, {@code http://127.0.0.1:PORT}. */
    String base() {
        return "http://127.0.0.1:" + server.port();
    }

    /**
     * Until the gateway is ready and the job has learnt at least {@code events} of its input with the model version
     * unchanged for 3 s (the generated input is all in the model: the lists stop changing).
     */
    void awaitSteadyModel(String token, long events) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        long lastVersion = -1;
        int sameVersion = 0;
        while (true) {
            HttpResponse<String> ready = get("/readyz", null);
            HttpResponse<String> model = get("/v1/model", token);
            JsonNode body = model.statusCode() == 200 ? JSON.readTree(model.body()) : JSON.createObjectNode();
            long version = body.path("modelVersion").asLong(-1);
            long learnt = body.path("figures").path("events").asLong();
            if (ready.statusCode() == 200 && learnt >= events && version == lastVersion && version > 0) {
                if (++sameVersion >= 6) {
                    return;
                }
            } else {
                sameVersion = 0;
            }
            lastVersion = version;
            assertThat(System.nanoTime())
                    .as("a ready gateway and a steady model (last: %s, %s)", ready.body(), model.body())
                    .isLessThan(deadline);
            Thread.sleep(500);
        }
    }

    /** GET of a path of the gateway, with a bearer token unless null. */
    HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base() + path)).timeout(Duration.ofSeconds(20));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Stops the gateway, cancels the job and waits for the run to end. */
    @Override
    public void close() throws Exception {
        server.close();
        FlinkRest rest = new FlinkRest(flinkRest(ports));
        for (String job : rest.activeJobs()) {
            rest.cancel(job);
        }
        run.get(2, TimeUnit.MINUTES);
    }
}

package io.freshrec.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.ops.JobFigures;
import io.freshrec.serving.LookupException;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import io.javalin.http.staticfiles.Location;
import io.javalin.router.Endpoint;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;

/**
 * {@code freshrec serve}: the HTTP gateway in front of the job, for services that are not Java. JSON over HTTP (or
 * HTTPS), every {@code /v1} route behind a bearer token, answers from the job's queryable state (or Redis), its own
 * Prometheus metrics, an OpenAPI document and the dashboard. Nothing here blocks on Flink for longer than the lookup
 * timeout: the job's state and figures come from {@link JobWatch}'s polling thread, and lookups have deadlines.
 */
public final class Gateway implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    /** The gateway's settings. */
    public record Settings(
            String bind,
            int port,
            GatewayTokens tokens,
            double requestsPerSecondPerClient,
            Duration lookupTimeout,
            int maxBatch,
            int maxK,
            boolean openOperations,
            Tls tls) {}

    /** HTTPS: a PKCS12 (or JKS) key store with the server's key and certificate. */
    public record Tls(Path keyStore, String password) {
        @Override
        public String toString() {
            return "Tls[keyStore=" + keyStore + ", password=<redacted>]";
        }
    }

    /** One route: what the OpenAPI document must list and the auth filter checks; scope null = open. */
    record Route(HandlerType method, String path, GatewayTokens.Scope scope, Handler handler) {}

    /**
     * The dashboard's files load only themselves and call only this gateway: no inline script or style, no other origin,
     * never framed, and no form submitted by the browser (the page's scripts send the token, never a form's URL).
     */
    static final String DASHBOARD_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self';"
            + " connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final long RETRY_AFTER_SECONDS = 5;
    private static final String CLIENT = "freshrec.client";

    private final Settings settings;
    private final ListSource lists;
    private final RecommendationClient items;
    private final JobWatch watch;
    private final VersionRegistry registry;
    private final GatewayMetrics metrics = new GatewayMetrics();
    private final RequestRateLimit rateLimit;
    private final ExecutorService batchLookups;
    private final List<Route> routes;
    private final Map<String, Route> routesByKey = new LinkedHashMap<>();
    private Javalin app;

    /**
     * @param lists where users' lists are read
     * @param items the job's queryable state, for items' neighbours and readiness
     * @param watch the running job's state and figures
     * @param registry the version registry, or null when the gateway has none
     */
    Gateway(Settings settings, ListSource lists, RecommendationClient items, JobWatch watch, VersionRegistry registry) {
        this.settings = settings;
        this.lists = lists;
        this.items = items;
        this.watch = watch;
        this.registry = registry;
        this.rateLimit = new RequestRateLimit(settings.requestsPerSecondPerClient());
        AtomicInteger threads = new AtomicInteger();
        this.batchLookups = Executors.newFixedThreadPool(16, r -> {
            Thread thread = new Thread(r, "gateway-batch-" + threads.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
        GatewayTokens.Scope ops = settings.openOperations() ? null : GatewayTokens.Scope.MODEL;
        this.routes = List.of(
                new Route(
                        HandlerType.GET,
                        "/v1/users/{user}/recommendations",
                        GatewayTokens.Scope.LOOKUPS,
                        this::userRecommendations),
                new Route(HandlerType.GET, "/v1/items/{item}/similar", GatewayTokens.Scope.LOOKUPS, this::similar),
                new Route(HandlerType.POST, "/v1/recommendations:batch", GatewayTokens.Scope.LOOKUPS, this::batch),
                new Route(HandlerType.GET, "/v1/model", GatewayTokens.Scope.MODEL, this::model),
                new Route(HandlerType.GET, "/v1/versions", GatewayTokens.Scope.MODEL, this::versions),
                new Route(HandlerType.GET, "/v1/timeline", GatewayTokens.Scope.MODEL, this::timeline),
                new Route(HandlerType.GET, "/healthz", ops, this::health),
                new Route(HandlerType.GET, "/readyz", ops, this::ready),
                new Route(HandlerType.GET, "/metrics", ops, this::prometheus),
                new Route(HandlerType.GET, "/openapi.json", null, this::openApi));
        for (Route route : routes) {
            routesByKey.put(route.method() + " " + route.path(), route);
        }
    }

    /** Starts listening; returns this. */
    public Gateway start() {
        app = Javalin.create(config -> {
            config.startup.showJavalinBanner = false;
            config.jetty.host = settings.bind();
            config.jetty.port = settings.port();
            config.http.maxRequestSize = 256 * 1024;
            if (settings.tls() != null) {
                config.jetty.addConnector((server, http) -> {
                    SslContextFactory.Server ssl = new SslContextFactory.Server();
                    ssl.setKeyStorePath(settings.tls().keyStore().toString());
                    ssl.setKeyStorePassword(settings.tls().password());
                    http.addCustomizer(new SecureRequestCustomizer());
                    ServerConnector connector = new ServerConnector(
                            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(http));
                    connector.setHost(settings.bind());
                    connector.setPort(settings.port());
                    return connector;
                });
            }
            config.staticFiles.add(files -> {
                files.hostedPath = "/";
                files.directory = "/gateway/dashboard";
                files.location = Location.CLASSPATH;
                Map<String, String> headers = new LinkedHashMap<>(files.headers);
                headers.put("Content-Security-Policy", DASHBOARD_POLICY);
                headers.put("X-Content-Type-Options", "nosniff");
                files.headers = headers;
            });
            config.requestLogger.http((ctx, millis) -> metrics.request(
                    routeOf(ctx), ctx.method().name(), ctx.status().getCode(), millis / 1000.0));
            config.routes.beforeMatched(this::authorize);
            for (Route route : routes) {
                config.routes.addEndpoint(new Endpoint(route.method(), route.path(), route.handler()));
            }
            config.routes.exception(ApiError.class, (error, ctx) -> {
                if (error.retryAfterSeconds > 0) {
                    ctx.header("Retry-After", Long.toString(error.retryAfterSeconds));
                }
                if (error.status == 401) {
                    ctx.header("WWW-Authenticate", "Bearer realm=\"freshrec\"");
                }
                error(ctx, error.status, error.code, error.getMessage());
            });
            config.routes.exception(
                    Exception.class,
                    (error, ctx) -> error(
                            ctx,
                            500,
                            "internal",
                            "the gateway failed: " + error.getClass().getSimpleName()));
            // Only where no route matched: a route's own 404 (unknown user or item) keeps its answer.
            config.routes.error(404, "*", ctx -> {
                if (ctx.endpoints().matchedHttpEndpoint() == null) {
                    error(ctx, 404, "not-found", "no route " + ctx.method() + " " + ctx.path());
                }
            });
            config.routes.error(405, "*", ctx -> error(ctx, 405, "method-not-allowed", "method not allowed"));
        });
        app.start();
        return this;
    }

    /** The port listened on (the actual one when 0 was asked for). */
    public int port() {
        return app.port();
    }

    /** The routes, for the OpenAPI test. */
    List<Route> routes() {
        return routes;
    }

    // ---- auth ----

    private void authorize(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        Route route = endpoint == null ? null : routesByKey.get(endpoint.method + " " + endpoint.path);
        if (route == null || route.scope() == null) {
            return;
        }
        String header = ctx.header("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            throw new ApiError(401, "unauthorized", "this route needs 'Authorization: Bearer <token>'");
        }
        GatewayTokens.Client client = settings.tokens()
                .authenticate(header.substring(7).trim())
                .orElseThrow(() -> new ApiError(401, "unauthorized", "the token is not known"));
        if (!client.may(route.scope())) {
            throw new ApiError(
                    403,
                    "forbidden",
                    "client '" + client.name() + "' may not use " + route.path() + " (scope "
                            + route.scope().name().toLowerCase(Locale.ROOT) + ")");
        }
        long waitNanos = rateLimit.admit(client.name(), System.nanoTime());
        if (waitNanos > 0) {
            throw new ApiError(
                    429,
                    "rate-limited",
                    "client '" + client.name() + "' is over its " + settings.requestsPerSecondPerClient()
                            + " requests a second",
                    Math.max(1, TimeUnit.NANOSECONDS.toSeconds(waitNanos + 999_999_999L)));
        }
        ctx.attribute(CLIENT, client.name());
    }

    // ---- lookups ----

    private void userRecommendations(Context ctx) {
        long user = id(ctx.pathParam("user"), "user");
        int k = k(ctx);
        Optional<Recommendations> list = lookupList(user);
        ObjectNode body = list.map(found -> listJson(found, k))
                .orElseThrow(() -> new ApiError(404, "unknown-user", "no recommendations for user " + user));
        json(ctx, body);
    }

    private Optional<Recommendations> lookupList(long user) {
        if (lists.needsRunningJob()) {
            requireRunningJob();
        }
        try {
            Optional<Recommendations> found = lists.recommendations(user);
            metrics.lookup(lists.name(), found.isPresent() ? "found" : "missing");
            return found;
        } catch (LookupException e) {
            metrics.lookup(lists.name(), "failed");
            if (!lists.needsRunningJob()) {
                throw new ApiError(503, "lists-unavailable", firstLine(e.getMessage()), 1);
            }
            throw unanswered(e);
        }
    }

    private void similar(Context ctx) {
        long item = id(ctx.pathParam("item"), "item");
        int k = k(ctx);
        requireRunningJob();
        Optional<ItemState> state;
        try {
            state = items.similarItems(item);
            metrics.lookup("queryable-state", state.isPresent() ? "found" : "missing");
        } catch (LookupException e) {
            metrics.lookup("queryable-state", "failed");
            throw unanswered(e);
        }
        ItemSnapshot snapshot = state.map(s -> s.snapshot)
                .orElseThrow(() -> new ApiError(404, "unknown-item", "the job has no interactions with item " + item));
        ObjectNode body = JSON.createObjectNode();
        body.put("item", item);
        body.put("norm", snapshot.norm);
        body.put("trending", snapshot.trending);
        body.put("candidates", snapshot.neighbours.length);
        ArrayNode neighbours = body.putArray("neighbours");
        for (int i = 0; i < Math.min(k, snapshot.neighbours.length); i++) {
            ObjectNode neighbour = neighbours.addObject();
            neighbour.put("item", snapshot.neighbours[i]);
            neighbour.put("cooccurrence", snapshot.cooccurrence[i]);
            // Co-occurrence over the item's norm (as `freshrec similar` prints it): half of a cosine, the neighbour's
            // norm left
            // out; not a probability, it exceeds 1 for a pair that co-occurs more than the item's norm.
            neighbour.put("confidence", snapshot.norm > 0 ? snapshot.cooccurrence[i] / snapshot.norm : 0.0);
        }
        body.put("source", "queryable-state");
        json(ctx, body);
    }

    private void batch(Context ctx) {
        JsonNode request;
        try {
            request = JSON.readTree(ctx.body());
        } catch (IOException e) {
            throw new ApiError(400, "bad-json", "the body is not JSON: " + firstLine(e.getMessage()));
        }
        JsonNode users = request == null ? null : request.get("users");
        if (users == null || !users.isArray()) {
            throw new ApiError(400, "bad-request", "expected {\"users\": [id, ...], \"k\": 10}");
        }
        if (users.size() > settings.maxBatch()) {
            throw new ApiError(
                    413, "batch-too-large", users.size() + " users in one batch; at most " + settings.maxBatch());
        }
        int k = request.has("k") ? k(request.get("k").asText(), true) : 10;
        List<Long> ids = new ArrayList<>();
        for (JsonNode user : users) {
            ids.add(id(user.isIntegralNumber() || user.isTextual() ? user.asText() : user.toString(), "user"));
        }
        if (lists.needsRunningJob()) {
            requireRunningJob();
        }
        long deadline = System.nanoTime() + settings.lookupTimeout().toNanos() + 500_000_000L;
        List<CompletableFuture<ObjectNode>> answers = new ArrayList<>();
        for (long user : ids) {
            answers.add(CompletableFuture.supplyAsync(() -> batchAnswer(user, k), batchLookups));
        }
        ArrayNode results = JSON.createArrayNode();
        for (int i = 0; i < ids.size(); i++) {
            ObjectNode result;
            try {
                long left = Math.max(1, deadline - System.nanoTime());
                result = answers.get(i).get(left, TimeUnit.NANOSECONDS);
            } catch (TimeoutException e) {
                answers.get(i).cancel(true);
                result = JSON.createObjectNode().put("user", ids.get(i)).put("found", false);
                result.put("error", "timeout");
            } catch (Exception e) {
                result = JSON.createObjectNode().put("user", ids.get(i)).put("found", false);
                result.put("error", firstLine(String.valueOf(e.getMessage())));
            }
            results.add(result);
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("results", results);
        body.put("source", lists.name());
        json(ctx, body);
    }

    private ObjectNode batchAnswer(long user, int k) {
        try {
            Optional<Recommendations> found = lists.recommendations(user);
            metrics.lookup(lists.name(), found.isPresent() ? "found" : "missing");
            if (found.isPresent()) {
                ObjectNode result = listJson(found.get(), k);
                result.put("found", true);
                return result;
            }
            return JSON.createObjectNode().put("user", user).put("found", false);
        } catch (LookupException e) {
            metrics.lookup(lists.name(), "failed");
            ObjectNode result = JSON.createObjectNode().put("user", user).put("found", false);
            result.put("error", firstLine(e.getMessage()));
            return result;
        }
    }

    private ObjectNode listJson(Recommendations list, int k) {
        ObjectNode body = JSON.createObjectNode();
        body.put("user", list.userId);
        ArrayNode items = body.putArray("items");
        for (int i = 0; i < Math.min(k, list.items.length); i++) {
            ObjectNode item = items.addObject();
            item.put("item", list.items[i]);
            item.put("score", list.scores[i]);
        }
        body.put("modelVersion", list.modelVersion);
        body.put("computedAt", Instant.ofEpochMilli(list.updatedAt).toString());
        body.put("eventTime", Instant.ofEpochMilli(list.eventTime).toString());
        body.put("fromTrending", list.fromTrending);
        body.put("source", lists.name());
        return body;
    }

    // ---- the model ----

    private void model(Context ctx) {
        JobWatch.Sample sample = watch.latest();
        ObjectNode body = JSON.createObjectNode();
        ObjectNode job = body.putObject("job");
        job.put("id", sample.jobId());
        job.put("running", sample.jobId() != null);
        if (sample.jobId() == null) {
            job.put("problem", watch.problem());
        }
        body.put(
                "polledAt",
                sample.at() == 0 ? null : Instant.ofEpochMilli(sample.at()).toString());
        JobFigures f = sample.figures();
        if (f != null) {
            body.put("modelVersion", f.modelVersion());
            List<JobWatch.VersionSeen> seen = watch.versions();
            if (!seen.isEmpty() && seen.get(seen.size() - 1).version() == f.modelVersion()) {
                body.put(
                        "modelVersionSeenAt",
                        Instant.ofEpochMilli(seen.get(seen.size() - 1).seenAt()).toString());
            }
            ObjectNode quality = body.putObject("quality");
            quality.put("recallRolling", f.recallRolling());
            quality.put("recallTotal", f.recallTotal());
            quality.put("recallTrend", f.recallTrend());
            quality.put("ndcgRolling", f.ndcgRolling());
            quality.put("ndcgTotal", f.ndcgTotal());
            ObjectNode breaker = body.putObject("breaker");
            breaker.put(
                    "state", f.breakerTripped() ? "open" : f.qualityBaseline() > 0 ? "closed" : "learning-baseline");
            breaker.put("baseline", f.qualityBaseline());
            breaker.put("openSubtasks", f.breakerOpen());
            if (f.breakerTripped()) {
                breaker.put("frozenModelVersion", f.frozenModelVersion());
            }
            ObjectNode figures = body.putObject("figures");
            figures.put("events", f.events());
            figures.put("eventsPerSecond", f.eventsPerSecond());
            figures.put("users", f.users());
            figures.put("items", f.items());
            figures.put("deadLetters", f.deadLetters());
            figures.put("freshnessP50Ms", finite(f.freshnessP50Ms()));
            figures.put("freshnessP99Ms", finite(f.freshnessP99Ms()));
        }
        json(ctx, body);
    }

    private void versions(Context ctx) {
        if (registry == null) {
            throw new ApiError(404, "no-registry", "this gateway was started without a version registry");
        }
        List<VersionRecord> versions = registry.read().versions;
        ObjectNode body = JSON.createObjectNode();
        body.put("registry", registry.index().toString());
        body.set("versions", JSON.valueToTree(versions));
        json(ctx, body);
    }

    /** The dashboard's series: the watch's samples since {@code ?since=} (epoch ms), oldest first. */
    private void timeline(Context ctx) {
        long since = 0;
        String text = ctx.queryParam("since");
        if (text != null) {
            try {
                since = Long.parseLong(text);
            } catch (NumberFormatException e) {
                throw new ApiError(400, "bad-since", "since must be epoch milliseconds, not '" + text + "'");
            }
        }
        ArrayNode samples = JSON.createArrayNode();
        for (JobWatch.Sample sample : watch.timeline(since)) {
            ObjectNode point = samples.addObject();
            point.put("at", sample.at());
            point.put("running", sample.jobId() != null);
            JobFigures f = sample.figures();
            if (f != null) {
                point.put("events", f.events());
                point.put("eventsPerSecond", f.eventsPerSecond());
                point.put("freshnessP50Ms", finite(f.freshnessP50Ms()));
                point.put("freshnessP99Ms", finite(f.freshnessP99Ms()));
                point.put("recallRolling", f.recallRolling());
                point.put("recallTotal", f.recallTotal());
                point.put("ndcgRolling", f.ndcgRolling());
                point.put("ndcgTotal", f.ndcgTotal());
                point.put("qualityBaseline", f.qualityBaseline());
                point.put("breakerOpen", f.breakerTripped());
                point.put("popularityShift", f.popularityShift());
                point.put("newUsersPerSecond", f.newUsersPerSecond());
                point.put("newItemsPerSecond", f.newItemsPerSecond());
                point.put("modelVersion", f.modelVersion());
                point.put("deadLetters", f.deadLetters());
                point.set("deadLettersByReason", JSON.valueToTree(sample.deadLettersByReason()));
            }
        }
        ArrayNode versions = JSON.createArrayNode();
        for (JobWatch.VersionSeen seen : watch.versions()) {
            if (seen.seenAt() >= since) {
                versions.addObject()
                        .put("version", seen.version())
                        .put("seenAt", seen.seenAt())
                        .put("recallRolling", seen.recallRolling())
                        .put("ndcgRolling", seen.ndcgRolling());
            }
        }
        ObjectNode body = JSON.createObjectNode();
        body.set("samples", samples);
        body.set("versions", versions);
        json(ctx, body);
    }

    // ---- operations ----

    private void health(Context ctx) {
        json(ctx, JSON.createObjectNode().put("status", "up"));
    }

    private void ready(Context ctx) {
        Optional<String> job = watch.runningJob();
        if (job.isEmpty() && lists.needsRunningJob()) {
            throw new ApiError(503, "not-ready", watch.problem(), RETRY_AFTER_SECONDS);
        }
        try {
            lists.recommendations(0); // found or not: an answer
        } catch (LookupException e) {
            throw new ApiError(503, "not-ready", "lookups do not answer: " + firstLine(e.getMessage()), 1);
        }
        json(ctx, JSON.createObjectNode().put("status", "ready").put("job", job.orElse(null)));
    }

    private void prometheus(Context ctx) throws IOException {
        ctx.contentType(metrics.contentType()).result(metrics.scrape());
    }

    private void openApi(Context ctx) throws IOException {
        try (InputStream document = Gateway.class.getResourceAsStream("/gateway/openapi.json")) {
            if (document == null) {
                throw new ApiError(500, "internal", "the OpenAPI document is missing from the jar");
            }
            ctx.contentType("application/json").result(document.readAllBytes());
        }
    }

    // ---- helpers ----

    private void requireRunningJob() {
        if (watch.runningJob().isEmpty()) {
            throw new ApiError(503, "no-job", watch.problem(), RETRY_AFTER_SECONDS);
        }
    }

    private ApiError unanswered(LookupException e) {
        if (watch.runningJob().isEmpty()) {
            return new ApiError(503, "no-job", watch.problem(), RETRY_AFTER_SECONDS);
        }
        return new ApiError(504, "lookup-timeout", firstLine(e.getMessage()), 1);
    }

    private static long id(String text, String what) {
        try {
            long id = Long.parseLong(text.trim());
            if (id >= 0) {
                return id;
            }
        } catch (NumberFormatException e) {
            // below
        }
        String shown = text.length() > 64 ? text.substring(0, 61) + "..." : text;
        throw new ApiError(400, "bad-id", "the " + what + " id '" + shown + "' is not a non-negative integer");
    }

    private int k(Context ctx) {
        String text = ctx.queryParam("k");
        return text == null ? 10 : k(text, false);
    }

    private int k(String text, boolean inBody) {
        try {
            int k = Integer.parseInt(text.trim());
            if (k >= 1 && k <= settings.maxK()) {
                return k;
            }
        } catch (NumberFormatException e) {
            // below
        }
        throw new ApiError(400, "bad-k", (inBody ? "\"k\"" : "k") + " must be an integer from 1 to " + settings.maxK());
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static void json(Context ctx, JsonNode body) {
        try {
            ctx.contentType("application/json").result(JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void error(Context ctx, int status, String code, String message) {
        ObjectNode body = JSON.createObjectNode();
        body.put("code", code);
        body.put("message", message);
        ctx.status(status);
        json(ctx, body);
    }

    private static String routeOf(Context ctx) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        return endpoint == null ? "unmatched" : endpoint.path;
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        String line = newline >= 0 ? text.substring(0, newline) : text;
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }

    @Override
    public void close() {
        if (app != null) {
            app.stop();
        }
        batchLookups.shutdownNow();
        watch.close();
        lists.close();
        items.close();
    }
}

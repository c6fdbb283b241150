package io.freshrec.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.ClosedChannelException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The calls FreshRec makes to a Flink REST API (the embedded run's MiniCluster or a cluster): find jobs and
 * read their metrics; upload and run the job jar; trigger savepoints and stop jobs with one, and poll them;
 * job status. Errors are IOExceptions with a one-line message (Flink's own error texts summarised).
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Map<String, List<String>> verticesByJob = new HashMap<>();
    private final Map<String, Set<String>> metricsByVertex = new HashMap<>();
    private final Map<String, Long> metricsListedAt = new HashMap<>();
    /** How often a vertex's list of metrics may be read again when a name asked for is missing from it. */
    static final long METRIC_LIST_REFRESH_MS = 2_000;

    public FlinkRest(URI base) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    }

    public URI base() {
        return base;
    }

    /** The id of the most recently started RUNNING job named {@code name}, if any. */
    public Optional<String> findRunningJob(String name) throws IOException {
        JsonNode overview = get("jobs/overview");
        String best = null;
        long bestStart = Long.MIN_VALUE;
        for (JsonNode job : overview.path("jobs")) {
            if (name.equals(job.path("name").asText())
                    && "RUNNING".equals(job.path("state").asText())
                    && job.path("start-time").asLong() > bestStart) {
                best = job.path("jid").asText();
                bestStart = job.path("start-time").asLong();
            }
        }
        return Optional.ofNullable(best);
    }

    /** A metric aggregated over a vertex's subtasks. */
    public static final class Aggregate {
        public final double sum;
        public final double min;
        public final double max;
        public final double avg;

        Aggregate(JsonNode node) {
            this.sum = node.path("sum").asDouble();
            this.min = node.path("min").asDouble();
            this.max = node.path("max").asDouble();
            this.avg = node.path("avg").asDouble();
        }
    }

    /**
     * The named operator metrics of the job (ids like {@code serving.prequentialHits}), each
     * aggregated over the subtasks of the vertex that has it; metrics not (yet) reported are absent.
     */
    public Map<String, Aggregate> metrics(String jobId, List<String> names) throws IOException {
        Map<String, Aggregate> values = new HashMap<>();
        for (String vertex : vertices(jobId)) {
            String path = "jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
            // Asking for a metric a vertex lacks empties the whole answer: ask only for those it has. Its list is
            // read again when a name asked for is not in it (metrics register as operators start, some only on first
            // use, such as a dead-letter reason), at most every METRIC_LIST_REFRESH_MS.
            Set<String> known = knownMetrics(vertex, path, have -> !have.containsAll(names));
            List<String> available = new ArrayList<>();
            for (String name : names) {
                if (known.contains(name)) {
                    available.add(name);
                }
            }
            if (available.isEmpty()) {
                continue;
            }
            for (JsonNode metric : get(path + "?get=" + String.join(",", available) + "&agg=sum,min,max,avg")) {
                values.put(metric.path("id").asText(), new Aggregate(metric));
            }
        }
        return values;
    }

    /**
     * The ids of the job's operator metrics that contain {@code part} (such as {@code .deadLetterReason.}, whose
     * names are known only once a reason has occurred), over all vertices; the lists are read again at most every
     * METRIC_LIST_REFRESH_MS.
     */
    public List<String> metricIdsContaining(String jobId, String part) throws IOException {
        List<String> ids = new ArrayList<>();
        for (String vertex : vertices(jobId)) {
            String path = "jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
            for (String id : knownMetrics(vertex, path, known -> true)) {
                if (id.contains(part)) {
                    ids.add(id);
                }
            }
        }
        return ids;
    }

    private List<String> vertices(String jobId) throws IOException {
        List<String> vertices = verticesByJob.get(jobId);
        if (vertices == null) {
            vertices = new ArrayList<>();
            for (JsonNode vertex : get("jobs/" + jobId).path("vertices")) {
                vertices.add(vertex.path("id").asText());
            }
            // A job just submitted may not list its vertices yet: ask again next time rather than keep none.
            if (!vertices.isEmpty()) {
                verticesByJob.put(jobId, vertices);
            }
        }
        return vertices;
    }

    /** The vertex's metric ids, read again when {@code stale} says so and the last reading is old enough. */
    private Set<String> knownMetrics(String vertex, String path, Predicate<Set<String>> stale) throws IOException {
        Set<String> known = metricsByVertex.get(vertex);
        long now = System.nanoTime();
        Long listed = metricsListedAt.get(vertex);
        if (known == null
                || (stale.test(known) && (listed == null || now - listed > METRIC_LIST_REFRESH_MS * 1_000_000L))) {
            known = new HashSet<>();
            for (JsonNode metric : get(path)) {
                known.add(metric.path("id").asText());
            }
            metricsByVertex.put(vertex, known);
            metricsListedAt.put(vertex, now);
        }
        return known;
    }

    /**
     * The lowest input watermark of the job's tasks that have inputs (sources have none), from {@code
     * /jobs/:id/vertices/:vid/watermarks}: every record of event time up to it has passed every operator.
     * Long.MIN_VALUE while any of them has not reported one yet.
     */
    public long lowestInputWatermark(String jobId) throws IOException {
        long lowest = Long.MAX_VALUE;
        boolean any = false;
        for (JsonNode vertex : get("jobs/" + jobId + "/plan").path("plan").path("nodes")) {
            if (vertex.path("inputs").isEmpty()) {
                continue;
            }
            JsonNode subtasks =
                    get("jobs/" + jobId + "/vertices/" + vertex.path("id").asText() + "/watermarks");
            if (subtasks.isEmpty()) {
                return Long.MIN_VALUE;
            }
            for (JsonNode subtask : subtasks) {
                lowest = Math.min(lowest, subtask.path("value").asLong(Long.MIN_VALUE));
                any = true;
            }
        }
        return any ? lowest : Long.MIN_VALUE;
    }

    /** GET {@code path} (relative to the base URL) as JSON; non-2xx answers and connection failures are IOExceptions. */
    public JsonNode get(String path) throws IOException {
        return send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(5))
                .GET()
                .build());
    }

    /** POST a JSON body to {@code path}; the answer as JSON. */
    public JsonNode post(String path, Object body) throws IOException {
        byte[] json = JSON.writeValueAsBytes(body);
        return send(HttpRequest.newBuilder(base.resolve(path))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(json))
                .build());
    }

    // ---- jobs ----

    /** A job's status ({@code RUNNING}, {@code FINISHED}, ...), from {@code GET /jobs/:id}. */
    public String jobStatus(String jobId) throws IOException {
        return get("jobs/" + jobId).path("state").asText();
    }

    /** Whether the job and every one of its tasks run (a restored job answers lookups only then). */
    public boolean allTasksRunning(String jobId) throws IOException {
        JsonNode job = get("jobs/" + jobId);
        if (!"RUNNING".equals(job.path("state").asText())) {
            return false;
        }
        for (JsonNode vertex : job.path("vertices")) {
            if (!"RUNNING".equals(vertex.path("status").asText())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Waits until the job and all its tasks run. A job that ends first (a failed restore, bad arguments)
     * fails this with the job's root exception, so a wait never outlives the job it waits for.
     */
    public void awaitRunning(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobStatus(jobId);
            if (TERMINAL.contains(state) || "FAILING".equals(state)) {
                throw new IOException("job " + jobId + " " + state.toLowerCase(Locale.ROOT) + rootCause(jobId));
            }
            if (allTasksRunning(jobId)) {
                return;
            }
            if (System.nanoTime() > deadline) {
                String failure = rootCause(jobId);
                throw new IOException("job " + jobId + " not running after " + timeout.toSeconds() + " s (state "
                        + state + ")" + (failure.isEmpty() ? "" : "; it keeps failing" + failure));
            }
            Thread.sleep(50);
        }
    }

    /** Cancels a job (no savepoint). */
    public void cancel(String jobId) throws IOException {
        send(HttpRequest.newBuilder(base.resolve("jobs/" + jobId + "?mode=cancel"))
                .timeout(Duration.ofSeconds(30))
                .method("PATCH", HttpRequest.BodyPublishers.noBody())
                .build());
    }

    /** Ids of the jobs that have not reached a terminal state, newest first. */
    public List<String> activeJobs() throws IOException {
        List<JsonNode> jobs = new ArrayList<>();
        get("jobs/overview").path("jobs").forEach(jobs::add);
        jobs.sort(Comparator.comparingLong(
                        (JsonNode job) -> job.path("start-time").asLong())
                .reversed());
        List<String> active = new ArrayList<>();
        for (JsonNode job : jobs) {
            if (!TERMINAL.contains(job.path("state").asText())) {
                active.add(job.path("jid").asText());
            }
        }
        return active;
    }

    /** Waits until the job reached a terminal state; returns it. */
    public String awaitTerminal(String jobId, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobStatus(jobId);
            if (TERMINAL.contains(state)) {
                return state;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("job " + jobId + " still " + state + " after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(100);
        }
    }

    private static final List<String> TERMINAL = List.of("FINISHED", "CANCELED", "FAILED", "SUSPENDED");

    /** ": <first line of the root exception>" of a job, or "" when the job has none. */
    private String rootCause(String jobId) {
        try {
            String root =
                    get("jobs/" + jobId + "/exceptions").path("root-exception").asText("");
            return root.isBlank() ? "" : ": " + summarise(root);
        } catch (IOException e) {
            return "";
        }
    }

    // ---- savepoints ----

    /**
     * Triggers a savepoint of a running job (it keeps running); returns the trigger id to {@link
     * #awaitSavepoint poll}. {@code targetDirectory} null: the cluster's {@code state.savepoints.dir}.
     */
    public String triggerSavepoint(String jobId, String targetDirectory, String formatType) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        if (targetDirectory != null) {
            body.put("target-directory", targetDirectory);
        }
        body.put("cancel-job", false);
        body.put("formatType", formatType);
        return post("jobs/" + jobId + "/savepoints", body).path("request-id").asText();
    }

    /** Stops the job with a final savepoint (no drain: event time does not jump to the end); returns the trigger id. */
    public String stopWithSavepoint(String jobId, String targetDirectory, String formatType) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        if (targetDirectory != null) {
            body.put("targetDirectory", targetDirectory);
        }
        body.put("drain", false);
        body.put("formatType", formatType);
        return post("jobs/" + jobId + "/stop", body).path("request-id").asText();
    }

    /** Polls a savepoint (or stop-with-savepoint) operation until it completes; returns the savepoint's location. */
    public String awaitSavepoint(String jobId, String triggerId, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 20;
        while (true) {
            JsonNode answer = get("jobs/" + jobId + "/savepoints/" + triggerId);
            if ("COMPLETED".equals(answer.path("status").path("id").asText())) {
                JsonNode operation = answer.path("operation");
                if (operation.hasNonNull("location")) {
                    return operation.path("location").asText();
                }
                JsonNode cause = operation.path("failure-cause");
                String text =
                        cause.path("stack-trace").asText(cause.path("class").asText("unknown failure"));
                throw new IOException("savepoint of job " + jobId + " failed: " + summarise(text));
            }
            if (System.nanoTime() > deadline) {
                throw new IOException(
                        "savepoint of job " + jobId + " not complete after " + timeout.toSeconds() + " s");
            }
            Thread.sleep(pause);
            pause = Math.min(pause * 2, 500);
        }
    }

    // ---- jars ----

    /** Uploads a job jar ({@code POST /jars/upload}); returns its id on the cluster. */
    public String uploadJar(Path jar) throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IOException("no jar at " + jar.toAbsolutePath());
        }
        String boundary = "freshrec-" + UUID.randomUUID();
        String head = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"jarfile\"; filename=\"" + jar.getFileName() + "\"\r\n"
                + "Content-Type: application/java-archive\r\n\r\n";
        String tail = "\r\n--" + boundary + "--\r\n";
        HttpRequest request = HttpRequest.newBuilder(base.resolve("jars/upload"))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.concat(
                        HttpRequest.BodyPublishers.ofString(head),
                        HttpRequest.BodyPublishers.ofFile(jar),
                        HttpRequest.BodyPublishers.ofString(tail)))
                .build();
        String filename;
        try {
            filename = send(request).path("filename").asText();
        } catch (IOException e) {
            // Flink without web.submit.enable answers "400: POST request not allowed" (404 where no handler exists).
            String message = e.getMessage() == null ? "" : e.getMessage();
            if (message.contains("jars/upload answered 404")
                    || (message.contains("jars/upload answered 400") && message.contains("not allowed"))) {
                throw new IOException(
                        "the Flink REST API at " + base + " does not accept job jars"
                                + " (web.submit.enable: false); start the embedded run with --allow-submit",
                        e);
            }
            throw e;
        }
        // The answer names the stored file; its last path element is the jar's id.
        return filename.substring(filename.replace('\\', '/').lastIndexOf('/') + 1);
    }

    /**
     * Runs an uploaded jar ({@code POST /jars/:id/run}); returns the new job's id.
     *
     * @param parallelism null: the cluster's default
     * @param savepointPath null: a fresh start; otherwise restored in NO_CLAIM mode (the savepoint stays ours)
     */
    public String runJar(
            String jarId, String entryClass, List<String> programArgs, Integer parallelism, String savepointPath)
            throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entryClass", entryClass);
        body.put("programArgsList", programArgs);
        if (parallelism != null) {
            body.put("parallelism", parallelism);
        }
        if (savepointPath != null) {
            body.put("savepointPath", savepointPath);
            body.put("allowNonRestoredState", false);
            body.put("claimMode", "NO_CLAIM");
        }
        HttpRequest request = HttpRequest.newBuilder(base.resolve("jars/" + jarId + "/run"))
                .timeout(Duration.ofMinutes(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        return send(request).path("jobid").asText();
    }

    /** Removes an uploaded jar; the jobs it started keep their own copy. */
    public void deleteJar(String jarId) throws IOException {
        send(HttpRequest.newBuilder(base.resolve("jars/" + jarId))
                .timeout(Duration.ofSeconds(30))
                .DELETE()
                .build());
    }

    // ---- transport ----

    private JsonNode send(HttpRequest request) throws IOException {
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("Flink REST " + request.method() + " "
                        + request.uri().getPath() + " answered " + response.statusCode() + errorText(response.body()));
            }
            String body = response.body();
            return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IOException(
                    "Flink REST " + request.uri() + " did not answer with JSON (is this a Flink REST API?)", e);
        } catch (IOException e) {
            // A refused connection shows as a ConnectException or a ClosedChannelException, maybe wrapped, depending
            // on when the JDK's client notices.
            for (Throwable cause = e; cause != null; cause = cause.getCause()) {
                if (cause instanceof ConnectException
                        || cause instanceof HttpConnectTimeoutException
                        || cause instanceof ClosedChannelException) {
                    throw new IOException("no Flink REST API at " + base + " (is the job running?)", e);
                }
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }

    /** ": <summary>" of a Flink REST error body ({"errors": [...]}), or "" when there is none. */
    private static String errorText(String body) {
        try {
            JsonNode errors = JSON.readTree(body).path("errors");
            if (errors.isArray() && errors.size() > 0) {
                StringBuilder all = new StringBuilder();
                errors.forEach(error -> all.append(error.asText()).append('\n'));
                return ": " + summarise(all.toString());
            }
        } catch (IOException notJson) {
            // fall through
        }
        return "";
    }

    /**
     * One line from a Flink error text (often a whole stack trace): its first message, and the innermost
     * "Caused by" message when that says something else (usually what went wrong in the user's terms).
     */
    static String summarise(String text) {
        String first = null;
        String innermost = null;
        for (String line : text.split("\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("at ") || trimmed.startsWith("...")) {
                continue;
            }
            if (first == null) {
                first = messageOf(trimmed);
            } else if (trimmed.startsWith("Caused by: ")) {
                innermost = messageOf(trimmed.substring("Caused by: ".length()));
            }
        }
        if (first == null) {
            return "(no message)";
        }
        return innermost == null || innermost.equals(first) || first.contains(innermost)
                ? first
                : first + " (" + innermost + ")";
    }

    /** "org.example.SomeException: text" -> "text"; a bare class name stays. */
    private static String messageOf(String line) {
        Matcher m = Pattern.compile("^(?:[a-z_$][\\w$]*\\.)+([A-Z][\\w$]*)(?:: (.*))?$")
                .matcher(line);
        if (m.matches()) {
            return m.group(2) == null || m.group(2).isBlank()
                    ? m.group(1)
                    : m.group(2).strip();
        }
        return line;
    }
}

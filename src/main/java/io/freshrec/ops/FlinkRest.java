package io.freshrec.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The few calls FreshRec makes to a Flink REST API (MiniCluster or cluster): find jobs, read metrics. */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final HttpClient http;
    private final Map<String, List<String>> verticesByJob = new HashMap<>();
    private final Map<String, List<String>> metricsByVertex = new HashMap<>();

    public FlinkRest(URI base) {
        String text = base.toString();
        this.base = URI.create(text.endsWith("/") ? text : text + "/");
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
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
            if (name.equals(job.path("name").asText()) && "RUNNING".equals(job.path("state").asText())
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
        List<String> vertices = verticesByJob.get(jobId);
        if (vertices == null) {
            vertices = new java.util.ArrayList<>();
            for (JsonNode vertex : get("jobs/" + jobId).path("vertices")) {
                vertices.add(vertex.path("id").asText());
            }
            verticesByJob.put(jobId, vertices);
        }
        Map<String, Aggregate> values = new HashMap<>();
        for (String vertex : vertices) {
            String path = "jobs/" + jobId + "/vertices/" + vertex + "/subtasks/metrics";
            // Asking for a metric a vertex lacks empties the whole answer: ask only for those it has.
            // Operators register their metrics once, so the list is kept as soon as it names any.
            List<String> available = metricsByVertex.get(vertex);
            if (available == null) {
                available = new java.util.ArrayList<>();
                for (JsonNode metric : get(path)) {
                    if (names.contains(metric.path("id").asText())) {
                        available.add(metric.path("id").asText());
                    }
                }
                if (!available.isEmpty()) {
                    metricsByVertex.put(vertex, available);
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

    /** GET {@code path} (relative to the base URL) as JSON; non-2xx answers and connection failures are IOExceptions. */
    public JsonNode get(String path) throws IOException {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(5)).GET().build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() / 100 != 2) {
                throw new IOException("Flink REST " + request.uri() + " answered " + response.statusCode());
            }
            return JSON.readTree(response.body());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IOException("Flink REST " + request.uri() + " did not answer with JSON (is this a Flink REST API?)", e);
        } catch (ConnectException e) {
            throw new IOException("no Flink REST API at " + base + " (is the job running?)", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}

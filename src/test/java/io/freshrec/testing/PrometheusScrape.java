package io.freshrec.testing;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One scrape of a Prometheus endpoint ({@code /metrics}, text format 0.0.4), as the samples it listed: what Flink's
 * Prometheus reporter actually serves, for tests that check names, labels or values against it.
 */
public record PrometheusScrape(List<Sample> samples) {
    /** One line of the exposition: {@code name{label="value",...} value}. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern LABEL =
            Pattern.compile("\\s*([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"\\s*,?");

    /** The metrics of {@code http://localhost:PORT/metrics}; empty when it does not answer (not up yet, or slow). */
    public static PrometheusScrape fetch(int port) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/metrics"))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? parse(response.body()) : new PrometheusScrape(List.of());
        } catch (java.io.IOException notUpYet) {
            return new PrometheusScrape(List.of());
        } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return new PrometheusScrape(List.of());
        }
    }

    /** The samples of an exposition; comment lines ({@code # HELP}, {@code # TYPE}) and blank lines are skipped. */
    public static PrometheusScrape parse(String text) {
        List<Sample> samples = new ArrayList<>();
        for (String line : text.split("\n")) {
            if (!line.isBlank() && !line.startsWith("#")) {
                samples.add(sample(line.strip()));
            }
        }
        return new PrometheusScrape(List.copyOf(samples));
    }

    private static Sample sample(String line) {
        Matcher name = NAME.matcher(line);
        if (!name.lookingAt()) {
            throw new IllegalArgumentException("not a sample: " + line);
        }
        int at = name.end();
        Map<String, String> labels = new LinkedHashMap<>();
        if (at < line.length() && line.charAt(at) == '{') {
            at++;
            Matcher label = LABEL.matcher(line);
            while (at < line.length() && line.charAt(at) != '}') {
                if (!label.find(at) || label.start() != at) {
                    throw new IllegalArgumentException("bad labels at " + at + ": " + line);
                }
                labels.put(label.group(1), label.group(2).replace("\\\"", "\"").replace("\\\\", "\\"));
                at = label.end();
            }
            at++;
        }
        // A value, then an optional timestamp.
        String[] rest = line.substring(at).strip().split("\\s+");
        return new Sample(name.group(), Map.copyOf(labels), value(rest[0]));
    }

    /** Go's float format: {@code +Inf}, {@code -Inf} and {@code NaN} besides numbers. */
    private static double value(String text) {
        return switch (text) {
            case "+Inf" -> Double.POSITIVE_INFINITY;
            case "-Inf" -> Double.NEGATIVE_INFINITY;
            default -> Double.parseDouble(text);
        };
    }

    public boolean isEmpty() {
        return samples.isEmpty();
    }

    /** Every sample name (a summary's {@code _count} and {@code _sum} are names of their own), sorted. */
    public Set<String> names() {
        return samples.stream().map(Sample::name).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Sum over subtasks of each metric (all label sets), by name; a summary's 0.99 quantile is summed under
     * {@code <name>_p99}, its other quantiles under the name itself.
     */
    public Map<String, Double> sums() {
        Map<String, Double> sums = new HashMap<>();
        for (Sample sample : samples) {
            String name = "0.99".equals(sample.labels().get("quantile")) ? sample.name() + "_p99" : sample.name();
            sums.merge(name, sample.value(), Double::sum);
        }
        return sums;
    }
}

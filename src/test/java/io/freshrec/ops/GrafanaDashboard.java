package io.freshrec.ops;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.testing.PromQl;
import io.freshrec.testing.PrometheusScrape;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The Grafana dashboard of the job ({@code k8s/grafana/freshrec-dashboard.json}, Grafana's classic JSON model) as the
 * tests read it: its panels, every PromQL query in it, and the checks that it is a dashboard any Grafana with a
 * Prometheus data source can load ({@link #structureProblems()}) and that each query reads series the job really
 * exports ({@link #metricProblems}).
 */
public final class GrafanaDashboard {
    public static final Path PATH = Path.of("k8s", "grafana", "freshrec-dashboard.json");
    /** What every panel and query names as its data source: the dashboard's data-source variable. */
    public static final String DATASOURCE = "${datasource}";
    /** Labels Prometheus adds when it scrapes (the scrape job and target), which no {@code /metrics} page shows. */
    static final Set<String> SCRAPE_LABELS = Set.of("job", "instance");

    private static final ObjectMapper JSON = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    private static final Pattern LABEL_VALUES =
            Pattern.compile("^\\s*label_values\\((.+),\\s*([a-zA-Z_][a-zA-Z0-9_]*)\\s*\\)\\s*$", Pattern.DOTALL);
    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([a-zA-Z0-9_]+)(?::[^}]*)?}|\\$([a-zA-Z0-9_]+)");

    /**
     * A PromQL query of the dashboard: where it is, the expression, and for a {@code label_values(expr, label)}
     * variable the label it lists (else null).
     */
    public record Query(String where, String expr, String listedLabel) {}

    private final JsonNode root;

    private GrafanaDashboard(JsonNode root) {
        this.root = root;
    }

    public static GrafanaDashboard read(Path file) throws IOException {
        return new GrafanaDashboard(JSON.readTree(file.toFile()));
    }

    /** A dashboard from its JSON tree (tests change copies of the real one). */
    public static GrafanaDashboard of(JsonNode root) {
        return new GrafanaDashboard(root);
    }

    public JsonNode json() {
        return root;
    }

    /** Every panel, rows included, with the panels of collapsed rows (which Grafana keeps inside the row). */
    public List<JsonNode> panels() {
        List<JsonNode> panels = new ArrayList<>();
        for (JsonNode panel : root.path("panels")) {
            panels.add(panel);
            for (JsonNode nested : panel.path("panels")) {
                panels.add(nested);
            }
        }
        return panels;
    }

    private static boolean isRow(JsonNode panel) {
        return "row".equals(panel.path("type").asText());
    }

    /** Every query: each target of each panel, and each query variable. */
    public List<Query> queries() {
        List<Query> queries = new ArrayList<>();
        for (JsonNode panel : panels()) {
            for (JsonNode target : panel.path("targets")) {
                queries.add(new Query(
                        "panel '" + panel.path("title").asText() + "' query "
                                + target.path("refId").asText(),
                        target.path("expr").asText(),
                        null));
            }
        }
        for (JsonNode variable : root.path("templating").path("list")) {
            if ("query".equals(variable.path("type").asText())) {
                JsonNode query = variable.path("query");
                String text = query.isObject() ? query.path("query").asText() : query.asText();
                String where = "variable '" + variable.path("name").asText() + "'";
                Matcher labelValues = LABEL_VALUES.matcher(text);
                queries.add(
                        labelValues.matches()
                                ? new Query(where, labelValues.group(1), labelValues.group(2))
                                : new Query(where, text, null));
            }
        }
        return queries;
    }

    /** What keeps this from being a dashboard that loads in any Grafana against any Prometheus data source. */
    public List<String> structureProblems() {
        List<String> problems = new ArrayList<>();
        for (String field : List.of("title", "uid")) {
            if (root.path(field).asText().isBlank()) {
                problems.add("no " + field);
            }
        }
        if (root.path("schemaVersion").asInt() < 39) {
            problems.add("schemaVersion " + root.path("schemaVersion") + " is older than Grafana 10.4's (39)");
        }
        if (root.has("__inputs")) {
            // Import-time placeholders (${DS_...}): Grafana's file and sidecar provisioning do not fill them in.
            problems.add("__inputs: use the data-source variable instead of import-time inputs");
        }
        boolean datasourceVariable = false;
        for (JsonNode variable : root.path("templating").path("list")) {
            datasourceVariable |= ("${" + variable.path("name").asText() + "}").equals(DATASOURCE)
                    && "datasource".equals(variable.path("type").asText())
                    && "prometheus".equals(variable.path("query").asText());
        }
        if (!datasourceVariable) {
            problems.add("no variable 'datasource' of type datasource for Prometheus");
        }
        if (root.path("panels").isEmpty()) {
            problems.add("no panels");
        }
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : panels()) {
            String name = "panel '" + panel.path("title").asText() + "'";
            if (!panel.path("id").isInt() || !ids.add(panel.path("id").asInt())) {
                problems.add(name + ": id " + panel.path("id") + " missing or not unique");
            }
            if (panel.path("title").asText().isBlank()
                    || panel.path("type").asText().isBlank()) {
                problems.add(name + " (id " + panel.path("id") + "): no title or type");
            }
            JsonNode grid = panel.path("gridPos");
            int x = grid.path("x").asInt(-1);
            int w = grid.path("w").asInt(0);
            if (x < 0
                    || w < 1
                    || x + w > 24
                    || grid.path("h").asInt(0) < 1
                    || !grid.path("y").isInt()) {
                problems.add(name + ": gridPos " + grid + " outside the 24-column grid");
            }
            if (!isRow(panel)) {
                problems.addAll(queryProblems(name, panel));
            }
        }
        problems.addAll(overlaps());
        hardCodedDataSources(root, "", problems);
        return problems;
    }

    private static List<String> queryProblems(String name, JsonNode panel) {
        List<String> problems = new ArrayList<>();
        if (!DATASOURCE.equals(panel.path("datasource").path("uid").asText())
                || !"prometheus".equals(panel.path("datasource").path("type").asText())) {
            problems.add(name + ": data source " + panel.path("datasource") + " is not the Prometheus " + DATASOURCE);
        }
        if (panel.path("targets").isEmpty()) {
            problems.add(name + ": no queries");
        }
        Set<String> refIds = new HashSet<>();
        for (JsonNode target : panel.path("targets")) {
            if (!refIds.add(target.path("refId").asText())
                    || target.path("refId").asText().isBlank()) {
                problems.add(name + ": refId '" + target.path("refId").asText() + "' missing or not unique");
            }
            if (target.path("expr").asText().isBlank()) {
                problems.add(name + " query " + target.path("refId").asText() + ": no expression");
            }
            if (target.has("datasource")
                    && !DATASOURCE.equals(target.path("datasource").path("uid").asText())) {
                problems.add(name + " query " + target.path("refId").asText() + ": data source "
                        + target.path("datasource") + " is not " + DATASOURCE);
            }
        }
        return problems;
    }

    /** Panels (of the top level: what Grafana lays out) whose rectangles overlap. */
    private List<String> overlaps() {
        List<String> problems = new ArrayList<>();
        List<JsonNode> laidOut = new ArrayList<>();
        root.path("panels").forEach(laidOut::add);
        for (int i = 0; i < laidOut.size(); i++) {
            for (int j = i + 1; j < laidOut.size(); j++) {
                JsonNode a = laidOut.get(i).path("gridPos");
                JsonNode b = laidOut.get(j).path("gridPos");
                boolean apart =
                        a.path("x").asInt() + a.path("w").asInt() <= b.path("x").asInt()
                                || b.path("x").asInt() + b.path("w").asInt()
                                        <= a.path("x").asInt()
                                || a.path("y").asInt() + a.path("h").asInt()
                                        <= b.path("y").asInt()
                                || b.path("y").asInt() + b.path("h").asInt()
                                        <= a.path("y").asInt();
                if (!apart) {
                    problems.add("panels '" + laidOut.get(i).path("title").asText() + "' and '"
                            + laidOut.get(j).path("title").asText() + "' overlap");
                }
            }
        }
        return problems;
    }

    /**
     * Every {@code datasource} anywhere in the tree must be a variable: a uid or name of one Grafana's data sources
     * exists only in the Grafana it was exported from. Grafana's own built-in annotation source is the one exception.
     */
    private static void hardCodedDataSources(JsonNode node, String path, List<String> problems) {
        if (node.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> fields = node.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                String at = path + "/" + field.getKey();
                JsonNode value = field.getValue();
                if (field.getKey().equals("datasource")) {
                    String uid = value.isObject() ? value.path("uid").asText() : value.asText();
                    boolean builtIn = value.isObject()
                            && "grafana".equals(value.path("type").asText())
                            && "-- Grafana --".equals(uid);
                    if (!uid.startsWith("$") && !builtIn) {
                        problems.add(at + ": hard-coded data source " + value);
                    }
                }
                hardCodedDataSources(value, at, problems);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                hardCodedDataSources(node.get(i), path + "/" + i, problems);
            }
        }
    }

    /**
     * Each query's series selectors that select nothing in {@code scrape}: a metric name the job does not export (a
     * summary's {@code _count} is a name of its own, {@code _sum} only if the scrape has it), a {@code __name__}
     * pattern no exported name matches, or matchers that no series of the metric satisfies (a label it lacks, a value
     * it never has), with dashboard variables replaced by {@code variables}. Matchers on the labels Prometheus adds
     * when it scrapes ({@code job}, {@code instance}) cannot be checked against a {@code /metrics} page and are left
     * out. A {@code label_values} variable must list a label the selected series carry.
     */
    public List<String> metricProblems(PrometheusScrape scrape, Map<String, String> variables) {
        List<String> problems = new ArrayList<>();
        for (Query query : queries()) {
            List<PromQl.Selector> selectors;
            try {
                selectors = PromQl.selectors(query.expr());
            } catch (IllegalArgumentException unreadable) {
                problems.add(query.where() + ": " + unreadable.getMessage());
                continue;
            }
            if (selectors.isEmpty()) {
                problems.add(query.where() + ": reads no metric: " + query.expr());
            }
            for (PromQl.Selector selector : selectors) {
                String problem = selectorProblem(selector, scrape, variables, query.listedLabel());
                if (problem != null) {
                    problems.add(query.where() + ": " + problem);
                }
            }
        }
        return problems;
    }

    private static String selectorProblem(
            PromQl.Selector selector, PrometheusScrape scrape, Map<String, String> variables, String listedLabel) {
        List<PromQl.Matcher> byName = new ArrayList<>();
        List<PromQl.Matcher> byLabel = new ArrayList<>();
        if (selector.metric() != null) {
            byName.add(new PromQl.Matcher("__name__", "=", selector.metric()));
        }
        for (PromQl.Matcher matcher : selector.matchers()) {
            String value = substitute(matcher.value(), variables);
            if (value == null) {
                return selector + " uses a variable the check has no value for";
            }
            PromQl.Matcher resolved = new PromQl.Matcher(matcher.label(), matcher.op(), value);
            if (matcher.label().equals("__name__")) {
                byName.add(resolved);
            } else if (!SCRAPE_LABELS.contains(matcher.label())) {
                byLabel.add(resolved);
            }
        }
        if (byName.isEmpty()) {
            return selector + " names no metric";
        }
        List<PrometheusScrape.Sample> named = new ArrayList<>();
        for (PrometheusScrape.Sample sample : scrape.samples()) {
            if (allMatch(byName, sample)) {
                named.add(sample);
            }
        }
        if (named.isEmpty()) {
            return selector.metric() != null
                    ? "names " + selector.metric() + ", which the job does not export"
                    : selector + ": no metric the job exports has a matching name";
        }
        List<PrometheusScrape.Sample> selected =
                named.stream().filter(sample -> allMatch(byLabel, sample)).toList();
        if (selected.isEmpty()) {
            return selector + " matches none of the job's series of that name; their labels: " + labelsOf(named);
        }
        if (listedLabel != null && selected.stream().noneMatch(s -> s.labels().containsKey(listedLabel))) {
            return "lists label " + listedLabel + ", which the series of " + selector + " do not carry";
        }
        return null;
    }

    /** The value with variables replaced, or null if it uses one without a value. */
    private static String substitute(String value, Map<String, String> variables) {
        Matcher variable = VARIABLE.matcher(value);
        StringBuilder out = new StringBuilder();
        while (variable.find()) {
            String name = variable.group(1) != null ? variable.group(1) : variable.group(2);
            if (!variables.containsKey(name)) {
                return null;
            }
            variable.appendReplacement(out, Matcher.quoteReplacement(variables.get(name)));
        }
        variable.appendTail(out);
        return out.toString();
    }

    /** PromQL's matching: an absent label has the empty value; regular expressions match the whole value. */
    private static boolean allMatch(List<PromQl.Matcher> matchers, PrometheusScrape.Sample sample) {
        for (PromQl.Matcher matcher : matchers) {
            String actual = matcher.label().equals("__name__")
                    ? sample.name()
                    : sample.labels().getOrDefault(matcher.label(), "");
            boolean matches = switch (matcher.op()) {
                case "=" -> actual.equals(matcher.value());
                case "!=" -> !actual.equals(matcher.value());
                case "=~" -> fullMatch(matcher.value(), actual);
                case "!~" -> !fullMatch(matcher.value(), actual);
                default -> throw new IllegalArgumentException("matcher op " + matcher.op());
            };
            if (!matches) {
                return false;
            }
        }
        return true;
    }

    private static boolean fullMatch(String regex, String value) {
        try {
            return Pattern.compile(regex).matcher(value).matches();
        } catch (PatternSyntaxException notJavaSyntax) {
            throw new IllegalArgumentException("regular expression " + regex + ": " + notJavaSyntax.getMessage());
        }
    }

    /** Each label of the series with (up to 6 of) its values, for a message that shows what a matcher could say. */
    private static String labelsOf(List<PrometheusScrape.Sample> samples) {
        Map<String, Set<String>> values = new TreeMap<>();
        for (PrometheusScrape.Sample sample : samples) {
            sample.labels()
                    .forEach((label, value) ->
                            values.computeIfAbsent(label, l -> new TreeSet<>()).add(value));
        }
        Map<String, String> shown = new LinkedHashMap<>();
        values.forEach((label, all) -> shown.put(
                label,
                all.size() <= 6
                        ? all.toString()
                        : all.stream().limit(6).toList() + " and " + (all.size() - 6) + " more"));
        return shown.toString();
    }
}

package io.freshrec.evaluation;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code freshrec evaluate} found: the replay, and each model's prequential figures on it. */
public final class EvaluationReport {
    public static final String PROTOCOL =
            "prequential: every interaction in replay order (event time, file order for ties); "
                    + "a user with an earlier interaction is served a top 10 of the known items they have not seen, the interaction "
                    + "is scored against it, then the model learns it; coverage = distinct items in those top-10 lists / distinct "
                    + "items in the input";

    private final String input;
    private final String format;
    private final ReplayedEvents replay;
    private final List<Prequential.Figures> models = new ArrayList<>();
    private final Map<String, String> settings;
    private final List<String> notes = new ArrayList<>();
    /** The ensemble's settings and learnt weights, when it was measured. */
    private Map<String, Object> ensemble;

    public EvaluationReport(String input, String format, ReplayedEvents replay, Map<String, String> settings) {
        this.input = input;
        this.format = format;
        this.replay = replay;
        this.settings = settings;
    }

    public void add(Prequential.Figures figures) {
        models.add(figures);
    }

    /** Records the ensemble's components, its settings and the weights its learnt blend ended with. */
    public void ensemble(String[] components, int candidates, double rate, double[] learntWeights) {
        ensemble = new LinkedHashMap<>();
        ensemble.put("components", List.of(components));
        ensemble.put("candidatesPerComponent", candidates);
        ensemble.put("learningRate", rate);
        ensemble.put("learntWeights", learntWeights.clone());
    }

    public void note(String note) {
        notes.add(note);
    }

    public List<Prequential.Figures> models() {
        return models;
    }

    public List<String> notes() {
        return notes;
    }

    /** The table: model | recall@10 | NDCG@10 | coverage | scored events. */
    public String table() {
        String[] header = {"model", "recall@10", "NDCG@10", "coverage", "scored events"};
        List<String[]> rows = new ArrayList<>();
        for (Prequential.Figures figures : models) {
            rows.add(new String[] {
                figures.model,
                fixed(figures.recall()),
                fixed(figures.ndcg()),
                String.format(
                        Locale.ROOT, "%s (%,d of %,d)", fixed(figures.coverage()), figures.covered, figures.catalogue),
                String.format(Locale.ROOT, "%,d", figures.scored)
            });
        }
        int[] widths = new int[header.length];
        for (int c = 0; c < header.length; c++) {
            widths[c] = header[c].length();
            for (String[] row : rows) {
                widths[c] = Math.max(widths[c], row[c].length());
            }
        }
        StringBuilder text = new StringBuilder();
        appendRow(text, header, widths);
        String[] rule = new String[header.length];
        for (int c = 0; c < header.length; c++) {
            rule[c] = "-".repeat(widths[c]);
        }
        appendRow(text, rule, widths);
        for (String[] row : rows) {
            appendRow(text, row, widths);
        }
        return text.toString();
    }

    private static void appendRow(StringBuilder text, String[] cells, int[] widths) {
        text.append('|');
        for (int c = 0; c < cells.length; c++) {
            String cell = cells[c];
            String pad = " ".repeat(widths[c] - cell.length());
            // Text left, figures right.
            text.append(' ').append(c == 0 ? cell + pad : pad + cell).append(" |");
        }
        text.append('\n');
    }

    private static String fixed(double value) {
        return String.format(Locale.ROOT, "%.4f", value);
    }

    public Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("input", input);
        json.put("format", format);
        json.put("records", replay.records);
        json.put("interactions", replay.events.size());
        json.put("deadLetters", replay.deadLetters);
        json.put("users", replay.users);
        json.put("catalogue", replay.catalogue);
        json.put("k", Prequential.K);
        json.put("protocol", PROTOCOL);
        json.put("settings", settings);
        List<Map<String, Object>> list = new ArrayList<>();
        for (Prequential.Figures figures : models) {
            Map<String, Object> model = new LinkedHashMap<>();
            model.put("model", figures.model);
            model.put("recallAt10", figures.recall());
            model.put("ndcgAt10", figures.ndcg());
            model.put("coverage", figures.coverage());
            model.put("coveredItems", figures.covered);
            model.put("scored", figures.scored);
            model.put("hits", figures.hits);
            model.put("ndcgGainSum", figures.ndcgGain);
            model.put("seconds", figures.seconds);
            list.add(model);
        }
        json.put("models", list);
        if (ensemble != null) {
            json.put("ensemble", ensemble);
        }
        json.put("notes", notes);
        return json;
    }

    public void writeJson(Path file) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(file.toFile(), toJson());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file + ": " + e.getMessage(), e);
        }
    }
}

package io.freshrec.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The suite's summary table, one row per fault, in {@code target/reliability/summary.tsv}: what was injected, how
 * many valid events, how many of them the model lost or applied twice, the dead letters counted, how many times the
 * job restarted, and how long lookups took to answer again after the fault ("-" where the test does not measure it).
 */
final class Summary {
    static final Path FILE = Path.of("target", "reliability", "summary.tsv");
    static final String HEADER = "fault\tevents\tlost\tduplicated\tdead letters\trestarts\tlookups again after (s)";

    private Summary() {}

    static synchronized void record(
            String fault,
            long events,
            long lost,
            long duplicated,
            long deadLetters,
            long restarts,
            Double lookupsAgainSeconds) {
        String row = String.join(
                "\t",
                fault,
                Long.toString(events),
                Long.toString(lost),
                Long.toString(duplicated),
                Long.toString(deadLetters),
                Long.toString(restarts),
                lookupsAgainSeconds == null ? "-" : String.format(Locale.ROOT, "%.1f", lookupsAgainSeconds));
        try {
            Files.createDirectories(FILE.getParent());
            if (!Files.exists(FILE)) {
                Files.writeString(FILE, HEADER + "\n", StandardCharsets.UTF_8);
            }
            Files.writeString(FILE, row + "\n", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        System.out.println("[reliability] " + row.replace('\t', '|'));
    }

    /** The table as aligned text, rows ordered by fault. */
    static String table() throws IOException {
        if (!Files.exists(FILE)) {
            return "(no reliability rows recorded)";
        }
        List<String> lines = Files.readAllLines(FILE, StandardCharsets.UTF_8);
        // Rows by fault (they are numbered), whatever order the test classes ran in.
        List<String[]> rows = new ArrayList<>();
        rows.add(lines.get(0).split("\t"));
        lines.subList(1, lines.size()).stream().sorted().forEach(line -> rows.add(line.split("\t")));
        int columns = rows.get(0).length;
        int[] width = new int[columns];
        for (String[] row : rows) {
            for (int i = 0; i < columns && i < row.length; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder text = new StringBuilder();
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            text.append('|');
            for (int i = 0; i < columns; i++) {
                String cell = i < row.length ? row[i] : "";
                text.append(' ')
                        .append(i == 0 ? pad(cell, width[i], false) : pad(cell, width[i], true))
                        .append(" |");
            }
            text.append('\n');
            if (r == 0) {
                text.append('|');
                for (int i = 0; i < columns; i++) {
                    text.append(i == 0 ? " :" : " ")
                            .append("-".repeat(width[i] - 1))
                            .append(i == 0 ? " |" : ": |");
                }
                text.append('\n');
            }
        }
        return text.toString();
    }

    private static String pad(String cell, int width, boolean right) {
        String spaces = " ".repeat(Math.max(0, width - cell.length()));
        return right ? spaces + cell : cell + spaces;
    }
}

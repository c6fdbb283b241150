package io.freshrec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec versions}: the model versions in the registry. */
@Command(
        name = "versions",
        mixinStandardHelpOptions = true,
        description = "List the model versions (savepoints) in the version registry, oldest first.")
final class VersionsCommand implements Callable<Integer> {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss").withZone(ZoneOffset.UTC);

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--json", description = "Print the versions as JSON (every recorded field).")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        VersionRegistry registry = registryOptions.registry();
        List<VersionRecord> versions = registry.read().versions;
        if (json) {
            out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(versions));
            return 0;
        }
        if (versions.isEmpty()) {
            out.println("No versions in " + registry.index()
                    + " yet. Take one of the running job with: freshrec savepoint");
            return 0;
        }
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {
            "VERSION",
            "TAKEN (UTC)",
            "KIND",
            "EVENTS",
            "RECALL@10",
            "TOTAL",
            "MODEL",
            "FROM",
            "TOOK",
            "SIZE",
            "TAG",
            "NOTE"
        });
        for (VersionRecord v : versions) {
            rows.add(new String[] {
                v.id,
                v.takenAt == null ? "-" : TIME.format(Instant.parse(v.takenAt)),
                v.kind,
                v.events == null ? "-" : String.format(Locale.ROOT, "%,d", v.events),
                recall(v.recallRolling),
                recall(v.recallTotal),
                v.modelVersion == null ? "-" : "v" + v.modelVersion,
                v.from == null ? "-" : v.from,
                v.savepointMillis == null ? "-" : String.format(Locale.ROOT, "%.1f s", v.savepointMillis / 1000.0),
                size(v.sizeBytes),
                v.tag == null ? "" : v.tag,
                v.note == null ? "" : v.note.replace('\n', ' ')
            });
        }
        int[] widths = new int[rows.get(0).length];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (String[] row : rows) {
            StringBuilder line = new StringBuilder();
            for (int i = 0; i < row.length; i++) {
                boolean number = i == 3 || i == 4 || i == 5 || i == 8 || i == 9;
                String cell =
                        number && row != rows.get(0) ? pad(row[i], widths[i], true) : pad(row[i], widths[i], false);
                line.append(cell).append(i + 1 < row.length ? "  " : "");
            }
            out.println(line.toString().stripTrailing());
        }
        out.printf(
                "%d version%s in %s. RECALL@10: prequential, rolling window at that moment; TOTAL: over all events.%n",
                versions.size(), versions.size() == 1 ? "" : "s", registry.index());
        out.println("Savepoint paths: freshrec versions --json. Roll back: freshrec rollback --to VERSION");
        return 0;
    }

    private static String recall(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }

    static String size(Long bytes) {
        if (bytes == null) {
            return "-";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
    }

    private static String pad(String text, int width, boolean right) {
        String spaces = " ".repeat(width - text.length());
        return right ? spaces + text : text + spaces;
    }
}

package io.freshrec.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.freshrec.offline.ModelStatistics;
import io.freshrec.offline.OfflineModel;
import io.freshrec.offline.SavepointModel;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.StringJoiner;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec inspect}: figures of a model version, read from its savepoint. */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        description =
                "Read a savepoint of the FreshRec job offline (State Processor API) and print the model's figures: "
                        + "users, items, neighbour lists, popularity head, model version, state size.")
final class InspectCommand implements Callable<Integer> {
    @Mixin
    SavepointSource source;

    @Option(names = "--json", description = "Print the figures as JSON.")
    boolean json;

    @Option(
            names = "--top",
            defaultValue = "10",
            paramLabel = "N",
            description = "Length of the popularity head. Default: ${DEFAULT-VALUE}.")
    int top;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (top < 1 || top > 100_000) {
            throw new IllegalArgumentException("--top must be in [1, 100000]");
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        SavepointSource.Resolved resolved = source.resolve();
        var config = resolved.modelConfig();
        SavepointModel savepoint = resolved.open(progress);
        progress.println("Reading " + resolved.label() + " ...");
        progress.flush();
        ModelStatistics stats = OfflineModel.inspect(savepoint, config, top);
        stats.version = resolved.version();
        stats.settings = resolved.settingsSource();
        if (json) {
            out.println(new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(stats));
        } else {
            print(out, stats);
        }
        out.flush();
        return 0;
    }

    static void print(PrintWriter out, ModelStatistics s) {
        out.printf(
                Locale.ROOT,
                "Savepoint %s%s (%s, checkpoint %d), %s on disk%n",
                s.savepoint,
                s.version == null ? "" : " = " + s.version,
                s.format,
                s.checkpointId,
                bytes(s.state.bytesOnDisk));
        out.printf(
                Locale.ROOT,
                "Model:  version v%d, items as of %s, trending list of %d; %d version%s published, not committed%n",
                s.model.version,
                time(s.model.time),
                s.model.trendingListLength,
                s.model.pendingVersions,
                s.model.pendingVersions == 1 ? "" : "s");
        out.printf(
                Locale.ROOT,
                "Users:  %,d with histories (mean length %.1f, max %d) from %,d interactions; %,d events waiting for the watermark%n",
                s.users.withHistory,
                s.users.historyLengthMean,
                s.users.historyLengthMax,
                s.users.interactions,
                s.users.pendingEvents);
        out.printf(
                Locale.ROOT,
                "        %,d served lists (mean length %.1f, %,d of trending items only), model versions v%d..v%d%s%n",
                s.users.served,
                s.users.servedListLengthMean,
                s.users.trendingOnlyLists,
                s.users.servedVersionMin,
                s.users.servedVersionMax,
                s.users.pendingProfiles == 0
                        ? ""
                        : String.format(Locale.ROOT, "; %,d profiles waiting", s.users.pendingProfiles));
        out.printf(
                Locale.ROOT,
                "Items:  %,d (%,d live, %,d expired, %,d waiting for their first version); %,d updates waiting%n",
                s.items.total,
                s.items.live,
                s.items.expired,
                s.items.waiting,
                s.items.pendingUpdates);
        out.printf(
                Locale.ROOT,
                "        %,d neighbour lists (mean length %.1f, max %d); %,d co-occurrence entries (%.1f per item)%n",
                s.items.neighbourLists,
                s.items.neighboursMean,
                s.items.neighboursMax,
                s.items.cooccurrenceEntries,
                s.items.total == 0 ? 0.0 : (double) s.items.cooccurrenceEntries / s.items.total);
        out.printf(Locale.ROOT, "Popularity head (decayed trending weight at %s):%n", time(s.popularityAt));
        for (int i = 0; i < s.popularityHead.size(); i++) {
            ModelStatistics.Popular entry = s.popularityHead.get(i);
            out.printf(Locale.ROOT, "  %3d. item %-12d %12.3f%n", i + 1, entry.item, entry.popularity);
        }
        StringJoiner operators = new StringJoiner(", ");
        for (Map.Entry<String, Long> entry : s.state.bytesByOperator.entrySet()) {
            long keyed = s.state.keyedBytesByOperator.getOrDefault(entry.getKey(), 0L);
            operators.add(entry.getKey() + " " + bytes(entry.getValue())
                    + (keyed > 0 && keyed < entry.getValue() ? " (keyed " + bytes(keyed) + ")" : ""));
        }
        out.printf(Locale.ROOT, "State:  %s on disk; %s%n", bytes(s.state.bytesOnDisk), operators);
        out.printf(
                Locale.ROOT,
                "        keyed state %,.0f B per user (user-history, serving), %,.0f B per item (item-model)%n",
                s.state.bytesPerUser,
                s.state.bytesPerItem);
        out.printf(Locale.ROOT, "Read in %.1f s. Settings: %s%n", s.readSeconds, s.settings);
    }

    private static String time(long epochMs) {
        return epochMs <= 0 ? "-" : Instant.ofEpochMilli(epochMs).toString();
    }

    static String bytes(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        if (bytes < 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f KB", bytes / 1024.0);
        }
        if (bytes < 1024L * 1024 * 1024) {
            return String.format(Locale.ROOT, "%.1f MB", bytes / (1024.0 * 1024));
        }
        return String.format(Locale.ROOT, "%.2f GB", bytes / (1024.0 * 1024 * 1024));
    }
}

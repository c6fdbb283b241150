package io.freshrec.cli;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.serving.RecommendationClient;
import java.io.PrintWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code freshrec similar --item I [--k N]}. */
@Command(
        name = "similar",
        mixinStandardHelpOptions = true,
        description =
                "Print an item's nearest neighbours (decayed co-occurrence), from the running job's queryable state.")
final class SimilarCommand extends LookupCommand {
    @Option(names = "--item", required = true, description = "Item id.")
    long item;

    @Override
    void print(RecommendationClient client, PrintWriter out) throws Exception {
        ItemSnapshot snapshot = found(
                        client.similarItems(item),
                        "unknown item " + item + ": the job has no interactions with this item")
                .snapshot;
        out.printf(
                "item %d: norm %.3f, trending %.3f, %d neighbour candidates%n",
                item, snapshot.norm, snapshot.trending, snapshot.neighbours.length);
        int n = Math.min(k, snapshot.neighbours.length);
        for (int i = 0; i < n; i++) {
            // Co-occurrence over the item's norm: half of a cosine (the neighbour's norm left out); it can exceed 1.
            double confidence = snapshot.norm > 0 ? snapshot.cooccurrence[i] / snapshot.norm : 0;
            out.printf(
                    "%3d. item %-10d co-occurrence %.4f  confidence %.4f%n",
                    i + 1, snapshot.neighbours[i], snapshot.cooccurrence[i], confidence);
        }
    }
}

package io.freshrec.cli;

import io.freshrec.model.ItemSnapshot;
import io.freshrec.model.ItemState;
import io.freshrec.serving.RecommendationClient;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec similar --item I [--k N]}. */
@Command(name = "similar", mixinStandardHelpOptions = true,
        description = "Print an item's nearest neighbours (decayed co-occurrence), from the running job's queryable state.")
final class SimilarCommand implements Callable<Integer> {
    @Option(names = "--item", required = true, description = "Item id.")
    long item;

    @Option(names = "--k", defaultValue = "10", description = "How many to print. Default: ${DEFAULT-VALUE}.")
    int k;

    @Mixin
    LookupOptions lookup;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (RecommendationClient client = lookup.connect()) {
            Optional<ItemState> found = client.similarItems(item);
            if (found.isEmpty()) {
                throw new FreshRecCli.CommandFailure("unknown item " + item + ": the job has no interactions with this item");
            }
            ItemSnapshot snapshot = found.get().snapshot;
            out.printf("item %d: norm %.3f, trending %.3f, %d neighbour candidates%n", item, snapshot.norm,
                    snapshot.trending, snapshot.neighbours.length);
            int n = Math.min(k, snapshot.neighbours.length);
            for (int i = 0; i < n; i++) {
                // Share of this item's interest that co-occurred with the neighbour.
                double confidence = snapshot.norm > 0 ? snapshot.cooccurrence[i] / snapshot.norm : 0;
                out.printf("%3d. item %-10d co-occurrence %.4f  confidence %.4f%n", i + 1, snapshot.neighbours[i],
                        snapshot.cooccurrence[i], confidence);
            }
            return 0;
        }
    }
}

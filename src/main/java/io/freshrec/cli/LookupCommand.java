package io.freshrec.cli;

import io.freshrec.serving.RecommendationClient;
import java.io.PrintWriter;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A lookup in the running job's queryable state that prints the first {@code --k} entries: recommend and similar. */
abstract class LookupCommand implements Callable<Integer> {
    @Option(names = "--k", defaultValue = "10", description = "How many to print. Default: ${DEFAULT-VALUE}.")
    int k;

    @Mixin
    LookupOptions lookup;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public final Integer call() throws Exception {
        if (k < 1) {
            throw new IllegalArgumentException("--k must be at least 1");
        }
        validate();
        PrintWriter out = spec.commandLine().getOut();
        try (RecommendationClient client = lookup.connect()) {
            print(client, out);
            return 0;
        }
    }

    /** Checks the command's own options (after --k), failing with IllegalArgumentException. */
    void validate() {}

    /** Looks up and prints at most {@link #k} entries. */
    abstract void print(RecommendationClient client, PrintWriter out) throws Exception;

    /** The value looked up, or a one-line failure {@code unknown} when the job does not know the key. */
    static <T> T found(Optional<T> value, String unknown) {
        return value.orElseThrow(() -> new FreshRecCli.CommandFailure(unknown));
    }
}

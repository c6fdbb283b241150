package io.freshrec.cli;

import io.freshrec.ops.FlinkRest;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.Versioning;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec savepoint}: a version of the running model. */
@Command(name = "savepoint", mixinStandardHelpOptions = true,
        description = "Take a savepoint of the running FreshRec job and record it as a model version.")
final class SavepointCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Mixin
    RegistryOptions registryOptions;

    @Option(names = "--note", description = "Free text recorded with the version.")
    String note;

    @Option(names = "--tag", description = "A name for the version (rollback --to NAME); tagged versions are never pruned.")
    String tag;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        String format = target.formatType();
        FlinkRest flink = target.flink();
        String job = target.runningJob(flink);
        Versioning versioning = new Versioning(flink, registryOptions.registry(), target.targetDirectory(), format,
                target.savepointTimeout);
        try {
            VersionRecord version = versioning.take(job, VersionRecord.MANUAL, note, tag);
            print(out, version, "");
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        return 0;
    }

    /** {@code Version vN: PATH} and a line of figures. */
    static void print(PrintWriter out, VersionRecord version, String label) {
        out.printf("Version %s%s: %s%n", version.id, label, version.savepoint);
        out.printf("  job %s: %s events, recall@10 rolling %s total %s, model %s; savepoint %.1f s, %s%n", version.jobId,
                version.events == null ? "?" : String.format(Locale.ROOT, "%,d", version.events), recall(version.recallRolling),
                recall(version.recallTotal), version.modelVersion == null ? "?" : "v" + version.modelVersion,
                version.savepointMillis / 1000.0, VersionsCommand.size(version.sizeBytes));
        out.flush();
    }

    private static String recall(Double value) {
        return value == null ? "-" : String.format(Locale.ROOT, "%.3f", value);
    }
}

package io.freshrec.cli;

import io.freshrec.rest.FlinkRest;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.Versioning;
import java.io.IOException;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec stop}: stop the running job with a savepoint, recorded as a version. */
@Command(
        name = "stop",
        mixinStandardHelpOptions = true,
        description = "Stop the running FreshRec job with a savepoint, recorded as a model version. An embedded run "
                + "stays up and takes the next job submitted to it (submit, rollback).")
final class StopCommand implements Callable<Integer> {
    @Mixin
    JobTarget target;

    @Mixin
    RegistryOptions registryOptions;

    @Option(
            names = "--note",
            defaultValue = "stopped",
            description = "Free text recorded with the version. Default: ${DEFAULT-VALUE}.")
    String note;

    @Option(names = "--tag", description = "A name for the version (rollback --to NAME).")
    String tag;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        String format = target.formatType();
        FlinkRest flink = target.flink();
        String job = target.runningJob(flink);
        Versioning versioning = new Versioning(
                flink, registryOptions.registry(), target.targetDirectory(), format, target.savepointTimeout);
        try {
            VersionRecord version = versioning.stop(job, VersionRecord.MANUAL, note, tag);
            SavepointCommand.print(spec.commandLine().getOut(), version, " (job stopped)");
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        return 0;
    }
}

package io.freshrec.cli;

import io.freshrec.ops.Secrets;
import io.freshrec.rest.FlinkRest;
import io.freshrec.versions.Deployments;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import io.freshrec.versions.Versioning;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code freshrec rollback --to VERSION}: stop the running job with a savepoint (kept as a safety version),
 * start the job from VERSION's savepoint with the arguments and parallelism recorded for it, and wait until
 * lookups answer again. The same on a cluster and on the embedded run, which takes the new job into its
 * session (see EmbeddedRun).
 */
@Command(
        name = "rollback",
        mixinStandardHelpOptions = true,
        description =
                "Roll the running job back to a model version: stop it with a savepoint (recorded as a safety version), "
                        + "start the job from the version's savepoint with its recorded arguments, wait until lookups answer.")
final class RollbackCommand implements Callable<Integer> {
    @Option(
            names = "--to",
            required = true,
            paramLabel = "VERSION",
            description = "Version id (v3), number (3) or tag.")
    String to;

    @Mixin
    JobTarget target;

    @Mixin
    RegistryOptions registryOptions;

    @Option(
            names = "--jar",
            description =
                    "Job jar to start the version with. Default: the one recorded with it, else target/freshrec-cluster.jar.")
    Path jar;

    @Mixin
    AwaitLookups lookups;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        lookups.proxy.checkPort();
        String format = target.formatType();
        VersionRegistry registry = registryOptions.registry();
        VersionRecord version = Rollbacks.existingVersion(registry, to);
        if (version.programArgs == null) {
            throw new FreshRecCli.CommandFailure(
                    version.id + " does not record how to start the job (its job was not started by "
                            + "freshrec run or submit); start it yourself: freshrec submit --savepoint "
                            + version.savepoint + " ...");
        }
        List<String> redacted = Secrets.redactedKeys(version.programArgs);
        if (!redacted.isEmpty()) {
            throw new FreshRecCli.CommandFailure(version.id + "'s job was started with " + redacted.get(0)
                    + " given by value, which the registry does not keep; start it yourself with the secret as a"
                    + " reference: freshrec submit --savepoint " + version.savepoint + " "
                    + Secrets.asReference(redacted.get(0)) + " ...");
        }
        Path jobJar =
                jar != null ? jar : version.jar != null ? Path.of(version.jar) : Path.of("target/freshrec-cluster.jar");
        if (!Files.isRegularFile(jobJar)) {
            throw new FreshRecCli.CommandFailure(
                    "no job jar at " + jobJar + " (build it: mvn -q -DskipTests package; or pass --jar)");
        }
        FlinkRest flink = target.flink();
        String running = target.runningJob(flink);
        Versioning versioning =
                new Versioning(flink, registry, target.targetDirectory(), format, target.savepointTimeout);
        Deployments deployments = new Deployments(flink, registry);

        out.printf(
                "Rolling back job %s on %s to %s (%s events, recall@10 total %s), taken %s%n",
                running,
                flink.base(),
                version.id,
                version.events == null ? "?" : String.format(Locale.ROOT, "%,d", version.events),
                version.recallTotal == null ? "-" : String.format(Locale.ROOT, "%.3f", version.recallTotal),
                version.takenAt);
        out.flush();
        long begin = System.nanoTime();
        String jarId;
        VersionRecord safety;
        try {
            // Upload first: the running job serves until the last moment.
            jarId = deployments.upload(jobJar);
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        long uploaded = System.nanoTime();
        try {
            safety = versioning.stop(running, VersionRecord.SAFETY, "before rollback to " + version.id, null);
        } catch (IOException e) {
            deployments.discard(jarId);
            throw new FreshRecCli.CommandFailure(
                    "could not stop job " + running + " with a savepoint, nothing changed: " + e.getMessage());
        }
        long stopped = System.nanoTime();
        SavepointCommand.print(out, safety, " (safety: the model until now)");

        String restored;
        long running2;
        try {
            restored = deployments.start(jarId, jobJar, version.programArgs, version.parallelism, version, null);
            out.printf("Job %s started from %s%n", restored, version.id);
            out.flush();
            flink.awaitRunning(restored, lookups.timeout);
            running2 = System.nanoTime();
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure("the job did not start from " + version.id + ": " + e.getMessage()
                    + "; the stopped model is " + safety.id + ": freshrec rollback --to " + safety.id
                    + " after starting a job (or freshrec submit --from " + safety.id + ")");
        } finally {
            deployments.discard(jarId);
        }
        String answer = lookups.await(
                target.jobOptions.rest(),
                restored,
                lookups.left(begin),
                "the job runs from " + to + " but lookups do not answer");
        long answered = System.nanoTime();
        out.printf("Lookups answer again: %s%n", answer);
        out.printf(
                "Rolled back to %s in %.1f s: savepoint %.1f s, restore %.1f s (until all tasks run), then lookups %.1f s "
                        + "(jar upload before: %.1f s).%n",
                version.id,
                (answered - begin) / 1e9,
                (stopped - uploaded) / 1e9,
                (running2 - stopped) / 1e9,
                (answered - running2) / 1e9,
                (uploaded - begin) / 1e9);
        return 0;
    }
}

package io.freshrec.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.freshrec.ops.Secrets;
import io.freshrec.rest.FlinkRest;
import io.freshrec.versions.DeploymentRecord;
import io.freshrec.versions.Deployments;
import io.freshrec.versions.VersionRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code freshrec resume}: after a cluster without high availability lost its job (its JobManager was killed or
 * restarted), start the last job the version registry recorded for that cluster again, from that job's newest retained
 * checkpoint, with its recorded arguments and parallelism; wait until lookups answer. Checkpoints are retained on
 * cancellation and failure (execution.checkpointing.externalized-checkpoint-retention), so a lost JobManager leaves
 * them where the cluster wrote them.
 */
@Command(
        name = "resume",
        mixinStandardHelpOptions = true,
        description = "Start the last recorded job again from its newest retained checkpoint, after its cluster lost it"
                + " (a JobManager without HA killed or restarted), and wait until lookups answer.")
final class ResumeCommand implements Callable<Integer> {
    private static final Pattern CHECKPOINT = Pattern.compile("chk-(\\d+)");

    @Mixin
    FlinkRestOptions flinkRest;

    @Mixin
    RegistryOptions registryOptions;

    @Option(
            names = "--checkpoints",
            paramLabel = "DIR",
            description = "Where the cluster retains checkpoints. Default: its execution.checkpointing.dir.")
    Path checkpoints;

    @Option(names = "--jar", description = "Job jar. Default: the one recorded with the job.")
    Path jar;

    @Mixin
    AwaitLookups lookups;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        lookups.proxy.checkPort();
        long begin = System.nanoTime();
        FlinkRest flink = flinkRest.flink();
        List<String> active;
        try {
            active = flink.activeJobs();
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        if (!active.isEmpty()) {
            throw new FreshRecCli.CommandFailure("job " + active.get(0) + " runs on " + flink.base()
                    + ": resume is for a cluster that lost its job (see rollback or submit --from to change it)");
        }
        VersionRegistry registry = registryOptions.registry();
        DeploymentRecord last = lastDeployment(registry.read().deployments, flink.base())
                .orElseThrow(() -> new FreshRecCli.CommandFailure("the version registry " + registry.index()
                        + " records no job started on " + flink.base() + " by freshrec run or submit"));
        if (last.programArgs == null) {
            throw new FreshRecCli.CommandFailure("job " + last.jobId + " has no recorded arguments");
        }
        List<String> redacted = Secrets.redactedKeys(last.programArgs);
        if (!redacted.isEmpty()) {
            throw new FreshRecCli.CommandFailure("job " + last.jobId + " was started with " + redacted.get(0)
                    + " given by value, which the registry does not keep; start it with the secret as a reference:"
                    + " freshrec submit --savepoint CHECKPOINT " + Secrets.asReference(redacted.get(0)) + " ...");
        }
        Path jobJar = jar != null ? jar : last.jar != null ? Path.of(last.jar) : null;
        if (jobJar == null || !Files.isRegularFile(jobJar)) {
            throw new FreshRecCli.CommandFailure(
                    "no job jar at " + jobJar + " (build it: mvn -q -DskipTests package; or pass --jar)");
        }
        Path directory;
        try {
            directory = checkpoints != null ? checkpoints : checkpointDirectory(flink);
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        Path checkpoint = newestCheckpoint(directory.resolve(last.jobId))
                .orElseThrow(() -> new FreshRecCli.CommandFailure("no retained checkpoint of job " + last.jobId
                        + " under " + directory.resolve(last.jobId) + " (chk-N/_metadata)"));
        out.printf("Resuming job %s on %s from its checkpoint %s%n", last.jobId, flink.base(), checkpoint);
        out.flush();

        Deployments deployments = new Deployments(flink, registry);
        String jarId;
        String resumed;
        long started;
        try {
            jarId = deployments.upload(jobJar);
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        try {
            resumed = deployments.start(
                    jarId,
                    jobJar,
                    last.programArgs,
                    last.parallelism,
                    null,
                    checkpoint.toUri().toString());
            out.printf("Job %s started%n", resumed);
            out.flush();
            flink.awaitRunning(resumed, lookups.timeout);
            started = System.nanoTime();
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(
                    "the job did not start from " + checkpoint + ": " + FreshRecCli.oneLine(e));
        } finally {
            deployments.discard(jarId);
        }
        String answer = lookups.await(
                flinkRest.rest, resumed, lookups.left(begin), "the job was resumed but lookups do not answer");
        long answered = System.nanoTime();
        out.printf("Lookups answer again: %s%n", answer);
        out.printf(
                "Resumed in %.1f s: restore %.1f s (until all tasks run), then lookups %.1f s.%n",
                (answered - begin) / 1e9, (started - begin) / 1e9, (answered - started) / 1e9);
        return 0;
    }

    /** The newest deployment on the cluster at {@code rest} (by submission time); else none. */
    static Optional<DeploymentRecord> lastDeployment(List<DeploymentRecord> deployments, URI rest) {
        return deployments.stream()
                .filter(d -> d.jobId != null && d.submittedAt != null && !d.embedded)
                .filter(d -> d.flinkRest != null && URI.create(d.flinkRest).equals(rest))
                .max(Comparator.comparing((DeploymentRecord d) -> d.submittedAt));
    }

    /** The checkpoint directory the cluster is configured with (a file: URI or path). */
    private static Path checkpointDirectory(FlinkRest flink) throws IOException {
        for (JsonNode entry : flink.get("jobmanager/config")) {
            String key = entry.path("key").asText();
            if (key.equals("execution.checkpointing.dir") || key.equals("state.checkpoints.dir")) {
                String value = entry.path("value").asText();
                if (!value.contains(":") || value.startsWith("file:")) {
                    return value.startsWith("file:") ? Path.of(URI.create(value)) : Path.of(value);
                }
                throw new FreshRecCli.CommandFailure(
                        "the cluster keeps its checkpoints at " + value
                                + ", which resume cannot list from here; pass --checkpoints with a local or mounted path of it");
            }
        }
        throw new FreshRecCli.CommandFailure(
                "the cluster at " + flink.base() + " has no execution.checkpointing.dir; pass --checkpoints DIR");
    }

    /** The completed checkpoint (a chk-N directory with _metadata) with the highest N under {@code jobDirectory}. */
    static Optional<Path> newestCheckpoint(Path jobDirectory) throws IOException {
        if (!Files.isDirectory(jobDirectory)) {
            return Optional.empty();
        }
        try (Stream<Path> entries = Files.list(jobDirectory)) {
            return entries.filter(path ->
                            CHECKPOINT.matcher(path.getFileName().toString()).matches())
                    .filter(path -> Files.isRegularFile(path.resolve("_metadata")))
                    .max(Comparator.comparingLong(ResumeCommand::number));
        }
    }

    private static long number(Path checkpoint) {
        Matcher matcher = CHECKPOINT.matcher(checkpoint.getFileName().toString());
        return matcher.matches() ? Long.parseLong(matcher.group(1)) : -1;
    }
}

package io.freshrec.cli;

import io.freshrec.ops.Secrets;
import io.freshrec.rest.FlinkRest;
import io.freshrec.versions.Deployments;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec submit}: the job on a Flink cluster (or an embedded run's session) through REST. */
@Command(
        name = "submit",
        mixinStandardHelpOptions = true,
        description =
                "Upload the job jar to a Flink REST API and start the FreshRec job there, fresh or from a version.")
final class SubmitCommand implements Callable<Integer> {
    @Mixin
    FlinkRestOptions flinkRest;

    @Option(
            names = "--jar",
            defaultValue = "target/freshrec-cluster.jar",
            description = "Job jar (without the Flink runtime the cluster provides). Default: ${DEFAULT-VALUE}.")
    Path jar;

    @Option(names = "--parallelism", description = "Job parallelism. Default: the cluster's.")
    Integer parallelism;

    @Option(
            names = "--from",
            paramLabel = "VERSION",
            description = "Start from this version's savepoint (id, number or tag).")
    String from;

    @Option(
            names = "--savepoint",
            paramLabel = "PATH",
            description = "Start from this savepoint (a path or URI the cluster can read).")
    String savepoint;

    // Not the lookup commands' --timeout (10s for one lookup): until the submitted job's tasks run.
    @Option(
            names = "--timeout",
            defaultValue = "120s",
            converter = DurationConverter.class,
            description = "How long to wait for the job's tasks to run. Default: ${DEFAULT-VALUE}.")
    Duration timeout;

    @Mixin
    RegistryOptions registryOptions;

    // The job's own options, passed to its entry class on the cluster as given here.
    @Mixin
    SourceOptions sourceOptions;

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--dead-letters",
            description =
                    "Dead-letter directory (or URI) as the cluster sees it. Default: target/freshrec/dead-letters there.")
    String deadLetters;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        if (from != null && savepoint != null) {
            throw new IllegalArgumentException("--from and --savepoint exclude each other");
        }
        if (parallelism != null && parallelism < 1) {
            throw new IllegalArgumentException("--parallelism must be at least 1");
        }
        Map<String, String> given = new LinkedHashMap<>(configOptions.overrides);
        if (sourceOptions.redis != null) {
            given.put("--redis", sourceOptions.redis);
        }
        List<String> byValue = Secrets.givenByValue(given);
        if (!byValue.isEmpty()) {
            // Program arguments travel to Flink's REST API and into the version registry: no place for a secret.
            String name = byValue.get(0);
            throw new IllegalArgumentException((name.startsWith("--") ? name : "-D " + name)
                    + " holds a secret by value, which would travel in the job's program arguments; reference it"
                    + " instead: " + Secrets.asReference(name)
                    + " (resolved from the JobManager's environment)"
                    + (name.startsWith("--") ? "" : ", or a Kafka config provider"));
        }
        if (!Files.isRegularFile(jar)) {
            throw new FreshRecCli.CommandFailure(
                    "no job jar at " + jar + " (build it: mvn -q -DskipTests package; or pass --jar)");
        }
        VersionRegistry registry = registryOptions.registry();
        VersionRecord version = from == null ? null : Rollbacks.existingVersion(registry, from);
        String restoreFrom = version != null ? version.savepoint : savepoint;
        if (savepoint != null) {
            Rollbacks.requireSavepoint(savepoint, "--savepoint");
        }
        List<String> programArgs = JobArgs.of(spec, false);
        FlinkRest flink = flinkRest.flink();
        Deployments deployments = new Deployments(flink, registry);
        try {
            long started = System.nanoTime();
            String jarId = deployments.upload(jar);
            String job;
            try {
                job = deployments.start(jarId, jar, programArgs, parallelism, version, savepoint);
            } finally {
                deployments.discard(jarId);
            }
            out.println("Submitted job " + job);
            if (restoreFrom != null) {
                out.println("  from " + (version != null ? version.id + ": " : "") + restoreFrom);
            }
            out.flush();
            flink.awaitRunning(job, timeout);
            out.printf(
                    "Job %s running (%.1f s after upload started). Take a version: freshrec savepoint --flink-rest %s%n",
                    job, (System.nanoTime() - started) / 1e9, flinkRest.rest);
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure(e.getMessage());
        }
        return 0;
    }
}

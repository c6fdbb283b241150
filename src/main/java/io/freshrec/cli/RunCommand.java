package io.freshrec.cli;

import io.freshrec.ops.EmbeddedRun;
import io.freshrec.ops.Secrets;
import io.freshrec.rest.FlinkRest;
import io.freshrec.sources.InteractionSource;
import io.freshrec.versions.AutoVersions;
import io.freshrec.versions.DeploymentRecord;
import io.freshrec.versions.VersionOptions;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import io.freshrec.versions.Versioning;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.WebOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec run}: the job on an embedded Flink, fed by the generator or a file replay. */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run the FreshRec job on an embedded Flink (MiniCluster) with RocksDB, checkpoints and queryable state.")
final class RunCommand implements Callable<Integer> {
    @Mixin
    SourceOptions sourceOptions;

    @Option(
            names = "--duration",
            converter = DurationConverter.class,
            description = "Stop after this long (e.g. 60s, 5min); default: until the input ends or Ctrl-C.")
    Duration duration;

    @Mixin
    ProgressOptions progressOptions;

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--dead-letters",
            defaultValue = "target/freshrec/dead-letters",
            description = "Directory for dead-letter files. Default: ${DEFAULT-VALUE}.")
    Path deadLetters;

    @Option(
            names = "--from",
            paramLabel = "VERSION",
            description =
                    "Start from this model version's savepoint (id, number or tag), with this command's own options.")
    String from;

    @Option(names = "--savepoint", paramLabel = "PATH", description = "Start from this savepoint.")
    String savepoint;

    @Option(
            names = "--allow-submit",
            description = "Let the embedded run's REST API accept job jars, as submit and rollback to it need. Off by"
                    + " default: anything that reaches its port (a web page by DNS rebinding too) could run code.")
    boolean allowSubmit;

    @Mixin
    RegistryOptions registryOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (from != null && savepoint != null) {
            throw new IllegalArgumentException("--from and --savepoint exclude each other");
        }
        Configuration conf = configOptions.load();
        if (!conf.contains(WebOptions.SUBMIT_ENABLE)) {
            // Jar upload and run are code execution for whoever reaches the REST port: only when asked for.
            conf.set(WebOptions.SUBMIT_ENABLE, allowSubmit);
        }
        Duration interval = VersionOptions.interval(conf);
        int retain = VersionOptions.retain(conf);
        VersionRegistry registry = new VersionRegistry(registryOptions.directory(conf));
        VersionRecord version = from == null ? null : Rollbacks.existingVersion(registry, from);
        String restoreFrom = version != null ? version.savepoint : savepoint == null ? null : absolute(savepoint);
        if (savepoint != null) {
            Rollbacks.requireSavepoint(restoreFrom, "--savepoint");
        }
        InteractionSource source = sourceOptions.create(conf, configOptions.overrides);
        PrintWriter out = spec.commandLine().getOut();

        List<String> programArgs = JobArgs.of(spec, true);
        JobArgs.addDefault(
                programArgs,
                "--flink-conf",
                configOptions.directory().toAbsolutePath().normalize().toString());
        JobArgs.addDefault(
                programArgs,
                "--dead-letters",
                deadLetters.toAbsolutePath().normalize().toString());
        EmbeddedRun.Listener listener = new EmbeddedRun.Listener() {
            private AutoVersions auto;

            @Override
            public void jobStarted(String jobId, URI rest, int parallelism) {
                DeploymentRecord deployment = new DeploymentRecord();
                deployment.jobId = jobId;
                deployment.flinkRest = new FlinkRest(rest).base().toString();
                deployment.embedded = true;
                deployment.jar = ownJar();
                // A secret given by value stays in this process: the registry keeps "<redacted>" in its place.
                deployment.programArgs = Secrets.redactArgs(programArgs);
                deployment.parallelism = parallelism;
                deployment.submittedAt = Instant.now().toString();
                deployment.continuing(version);
                if (version == null) {
                    deployment.fromSavepoint = restoreFrom;
                }
                try {
                    registry.recordDeployment(deployment);
                } catch (RuntimeException e) {
                    out.println("(not recorded in the version registry: " + FreshRecCli.oneLine(e) + ")");
                }
                if (!interval.isZero()) {
                    auto = new AutoVersions(
                            new Versioning(
                                    new FlinkRest(rest),
                                    registry,
                                    null,
                                    Versioning.DEFAULT_FORMAT,
                                    Duration.ofMinutes(10)),
                            interval,
                            retain);
                    out.printf(
                            "Automatic versions every %d s (keeping %d) in %s%n",
                            interval.toSeconds(), retain, registry.index());
                }
            }

            @Override
            public void tick(String jobId, URI rest, PrintWriter printer) {
                if (auto != null) {
                    auto.maybeTake(jobId, printer);
                }
            }
        };
        EmbeddedRun run = new EmbeddedRun(conf, source, deadLetters, out, restoreFrom, listener);
        run.run(duration, progressOptions.progress, sourceOptions.sampleUsers());
        return 0;
    }

    private static String absolute(String location) {
        return location.contains(":/")
                ? location
                : Path.of(location).toAbsolutePath().normalize().toString();
    }

    /** The jar this command runs from (java -jar target/freshrec.jar), if any: the jar that restarts the job. */
    static String ownJar() {
        try {
            Path location = Path.of(FreshRecCli.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .toURI());
            return location.toString().endsWith(".jar") ? location.toString() : null;
        } catch (Exception unknown) {
            return null;
        }
    }
}

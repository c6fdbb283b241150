package io.freshrec.cli;

import io.freshrec.job.FreshRecJob;
import io.freshrec.ops.JobAssembly;
import io.freshrec.sources.InteractionSource;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Entry class for submitting the job to a Flink cluster (REST {@code /jars/:id/run}, {@code flink run},
 * a FlinkDeployment's {@code entryClass}). Unlike {@link FreshRecCli} it never calls System.exit (that
 * would take the JobManager down with it) and leaves the cluster's own settings to the cluster: it only
 * builds the graph and executes it in the environment the cluster provides.
 */
@Command(
        name = "freshrec-job",
        mixinStandardHelpOptions = true,
        resourceBundle = "io.freshrec.cli.Options",
        description = "Build and execute the FreshRec job in the Flink environment this program is submitted to.")
public final class FreshRecJobMain implements Callable<Integer> {
    @Mixin
    SourceOptions sourceOptions;

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--dead-letters",
            defaultValue = "target/freshrec/dead-letters",
            description = "Directory (or file-system URI) for dead-letter files. Default: ${DEFAULT-VALUE}.")
    String deadLetters;

    public static void main(String[] args) throws Exception {
        FreshRecJobMain main = new FreshRecJobMain();
        CommandLine commandLine = new CommandLine(main);
        // Bad arguments fail the submission with picocli's one-line message, and the exception propagates
        // to whoever submitted (REST answers with it); no exit here.
        commandLine.parseArgs(args);
        if (commandLine.isUsageHelpRequested()) {
            commandLine.usage(System.out);
            return;
        }
        main.call();
    }

    @Override
    public Integer call() throws Exception {
        Configuration settings = settings();
        InteractionSource source = sourceOptions.create(settings, configOptions.overrides);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        // Job-level settings (parallelism, checkpointing, pipeline.*) from the same files; cluster-level
        // ones (state backend, queryable state, ports) are the cluster's own.
        env.configure(settings);
        JobAssembly.build(env, settings, source, deadLetters);
        env.execute(FreshRecJob.JOB_NAME);
        return 0;
    }

    /** The settings this job runs with: its --flink-conf (or $FLINK_CONF_DIR, ./flink-conf) and -D overrides. */
    Configuration settings() {
        return configOptions.clusterSettings();
    }
}

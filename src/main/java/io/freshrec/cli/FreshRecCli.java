package io.freshrec.cli;

import io.freshrec.serving.LookupException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.BindException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code freshrec} command: run the job, look recommendations up. */
@Command(
        name = "freshrec",
        mixinStandardHelpOptions = true,
        resourceBundle = "io.freshrec.cli.Options",
        version = "FreshRec 0.1.0 (Flink 1.20.0)",
        description = "Flink-native online recommender: learns on every interaction, serves through queryable state.",
        subcommands = {
            RunCommand.class,
            RecommendCommand.class,
            SimilarCommand.class,
            ProduceCommand.class,
            SubmitCommand.class,
            SavepointCommand.class,
            StopCommand.class,
            VersionsCommand.class,
            RollbackCommand.class,
            ResumeCommand.class,
            InspectCommand.class,
            ExportCommand.class,
            BootstrapCommand.class,
            EvaluateCommand.class,
            BenchCommand.class,
            ServeCommand.class,
            CommandLine.HelpCommand.class
        })
public final class FreshRecCli implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(
                spec.commandLine(),
                "missing command (run, recommend, similar, produce, submit, savepoint, stop, versions, rollback, inspect, export, bootstrap, evaluate, bench, serve)");
    }

    public static void main(String[] args) {
        int code = execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
        // Flink leaves non-daemon threads behind; leave explicitly with the command's status.
        System.exit(code);
    }

    /** Runs a command line; returns the exit status (0 ok, 1 failed, 2 bad usage). */
    public static int execute(PrintWriter out, PrintWriter err, String... args) {
        CommandLine commandLine = new CommandLine(new FreshRecCli());
        commandLine.setOut(out);
        commandLine.setErr(err);
        commandLine.setParameterExceptionHandler((ex, arguments) -> {
            err.println("freshrec: " + ex.getMessage());
            err.println("Try 'freshrec "
                    + (ex.getCommandLine().getParent() == null
                            ? ""
                            : ex.getCommandLine().getCommandName() + " ") + "--help'.");
            return 2;
        });
        commandLine.setExecutionExceptionHandler((ex, cl, parsed) -> {
            err.println("freshrec: " + oneLine(ex));
            return ex instanceof IllegalArgumentException ? 2 : 1;
        });
        return commandLine.execute(args);
    }

    static String oneLine(Throwable error) {
        Throwable shown = error;
        if (!(error instanceof LookupException
                || error instanceof IllegalArgumentException
                || error instanceof UncheckedIOException
                || error instanceof CommandFailure)) {
            // Unexpected: name the root cause, still on one line.
            while (shown.getCause() != null && shown.getCause() != shown) {
                shown = shown.getCause();
            }
            String text = shown.getClass().getSimpleName() + ": " + firstLine(shown.getMessage());
            if (shown instanceof BindException) {
                text += " (another FreshRec or Flink running? free the port or pick others with -D rest.port=... "
                        + "-D queryable-state.proxy.ports=... -D queryable-state.server.ports=...)";
            }
            return text;
        }
        return firstLine(shown.getMessage());
    }

    private static String firstLine(String message) {
        return message == null ? "(no message)" : message.split("\n", 2)[0];
    }

    /** A failure whose message is already meant for the user. */
    public static final class CommandFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;

        public CommandFailure(String message) {
            super(message);
        }
    }
}

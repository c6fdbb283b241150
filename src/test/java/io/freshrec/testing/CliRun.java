package io.freshrec.testing;

import io.freshrec.cli.FreshRecCli;
import java.io.PrintWriter;
import java.io.StringWriter;

/** The {@code freshrec} command run in the test JVM, with its exit status and what it printed. */
public record CliRun(int code, String out, String err) {
    public static CliRun of(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FreshRecCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }
}

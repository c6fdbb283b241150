package io.freshrec.cli;

import picocli.CommandLine.Option;

/** The queryable-state proxy lookups go to; shared by the lookup commands (LookupOptions) and rollback. */
final class ProxyOptions {
    @Option(
            names = "--host",
            defaultValue = "localhost",
            description = "Queryable-state proxy host (a TaskManager). Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(
            names = "--port",
            defaultValue = "9069",
            description = "Queryable-state proxy port. Default: ${DEFAULT-VALUE}.")
    int port;

    /** Fails in one line on a port out of range. */
    void checkPort() {
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 1..65535");
        }
    }
}

package io.freshrec.bench;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code freshrec serve} in a process of its own, as it is deployed (its own JVM, heap and threads, not the job's),
 * started from this JVM's own class path on a free loopback port, with its token in the environment (never on the
 * command line, where {@code ps} would show it). Its output goes to a log file.
 */
final class GatewayProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("FreshRec gateway on http://127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final int port;

    private GatewayProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the gateway and returns once it serves {@code jobId} (its start-up line and then "serving job"). */
    static GatewayProcess start(String token, String proxyHost, int proxyPort, URI rest, String jobId, Path log)
            throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder builder = new ProcessBuilder(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-cp",
                System.getProperty("java.class.path"),
                "io.freshrec.cli.FreshRecCli",
                "serve",
                "--bind",
                "127.0.0.1",
                "--port",
                "0",
                "--proxy-host",
                proxyHost,
                "--proxy-port",
                Integer.toString(proxyPort),
                "--flink-rest",
                rest.toString(),
                "--job",
                jobId,
                "--rate-limit",
                "0"));
        builder.environment().put("FRESHREC_GATEWAY_TOKENS", "bench " + token);
        builder.redirectErrorStream(true).redirectOutput(log.toFile());
        Process process = builder.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (true) {
            String text = Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
            Matcher listening = LISTENING.matcher(text);
            if (listening.find() && text.contains("serving job " + jobId)) {
                return new GatewayProcess(process, Integer.parseInt(listening.group(1)));
            }
            if (!process.isAlive() || System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IOException("the gateway did not start serving job " + jobId + " (see " + log + "): "
                        + text.lines().reduce((first, last) -> last).orElse("no output"));
            }
            Thread.sleep(200);
        }
    }

    int port() {
        return port;
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}

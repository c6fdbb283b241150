package io.freshrec.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A redis-server process (Debian's package) owned by the bench (and the Redis sink's tests): loopback only, no
 * persistence unless asked for (no RDB snapshots, no append-only file), stopped on {@link #close()} and by a shutdown
 * hook if the JVM goes first.
 */
public final class RedisServer implements AutoCloseable {
    private final Process process;
    private final int port;
    private final Thread hook;

    private RedisServer(Process process, int port) {
        this.process = process;
        this.port = port;
        this.hook = new Thread(process::destroyForcibly, "bench-redis-stop");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    /** The redis-server executable on the PATH (or /usr/bin, /usr/sbin), or null. */
    public static Path executable() {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin" + File.pathSeparator
                + "/usr/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
                return Path.of(dir, "redis-server");
            }
        }
        return null;
    }

    public static RedisServer start(int port, Path workDir) throws IOException, InterruptedException {
        return start(port, workDir, false);
    }

    /**
     * As {@link #start(int, Path)}; {@code persistent}: an RDB snapshot in {@code workDir}, saved when the server
     * stops ({@link #close()} sends SIGTERM) and loaded when one starts there again, so a restart keeps the data.
     */
    public static RedisServer start(int port, Path workDir, boolean persistent)
            throws IOException, InterruptedException {
        Path executable = executable();
        if (executable == null) {
            throw new IOException("redis-server not found (Debian: apt-get install redis-server)");
        }
        Files.createDirectories(workDir);
        Process process = new ProcessBuilder(List.of(
                        executable.toString(),
                        "--port",
                        Integer.toString(port),
                        "--bind",
                        "127.0.0.1",
                        "--save",
                        persistent ? "3600 1" : "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--dir",
                        workDir.toAbsolutePath().toString(),
                        "--logfile",
                        ""))
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        workDir.resolve("redis.log").toFile()))
                .start();
        RedisServer server = new RedisServer(process, port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (true) {
            try (Jedis jedis = server.client()) {
                if ("PONG".equals(jedis.ping())) {
                    return server;
                }
            } catch (RuntimeException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IOException("redis-server on port " + port + " did not start (see "
                            + workDir.resolve("redis.log") + ")");
                }
                Thread.sleep(50);
            }
        }
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    public int port() {
        return port;
    }

    /** {@code redis://127.0.0.1:PORT}. */
    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public String version() {
        try (Jedis jedis = client()) {
            for (String line : jedis.info("server").split("\r?\n")) {
                if (line.startsWith("redis_version:")) {
                    return line.substring("redis_version:".length()).trim();
                }
            }
        } catch (RuntimeException unknown) {
            // not essential
        }
        return "unknown";
    }

    /** Stops the server (SIGTERM: a persistent one saves its snapshot first) and waits until it has gone. */
    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
    }
}

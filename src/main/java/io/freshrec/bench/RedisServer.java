package io.freshrec.bench;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A redis-server process (Debian's package) owned by the bench: loopback only, no persistence (no RDB snapshots,
 * no append-only file), stopped on {@link #close()} and by a shutdown hook if the JVM goes first.
 */
final class RedisServer implements AutoCloseable {
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
    static Path executable() {
        String path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin" + File.pathSeparator
                + "/usr/sbin";
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "redis-server"))) {
                return Path.of(dir, "redis-server");
            }
        }
        return null;
    }

    static RedisServer start(int port, Path workDir) throws IOException, InterruptedException {
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
                        "",
                        "--appendonly",
                        "no",
                        "--daemonize",
                        "no",
                        "--dir",
                        workDir.toAbsolutePath().toString(),
                        "--logfile",
                        ""))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("redis.log").toFile())
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

    Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    String version() {
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

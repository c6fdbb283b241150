package io.freshrec.testing;

import io.freshrec.bench.RedisServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import redis.clients.jedis.Jedis;

/**
 * A real redis-server (Debian's package, as the bench starts it) for a test class: started before its tests on a port
 * of its own (TestPorts), emptied before each test, stopped after them. Register as a static field with
 * {@code @RegisterExtension}.
 */
public final class RedisServerExtension implements BeforeAllCallback, BeforeEachCallback, AfterAllCallback {
    private Path directory;
    private RedisServer server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        directory = Files.createTempDirectory("freshrec-test-redis");
        server = RedisServer.start(TestPorts.block().port(0), directory);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        try (Jedis jedis = server().client()) {
            jedis.flushAll();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        if (directory != null) {
            try (var files = Files.walk(directory)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(path -> path.toFile().delete());
            }
        }
    }

    /** The running server. */
    public RedisServer server() {
        if (server == null) {
            throw new IllegalStateException("redis-server runs only while the class's tests do");
        }
        return server;
    }
}

package io.freshrec.redis;

import io.freshrec.ops.Secrets;
import java.net.URI;
import java.net.URISyntaxException;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * Where a Redis server is and how to log in: a parsed {@code redis://[user:password@]host[:port][/db]} URL
 * ({@code rediss://} for TLS; port 6379 and database 0 by default). Its {@link #toString()} and every message about a
 * URL hide the password.
 */
public final class RedisEndpoint {
    /** Connect and read/write timeouts of the sink's and the reader's connections. */
    static final int CONNECT_TIMEOUT_MS = 2_000;

    static final int SOCKET_TIMEOUT_MS = 5_000;
    private static final String FORMS = "redis://[user:password@]host[:port][/db], rediss:// for TLS";

    private final String url;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final int database;
    private final boolean tls;

    private RedisEndpoint(String url, String host, int port, String user, String password, int database, boolean tls) {
        this.url = url;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.database = database;
        this.tls = tls;
    }

    /**
     * Parses {@code url} (references already resolved); a one-line IllegalArgumentException naming {@code what} and
     * showing the URL without its password when it is not a Redis URL.
     */
    public static RedisEndpoint parse(String what, String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw malformed(what, url, "");
        }
        String scheme = uri.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("redis") || scheme.equalsIgnoreCase("rediss"))) {
            throw malformed(what, url, "");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw malformed(what, url, "no host");
        }
        if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
            throw malformed(what, url, "no query or fragment expected");
        }
        int port = uri.getPort() == -1 ? 6379 : uri.getPort();
        if (port < 1 || port > 65535) {
            throw malformed(what, url, "port out of range");
        }
        String host = uri.getHost();
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String user = null;
        String password = null;
        String userInfo = uri.getUserInfo();
        if (userInfo != null && !userInfo.isEmpty()) {
            int colon = userInfo.indexOf(':');
            if (colon < 0) {
                throw malformed(
                        what,
                        url,
                        "a password needs a colon before it: redis://:password@host or"
                                + " redis://user:password@host");
            }
            user = colon == 0 ? null : userInfo.substring(0, colon);
            password = userInfo.substring(colon + 1);
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                database = -1;
            }
            if (database < 0) {
                throw malformed(what, url, "the path must be a database number");
            }
        }
        return new RedisEndpoint(url.trim(), host, port, user, password, database, scheme.equalsIgnoreCase("rediss"));
    }

    private static IllegalArgumentException malformed(String what, String url, String why) {
        return new IllegalArgumentException(
                what + " '" + shown(url) + "' is not a Redis URL (" + (why.isEmpty() ? "" : why + "; ") + FORMS + ")");
    }

    /** {@code url} as it may be logged or printed: without its password. */
    public static String shown(String url) {
        return Secrets.withoutUrlPasswords(url);
    }

    public String host() {
        return host;
    }

    public int port() {
        return port;
    }

    public int database() {
        return database;
    }

    public boolean tls() {
        return tls;
    }

    JedisClientConfig clientConfig(String clientName) {
        return DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(CONNECT_TIMEOUT_MS)
                .socketTimeoutMillis(SOCKET_TIMEOUT_MS)
                // RESP2: the writer's Jedis connection does not negotiate RESP3 (and warns on every connect otherwise).
                .resp2()
                .user(user)
                .password(password)
                .database(database)
                .ssl(tls)
                .clientName(clientName)
                .build();
    }

    /** One connection (not thread-safe), for the sink's writer. */
    Jedis connect(String clientName) {
        return new Jedis(new HostAndPort(host, port), clientConfig(clientName));
    }

    /** A pooled, thread-safe client, for the reader. */
    RedisClient pooled(String clientName) {
        return RedisClient.builder()
                .hostAndPort(new HostAndPort(host, port))
                .clientConfig(clientConfig(clientName))
                .build();
    }

    @Override
    public String toString() {
        return shown(url);
    }
}

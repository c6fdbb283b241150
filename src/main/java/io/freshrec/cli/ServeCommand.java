package io.freshrec.cli;

import io.freshrec.gateway.Gateway;
import io.freshrec.gateway.GatewayServer;
import io.freshrec.gateway.GatewayTokens;
import io.freshrec.redis.RedisLayout;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec serve}: the authenticated HTTP gateway, in front of the running job. */
@Command(
        name = "serve",
        mixinStandardHelpOptions = true,
        description = "Serve recommendations over HTTP (JSON, bearer tokens) from the running job's queryable state "
                + "(or Redis), with the job's figures, versions, Prometheus metrics, an OpenAPI document and the "
                + "dashboard at /. Runs until stopped (Ctrl-C).")
final class ServeCommand implements Callable<Integer> {
    static final String TOKENS_VARIABLE = "FRESHREC_GATEWAY_TOKENS";
    static final String TLS_PASSWORD_VARIABLE = "FRESHREC_GATEWAY_TLS_PASSWORD";

    @Option(
            names = "--bind",
            defaultValue = "127.0.0.1",
            paramLabel = "ADDRESS",
            description = "Address to listen on (0.0.0.0 for every interface). Default: ${DEFAULT-VALUE}.")
    String bind;

    @Option(
            names = "--port",
            defaultValue = "8080",
            description = "Port to listen on (0: any free one). Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(
            names = "--token-file",
            paramLabel = "FILE",
            description = "API tokens, a client a line: NAME TOKEN [SCOPE,...] (scopes: lookups, model; none: both). "
                    + "Else the variable " + TOKENS_VARIABLE + " (lines separated by ';').")
    Path tokenFile;

    @Option(
            names = "--proxy-host",
            defaultValue = "localhost",
            description = "Queryable-state proxy host (a TaskManager). Default: ${DEFAULT-VALUE}.")
    String proxyHost;

    @Option(
            names = "--proxy-port",
            defaultValue = "9069",
            description = "Queryable-state proxy port. Default: ${DEFAULT-VALUE}.")
    int proxyPort;

    @Mixin
    RunningJobOptions runningJob;

    @Mixin
    RegistryOptions registryOptions;

    @Option(
            names = "--redis",
            paramLabel = "URL",
            description = "Read users' lists from Redis (written by the job's Redis sink) instead of queryable state, "
                    + "e.g. redis://127.0.0.1:6379. Items' neighbours still come from queryable state.")
    String redis;

    @Option(
            names = "--redis-key-prefix",
            defaultValue = RedisLayout.DEFAULT_PREFIX,
            paramLabel = "PREFIX",
            description = "The job's freshrec.redis.key-prefix. Default: ${DEFAULT-VALUE}.")
    String redisKeyPrefix;

    @Option(
            names = "--rate-limit",
            defaultValue = "1000",
            paramLabel = "N",
            description =
                    "Requests a second per client (token), bursts of as many; 0: none. Default: ${DEFAULT-VALUE}.")
    double rateLimit;

    @Option(
            names = "--lookup-timeout",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "How long one lookup may take (retries included) before a 504. Default: ${DEFAULT-VALUE}.")
    Duration lookupTimeout;

    @Option(
            names = "--max-batch",
            defaultValue = "500",
            description = "Most users in one batch request (413 beyond). Default: ${DEFAULT-VALUE}.")
    int maxBatch;

    @Option(
            names = "--poll",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description = "How often the job's state and figures are read from Flink's REST API. "
                    + "Default: ${DEFAULT-VALUE}.")
    Duration poll;

    @Option(
            names = "--protect-operations",
            description = "Require a token (scope model) for /healthz, /readyz and /metrics too (open by default, "
                    + "for probes and scrapers on a trusted network).")
    boolean protectOperations;

    @Option(
            names = "--tls-keystore",
            paramLabel = "FILE",
            description = "Serve HTTPS with this PKCS12 key store (the server's key and certificate).")
    Path tlsKeyStore;

    @Option(
            names = "--tls-password-file",
            paramLabel = "FILE",
            description = "File holding the key store's password (else the variable " + TLS_PASSWORD_VARIABLE + ").")
    Path tlsPasswordFile;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Gateway.Settings settings = settings();
        if (proxyPort < 1 || proxyPort > 65535) {
            throw new IllegalArgumentException("--proxy-port must be in 1..65535");
        }
        GatewayServer server = GatewayServer.start(
                settings,
                new GatewayServer.Sources(
                        proxyHost,
                        proxyPort,
                        runningJob.rest(),
                        runningJob.jobId() == null ? null : runningJob.job,
                        redis,
                        redisKeyPrefix,
                        registryOptions.directory(null),
                        poll),
                out);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }));
        stopped.await();
        return 0;
    }

    Gateway.Settings settings() throws IOException {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("--port must be in 0..65535");
        }
        if (maxBatch < 1) {
            throw new IllegalArgumentException("--max-batch must be at least 1");
        }
        if (lookupTimeout.isZero() || lookupTimeout.isNegative()) {
            throw new IllegalArgumentException("--lookup-timeout must be positive");
        }
        return new Gateway.Settings(
                bind, port, tokens(), rateLimit, lookupTimeout, maxBatch, 100, !protectOperations, tls());
    }

    private GatewayTokens tokens() {
        if (tokenFile != null) {
            return GatewayTokens.fromFile(tokenFile);
        }
        String variable = System.getenv(TOKENS_VARIABLE);
        if (variable != null && !variable.isBlank()) {
            return GatewayTokens.fromText(variable, "variable " + TOKENS_VARIABLE);
        }
        throw new IllegalArgumentException("the gateway needs API tokens: --token-file FILE (a line each: NAME TOKEN) "
                + "or the variable " + TOKENS_VARIABLE);
    }

    private Gateway.Tls tls() throws IOException {
        if (tlsKeyStore == null) {
            if (tlsPasswordFile != null) {
                throw new IllegalArgumentException("--tls-password-file needs --tls-keystore");
            }
            return null;
        }
        if (!Files.isReadable(tlsKeyStore)) {
            throw new IllegalArgumentException("cannot read the key store " + tlsKeyStore);
        }
        String password;
        if (tlsPasswordFile != null) {
            password = Files.readString(tlsPasswordFile, StandardCharsets.UTF_8).strip();
        } else {
            password = System.getenv(TLS_PASSWORD_VARIABLE);
            if (password == null) {
                throw new IllegalArgumentException(
                        "--tls-keystore needs its password: --tls-password-file FILE or " + TLS_PASSWORD_VARIABLE);
            }
        }
        return new Gateway.Tls(tlsKeyStore, password);
    }
}

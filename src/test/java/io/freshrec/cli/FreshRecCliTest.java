package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.bench.RedisServer;
import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import io.freshrec.testing.EmbeddedRunSettings;
import io.freshrec.testing.JobJar;
import io.freshrec.testing.OracleSettings;
import io.freshrec.testing.ReferenceModel;
import io.freshrec.testing.TestPorts;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The command-line contract, end to end: the real {@code freshrec} commands with real arguments,
 * running the embedded job from the project's own {@code flink-conf/config.yaml}.
 */
class FreshRecCliTest {
    /**
     * Ports of this class only (TestPorts), so neither a FreshRec a developer has running nor another build interferes:
     * 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus, 5-6 nothing (a job that is not there).
     */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final String REST_PORT = PORTS.text(0);

    private static final String PROXY_PORT = PORTS.text(1);

    @TempDir
    Path work;

    private record Result(int code, String out, String err) {}

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FreshRecCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private List<String> runArgs(String... extra) {
        List<String> args = new ArrayList<>(List.of(
                "run",
                "--flink-conf",
                "flink-conf",
                "--dead-letters",
                work.resolve("dead").toString(),
                "--progress",
                "2s",
                "--registry",
                work.resolve("versions").toString()));
        args.addAll(EmbeddedRunSettings.of(PORTS, work));
        args.addAll(List.of(extra));
        return args;
    }

    @Test
    void shouldRunTheGeneratorAndAnswerLookupsFromAnotherCommand() throws Exception {
        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> cli(
                runArgs("--rate", "1500", "--users", "200", "--items", "300", "--bad-rate", "0.01", "--duration", "40s")
                        .toArray(String[]::new)));
        try {
            lookUpWhileRunning(run);
        } finally {
            // Never leave the embedded run (and its ports) behind for the next test.
            run.get(90, TimeUnit.SECONDS);
        }
    }

    @Test
    void shouldWriteNoSecretGivenToRunToAnyFileOrOutput() throws Exception {
        String jaas = "jaas-" + UUID.randomUUID();
        String keyPassword = "key-" + UUID.randomUUID();
        String redisPassword = "redis-" + UUID.randomUUID();
        // The Redis sink on, with a password in its URL: every list goes there, the password nowhere else.
        RedisServer redis = RedisServer.start(PORTS.port(7), work.resolve("redis-server"));
        try (Jedis jedis = redis.client()) {
            jedis.configSet("requirepass", redisPassword);
        }
        String redisUrl = "redis://:" + redisPassword + "@127.0.0.1:" + PORTS.port(7);
        Result finished;
        try {
            finished = cli(runArgs(
                            "--events",
                            "600",
                            "--rate",
                            "0",
                            "--users",
                            "50",
                            "--items",
                            "100",
                            "--bad-rate",
                            "0.02",
                            "--redis",
                            redisUrl,
                            "-D",
                            "freshrec.kafka.properties.sasl.jaas.config=org.apache.kafka.common.security.plain."
                                    + "PlainLoginModule required username=\"app\" password=\"" + jaas + "\";",
                            "-D",
                            "freshrec.kafka.properties.ssl.key.password=" + keyPassword,
                            "-D",
                            "freshrec.kafka.properties.sasl.client.callback.handler.class=${env:HANDLER}")
                    .toArray(String[]::new));
            try (Jedis jedis = redis.client()) {
                jedis.auth(redisPassword);
                assertThat(jedis.keys("freshrec:recs:*"))
                        .as("users' lists in Redis")
                        .hasSize(50);
            }
        } finally {
            redis.close();
        }
        assertThat(finished.out)
                .contains("Every recomputed list also to Redis: redis://:<redacted>@127.0.0.1:" + PORTS.port(7));
        assertThat(finished.code).as(finished.err).isZero();
        assertThat(finished.out + finished.err)
                .doesNotContain(jaas)
                .doesNotContain(keyPassword)
                .doesNotContain(redisPassword);

        // Every file the run wrote (version registry, checkpoints, dead letters, temporary files) and the log of
        // the Flink cluster it ran in.
        List<Path> written;
        try (var files = Files.walk(work)) {
            written = files.filter(Files::isRegularFile).toList();
        }
        assertThat(written).as("files the run wrote").hasSizeGreaterThan(3);
        List<Path> scanned = new ArrayList<>(written);
        Path log = Path.of("target", "test-logs", "tests.log");
        if (Files.isRegularFile(log)) {
            scanned.add(log);
        }
        for (Path file : scanned) {
            String content = new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1);
            assertThat(content)
                    .as("%s", file)
                    .doesNotContain(jaas)
                    .doesNotContain(keyPassword)
                    .doesNotContain(redisPassword);
        }
        String registry = Files.readString(work.resolve("versions").resolve("versions.json"));
        assertThat(registry)
                .contains("freshrec.kafka.properties.sasl.jaas.config=<redacted>")
                .contains("freshrec.kafka.properties.ssl.key.password=<redacted>")
                .contains("\"--redis\", \"redis://:<redacted>@127.0.0.1:" + PORTS.port(7))
                .as("a reference is no secret: kept")
                .contains("freshrec.kafka.properties.sasl.client.callback.handler.class=${env:HANDLER}");
    }

    @Test
    void shouldRefuseToSubmitASecretByValue() {
        Result submitted = cli(
                "submit",
                "--jar",
                work.resolve("none.jar").toString(),
                "-D",
                "freshrec.kafka.properties.ssl.truststore.password=hunter2");
        assertThat(submitted.code).isEqualTo(2);
        assertThat(submitted.err.trim())
                .isEqualTo("freshrec: -D freshrec.kafka.properties.ssl.truststore.password holds a secret by value,"
                        + " which would travel in the job's program arguments; reference it instead: -D"
                        + " freshrec.kafka.properties.ssl.truststore.password=${env:NAME} (resolved from the"
                        + " JobManager's environment), or a Kafka config provider")
                .doesNotContain("hunter2");
        Result redisPassword =
                cli("submit", "--jar", work.resolve("none.jar").toString(), "--redis", "redis://:hunter2@cache:6379");
        assertThat(redisPassword.code).isEqualTo(2);
        assertThat(redisPassword.err.trim())
                .isEqualTo("freshrec: --redis holds a secret by value, which would travel in the job's program"
                        + " arguments; reference it instead: --redis '${env:NAME}' (resolved from the JobManager's"
                        + " environment)")
                .doesNotContain("hunter2");
        // By reference it gets as far as the jar.
        Result referenced = cli(
                "submit",
                "--jar",
                work.resolve("none.jar").toString(),
                "-D",
                "freshrec.kafka.properties.ssl.truststore.password=${env:TRUSTSTORE_PASSWORD}");
        assertThat(referenced.err.trim()).startsWith("freshrec: no job jar at");
    }

    private void lookUpWhileRunning(CompletableFuture<Result> run) throws Exception {
        String[] lookup = {"--port", PROXY_PORT, "--flink-rest", "http://localhost:" + REST_PORT, "--timeout", "30s"};
        Result recommend = null;
        // Until user 1 has interacted and the first model versions reached serving.
        for (int attempt = 0; attempt < 30 && (recommend == null || !recommend.out.contains("  5. item ")); attempt++) {
            Thread.sleep(1000);
            recommend = cli(concat(new String[] {"recommend", "--user", "1", "--k", "5", "--repeat", "50"}, lookup));
        }
        assertThat(recommend.code).as(recommend.err).isZero();
        assertThat(recommend.out)
                .contains("user 1: model version")
                .contains("  1. item ")
                .contains("50 lookups: p50");
        assertThat(recommend.out.lines().filter(line -> line.matches("\\s+\\d+\\. item .*")))
                .hasSize(5);

        String item = recommend
                .out
                .lines()
                .filter(line -> line.startsWith("  1. item "))
                .findFirst()
                .orElseThrow()
                .replaceAll("^\\s+1\\. item (\\d+).*", "$1");
        Result similar = cli(concat(new String[] {"similar", "--item", item, "--k", "3"}, lookup));
        assertThat(similar.code).as(similar.err).isZero();
        assertThat(similar.out).contains("item " + item + ": norm");

        // The REST API of a run without --allow-submit takes no job jar, and answers other origins' scripts only
        // for the local web UI's origin.
        Result submitted = cli(
                "submit",
                "--flink-rest",
                "http://localhost:" + REST_PORT,
                "--jar",
                JobJar.build(work).toString(),
                "--registry",
                work.resolve("versions").toString());
        assertThat(submitted.code).isEqualTo(1);
        assertThat(submitted.err.trim())
                .isEqualTo(
                        "freshrec: the Flink REST API at http://localhost:" + REST_PORT + "/ does not accept job jars"
                                + " (web.submit.enable: false); start the embedded run with --allow-submit");
        HttpResponse<String> config = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + REST_PORT + "/config"))
                                .header("Origin", "http://attacker.example")
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(config.headers().allValues("Access-Control-Allow-Origin")).containsExactly("http://localhost:8081");

        Result unknown = cli(concat(new String[] {"recommend", "--user", "987654321"}, lookup));
        assertThat(unknown.code).isEqualTo(1);
        assertThat(unknown.err.trim())
                .isEqualTo("freshrec: unknown user 987654321: the job has no interactions of this user");

        Result finished = run.get(90, TimeUnit.SECONDS);
        assertThat(finished.code).as(finished.err).isZero();
        assertThat(finished.out)
                .contains("Look a user up from another terminal:  java -jar target/freshrec.jar recommend --user 1")
                .contains("recall@10 rolling")
                .contains("dead letters")
                .contains("Finished (CANCELED)");
        long progressLines = finished.out
                .lines()
                .filter(line -> line.matches("\\[\\s*\\d+s\\] events .*"))
                .count();
        assertThat(progressLines).isGreaterThanOrEqualTo(3);
        // A line whose event count grew since the line before (or since the start) shows a rate above 0.
        long before = 0;
        for (String line : finished.out
                .lines()
                .filter(line -> line.matches("\\[\\s*\\d+s\\] events .*"))
                .toList()) {
            long events = Long.parseLong(line.replaceAll("^\\[\\s*\\d+s\\] events ([\\d,]+) .*", "$1")
                    .replace(",", ""));
            if (events > before) {
                assertThat(line).as("rate of a line whose events grew").doesNotContain("(0/s)");
            }
            before = events;
        }
        // The broken 1% of generated records were counted, not lost.
        String last = finished.out
                .lines()
                .filter(line -> line.startsWith("Finished"))
                .findFirst()
                .orElseThrow();
        assertThat(last).doesNotContain(" 0 dead letters");
    }

    @Test
    void shouldReplayAFileToTheEndAndReportPrequentialRecall() throws Exception {
        Path ratings = work.resolve("u.data");
        StringBuilder lines = new StringBuilder();
        long second = 900_000_000L;
        for (int i = 0; i < 600; i++) {
            int user = 1 + i % 20;
            int item = 1 + (i * 7 + user) % 40;
            lines.append(user)
                    .append('\t')
                    .append(item)
                    .append('\t')
                    .append(1 + i % 5)
                    .append('\t')
                    .append(second + i)
                    .append('\n');
        }
        lines.append("oops\tthis\tis\tbad\n");
        Files.writeString(ratings, lines);
        Result result = cli(runArgs("--input", ratings.toString()).toArray(String[]::new));
        assertThat(result.code).as(result.err).isZero();
        assertThat(result.out)
                .containsPattern(
                        "Finished \\(FINISHED\\) after [\\d.]+ s: 600 events .*, 1 dead letters, prequential recall@10 0\\.\\d{4}");
    }

    @Test
    void shouldCountEventsOverTheUserRateLimitAmongTheDeadLettersOfARun() throws Exception {
        // One user rating every second for 10 minutes against a limit of 30 a minute, and one bad line.
        Path ratings = work.resolve("bot.data");
        StringBuilder lines = new StringBuilder();
        List<Interaction> events = new ArrayList<>();
        long second = 900_000_000L;
        for (int i = 0; i < 600; i++) {
            int item = 1 + i % 40;
            lines.append(7)
                    .append('\t')
                    .append(item)
                    .append("\t4\t")
                    .append(second + i)
                    .append('\n');
            events.add(new Interaction(7, item, EventType.RATING, 4, (second + i) * 1000));
        }
        lines.append("oops\tthis\tis\tbad\n");
        Files.writeString(ratings, lines);
        long refused = new ReferenceModel(OracleSettings.of(Map.of("freshrec.input.user-rate-limit", "30")), events)
                .rateLimited()
                .size();
        assertThat(refused).isBetween(200L, 300L);

        Result result = cli(runArgs("--input", ratings.toString(), "-D", "freshrec.input.user-rate-limit=30")
                .toArray(String[]::new));

        assertThat(result.code).as(result.err).isZero();
        assertThat(result.out).contains("Finished (FINISHED) after", "600 events", (refused + 1) + " dead letters");
        try (Stream<Path> files = Files.walk(work.resolve("dead"))) {
            String written = files.filter(Files::isRegularFile)
                    .map(file -> {
                        try {
                            return Files.readString(file);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                    })
                    .reduce("", String::concat);
            assertThat(written.split("rate-limited: user 7 over 30 events a minute", -1))
                    .hasSize((int) refused + 1);
        }
    }

    @Test
    void shouldRejectBadArgumentsWithOneLine() {
        Result badNumber = cli("recommend", "--user", "abc");
        assertThat(badNumber.code).isEqualTo(2);
        assertThat(badNumber.err.lines().findFirst().orElseThrow())
                .startsWith("freshrec: Invalid value for option '--user'");
        assertThat(badNumber.err).doesNotContain("\tat ");

        Result missing = cli("run", "--input", work.resolve("absent.csv").toString());
        assertThat(missing.code).isEqualTo(2);
        assertThat(missing.err.trim()).endsWith("absent.csv: no such file").doesNotContain("\n");

        Result badSetting =
                cli("run", "--flink-conf", "flink-conf", "-D", "freshrec.model.norm-exponent=7", "--events", "10");
        assertThat(badSetting.code).isEqualTo(2);
        assertThat(badSetting.err.trim()).isEqualTo("freshrec: freshrec.model.norm-exponent must be in [0, 1]");

        Result badRedis = cli("run", "--flink-conf", "flink-conf", "--redis", "redis://app:hunter2@cache:port");
        assertThat(badRedis.code).isEqualTo(2);
        assertThat(badRedis.err.trim())
                .isEqualTo("freshrec: --redis 'redis://app:<redacted>@cache:port' is not a Redis URL (no host;"
                        + " redis://[user:password@]host[:port][/db], rediss:// for TLS)");
        Result badRedisSetting =
                cli("run", "--flink-conf", "flink-conf", "-D", "freshrec.redis.url=127.0.0.1:6379", "--events", "10");
        assertThat(badRedisSetting.code).isEqualTo(2);
        assertThat(badRedisSetting.err.trim())
                .isEqualTo("freshrec: freshrec.redis.url '127.0.0.1:6379' is not a Redis URL"
                        + " (redis://[user:password@]host[:port][/db], rediss:// for TLS)");

        Result noConf = cli("run", "--flink-conf", work.resolve("nowhere").toString());
        assertThat(noConf.code).isEqualTo(2);
        assertThat(noConf.err.trim()).startsWith("freshrec: no config.yaml in");

        Result noJob = cli(
                "recommend",
                "--user",
                "1",
                "--port",
                PORTS.text(5),
                "--flink-rest",
                "http://localhost:" + PORTS.port(6),
                "--timeout",
                "1s");
        assertThat(noJob.code).isEqualTo(1);
        assertThat(noJob.err.trim())
                .startsWith("freshrec: no answer for user 1")
                .doesNotContain("\n");

        Result noCommand = cli();
        assertThat(noCommand.code).isEqualTo(2);
        assertThat(noCommand.err).contains("missing command");
    }

    private static String[] concat(String[] a, String[] b) {
        String[] all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}

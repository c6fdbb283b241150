package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.freshrec.testing.KafkaBrokerExtension;
import io.freshrec.testing.TestPorts;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * "Run on Kafka" as a user does it, against a real broker: {@code produce} writes generated
 * interactions, {@code run --kafka} learns from them, {@code recommend} answers, and the output topics
 * hold recommendations, model updates and dead letters for read_committed consumers.
 */
class KafkaCliTest {
    /** Ports of this class only (TestPorts): 0 REST, 1 queryable-state proxy, 2 state server, 3-4 Prometheus. */
    private static final TestPorts.Block PORTS = TestPorts.block();

    private static final String REST_PORT = PORTS.text(0);
    private static final String PROXY_PORT = PORTS.text(1);
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir
    Path work;

    @BeforeAll
    static void createTopics() throws Exception {
        for (String topic : List.of(
                "freshrec-interactions",
                "freshrec-dead-letters",
                "freshrec-model-updates",
                "freshrec-recommendations")) {
            KAFKA.broker().createTopic(topic, 2, Map.of());
        }
    }

    private record Result(int code, String out, String err) {}

    private static Result cli(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = FreshRecCli.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    @Test
    void shouldLearnFromProducedEventsAndWriteEveryOutputTopic() throws Exception {
        Result produced = cli(
                "produce",
                "--kafka",
                KAFKA.broker().bootstrapServers(),
                "--events",
                "4000",
                "--rate",
                "1000",
                "--users",
                "300",
                "--items",
                "400",
                "--bad-rate",
                "0.01",
                "--progress",
                "1s");
        // Paced over 4 s of event time: a model version commits when the watermark passes its publish
        // interval, and a burst shorter than that would leave the last version waiting for more traffic.
        assertThat(produced.code).as(produced.err).isZero();
        assertThat(produced.out).contains("Done: 4,000 events sent, 4,000 acknowledged, 0 failed");

        CompletableFuture<Result> run = CompletableFuture.supplyAsync(() -> cli(
                "run",
                "--flink-conf",
                "flink-conf",
                "--kafka",
                KAFKA.broker().bootstrapServers(),
                "--kafka-starting-offsets",
                "earliest",
                "--duration",
                "45s",
                "--progress",
                "3s",
                "-D",
                "rest.port=" + REST_PORT,
                "-D",
                "queryable-state.proxy.ports=" + PROXY_PORT,
                "-D",
                "queryable-state.server.ports=" + PORTS.port(2),
                "-D",
                "metrics.reporter.prom.port=" + PORTS.range(3, 4),
                "-D",
                "execution.checkpointing.interval=1 s",
                "-D",
                "execution.checkpointing.dir=" + work.resolve("checkpoints").toUri(),
                "-D",
                "io.tmp.dirs=" + work.resolve("tmp"),
                // This test's own registry and dead letters, not the checkout's savepoints/ and target/.
                "--registry",
                work.resolve("versions").toString(),
                "--dead-letters",
                work.resolve("dead-letters").toString()));
        try {
            Result recommend = null;
            for (int attempt = 0;
                    attempt < 40 && (recommend == null || !recommend.out.contains("  3. item "));
                    attempt++) {
                Thread.sleep(1000);
                recommend = cli(
                        "recommend",
                        "--user",
                        "1",
                        "--k",
                        "3",
                        "--port",
                        PROXY_PORT,
                        "--flink-rest",
                        "http://localhost:" + REST_PORT,
                        "--timeout",
                        "20s");
            }
            assertThat(recommend.code).as(recommend.err).isZero();
            assertThat(recommend.out).contains("user 1: model version").contains("  3. item ");
        } finally {
            Result finished = run.get(120, TimeUnit.SECONDS);
            assertThat(finished.code).as(finished.err).isZero();
            assertThat(finished.out)
                    .contains("Dead letters: Kafka topic freshrec-dead-letters")
                    .contains("Finished (CANCELED)");
        }

        List<ConsumerRecord<byte[], byte[]>> lists =
                KAFKA.broker().readCommitted("freshrec-recommendations", Duration.ofSeconds(20));
        assertThat(lists).isNotEmpty();
        JsonNode list = JSON.readTree(lists.get(0).value());
        assertThat(new String(lists.get(0).key())).isEqualTo(list.get("userId").asText());
        // Lists fill as the model learns: the later ones hold recommendations.
        assertThat(lists)
                .anySatisfy(record -> assertThat(
                                JSON.readTree(record.value()).get("items").size())
                        .isGreaterThan(0));
        List<String> updateKeys = new ArrayList<>();
        KAFKA.broker()
                .readCommitted("freshrec-model-updates", Duration.ofSeconds(20))
                .forEach(r -> updateKeys.add(new String(r.key())));
        assertThat(updateKeys).contains("commit").anyMatch(key -> key.matches("\\d+"));
        // About 1% of the generated records are malformed on purpose: each became a dead letter with its reason.
        List<ConsumerRecord<byte[], byte[]>> letters =
                KAFKA.broker().readCommitted("freshrec-dead-letters", Duration.ofSeconds(20));
        assertThat(letters).hasSizeBetween(10, 100);
        assertThat(JSON.readTree(letters.get(0).value()).get("reason").asText()).contains(":");
    }

    @Test
    void shouldFailWithOneLineWhenNoBrokerAnswers() {
        Result result = cli(
                "produce",
                "--kafka",
                "127.0.0.1:1",
                "--events",
                "5",
                "-X",
                "max.block.ms=1500",
                "-X",
                "delivery.timeout.ms=3000",
                "-X",
                "request.timeout.ms=1000");
        assertThat(result.code).isEqualTo(1);
        assertThat(result.err.trim())
                .startsWith("freshrec: ")
                .doesNotContain("\n")
                .doesNotContain("\tat ");

        Result badRate = cli("produce", "--rate", "-1");
        assertThat(badRate.code).isEqualTo(2);
        assertThat(badRate.err.trim()).isEqualTo("freshrec: --rate must be >= 0");

        Result badOffsets =
                cli("run", "--flink-conf", "flink-conf", "--kafka", "127.0.0.1:1", "--kafka-starting-offsets", "soon");
        assertThat(badOffsets.code).isEqualTo(2);
        assertThat(badOffsets.err.trim())
                .isEqualTo(
                        "freshrec: freshrec.kafka.starting-offsets: 'soon' is not one of committed, earliest, latest, timestamp:EPOCH_MS");
    }
}

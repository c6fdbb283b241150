package io.freshrec.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {
    @ParameterizedTest
    @ValueSource(
            strings = {
                "freshrec.kafka.properties.sasl.jaas.config",
                "freshrec.kafka.properties.ssl.key.password",
                "freshrec.kafka.properties.ssl.keystore.key",
                "freshrec.kafka.properties.ssl.truststore.password",
                "fs.azure.account.key.store.blob.core.windows.net",
                "s3.secret-key",
                "metrics.reporter.x.apikey",
                "freshrec.redis.token",
                "gateway.client-secret",
                "my.credentials.file",
                "basic-auth"
            })
    void shouldTakeKeysNamingASecretAsSensitive(String key) {
        assertThat(Secrets.isSensitive(key)).isTrue();
        assertThat(Secrets.isSensitive(key.toUpperCase())).isTrue();
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "freshrec.model.history-length",
                "freshrec.kafka.bootstrap-servers",
                "freshrec.kafka.properties.key.serializer",
                "freshrec.kafka.properties.value.deserializer",
                "freshrec.kafka.properties.sasl.mechanism",
                "freshrec.kafka.topic.interactions",
                "rest.port",
                "monkey.business"
            })
    void shouldLeaveOrdinaryKeysAlone(String key) {
        assertThat(Secrets.isSensitive(key)).isFalse();
    }

    @Test
    void shouldHideTheValuesOfSecretSettingsInArgumentListsButNotReferences() {
        List<String> args = List.of(
                "--kafka",
                "broker:9092",
                "-D",
                "freshrec.kafka.properties.ssl.key.password=hunter2",
                "--set",
                "freshrec.kafka.properties.sasl.jaas.config=x required password=\"p\";",
                "-Dfreshrec.kafka.properties.ssl.truststore.password=pw",
                "--set=api.token=t",
                "-D",
                "freshrec.kafka.properties.ssl.keystore.password=${env:KEYSTORE_PASSWORD}",
                "-D",
                "freshrec.kafka.properties.sasl.jaas.config2=${file:/etc/kafka/secrets.properties:jaas}",
                "-D",
                "freshrec.model.history-length=20",
                "-D");
        List<String> shown = Secrets.redactArgs(args);
        assertThat(shown)
                .containsExactly(
                        "--kafka",
                        "broker:9092",
                        "-D",
                        "freshrec.kafka.properties.ssl.key.password=<redacted>",
                        "--set",
                        "freshrec.kafka.properties.sasl.jaas.config=<redacted>",
                        "-Dfreshrec.kafka.properties.ssl.truststore.password=<redacted>",
                        "--set=api.token=<redacted>",
                        "-D",
                        "freshrec.kafka.properties.ssl.keystore.password=${env:KEYSTORE_PASSWORD}",
                        "-D",
                        "freshrec.kafka.properties.sasl.jaas.config2=${file:/etc/kafka/secrets.properties:jaas}",
                        "-D",
                        "freshrec.model.history-length=20",
                        "-D");
        assertThat(Secrets.redactedKeys(shown))
                .containsExactly(
                        "freshrec.kafka.properties.ssl.key.password",
                        "freshrec.kafka.properties.sasl.jaas.config",
                        "freshrec.kafka.properties.ssl.truststore.password",
                        "api.token");
        assertThat(Secrets.redactedKeys(args)).isEmpty();
    }

    @Test
    void shouldHideUrlPasswordsInArgumentListsAndNameWhereTheyWere() {
        List<String> args = List.of(
                "--redis",
                "redis://app:hunter2@cache:6379/1",
                "-D",
                "freshrec.redis.url=rediss://:hunter2@cache",
                "-Dfreshrec.other.url=redis://cache:6379",
                "--set=freshrec.third.url=redis://${env:REDIS_USER}:${env:REDIS_PASSWORD}@cache");
        List<String> shown = Secrets.redactArgs(args);

        assertThat(shown)
                .containsExactly(
                        "--redis",
                        "redis://app:<redacted>@cache:6379/1",
                        "-D",
                        "freshrec.redis.url=rediss://:<redacted>@cache",
                        "-Dfreshrec.other.url=redis://cache:6379",
                        "--set=freshrec.third.url=redis://${env:REDIS_USER}:${env:REDIS_PASSWORD}@cache");
        assertThat(String.join(" ", shown)).doesNotContain("hunter2");
        assertThat(Secrets.redactedKeys(shown)).containsExactly("--redis", "freshrec.redis.url");
        assertThat(Secrets.asReference("--redis")).isEqualTo("--redis '${env:NAME}'");
        assertThat(Secrets.asReference("freshrec.redis.url")).isEqualTo("-D freshrec.redis.url=${env:NAME}");
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("freshrec.redis.url", "redis://:hunter2@cache");
        overrides.put("freshrec.other.url", "redis://:${env:REDIS_PASSWORD}@cache");
        overrides.put("freshrec.third.url", "${env:REDIS_URL}");
        assertThat(Secrets.givenByValue(overrides)).containsExactly("freshrec.redis.url");
        assertThat(Secrets.shown("freshrec.redis.url", "redis://:hunter2@cache"))
                .isEqualTo("redis://:<redacted>@cache");
    }

    @Test
    void shouldNameTheSettingsThatHoldASecretByValue() {
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put("freshrec.model.history-length", "20");
        overrides.put("freshrec.kafka.properties.ssl.keystore.password", "${env:KEYSTORE_PASSWORD}");
        overrides.put("freshrec.kafka.properties.ssl.key.password", "hunter2");
        assertThat(Secrets.givenByValue(overrides)).containsExactly("freshrec.kafka.properties.ssl.key.password");
    }

    @Test
    void shouldResolveEnvironmentReferencesAndNameTheSettingOfAMissingOne() {
        Map<String, String> env = Map.of("KAFKA_USER", "app", "KAFKA_PASSWORD", "s3cr$t\\1");
        assertThat(Secrets.resolve(
                        "k", "x required username=\"${env:KAFKA_USER}\" password=\"${env:KAFKA_PASSWORD}\";", env::get))
                .isEqualTo("x required username=\"app\" password=\"s3cr$t\\1\";");
        assertThat(Secrets.resolve("k", "plain", env::get)).isEqualTo("plain");
        assertThat(Secrets.resolve("k", "${file:/etc/x.properties:jaas}", env::get))
                .as("a Kafka config provider's reference is Kafka's to resolve")
                .isEqualTo("${file:/etc/x.properties:jaas}");
        assertThatThrownBy(() -> Secrets.resolve("freshrec.kafka.properties.ssl.key.password", "${env:NOPE}", env::get))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("freshrec.kafka.properties.ssl.key.password: environment variable NOPE is not set"
                        + " (referenced as ${env:NOPE})");
    }
}

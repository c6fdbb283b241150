package io.freshrec.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.freshrec.ops.Secrets;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class RedisEndpointTest {
    @ParameterizedTest
    @CsvSource({
        "redis://127.0.0.1:6379, 127.0.0.1, 6379, 0, false",
        "redis://cache.internal, cache.internal, 6379, 0, false",
        "redis://cache:7000/3, cache, 7000, 3, false",
        "rediss://app:s3cret@cache:6380/, cache, 6380, 0, true",
        "redis://:s3cret@[::1]:6379/2, ::1, 6379, 2, false",
        "REDIS://cache:1, cache, 1, 0, false"
    })
    void shouldReadHostPortDatabaseAndTls(String url, String host, int port, int database, boolean tls) {
        RedisEndpoint endpoint = RedisEndpoint.parse("url", url);

        assertThat(endpoint.host()).isEqualTo(host);
        assertThat(endpoint.port()).isEqualTo(port);
        assertThat(endpoint.database()).isEqualTo(database);
        assertThat(endpoint.tls()).isEqualTo(tls);
        assertThat(endpoint.toString()).doesNotContain("s3cret");
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "127.0.0.1:6379",
                "http://cache:6379",
                "redis://",
                "redis://cache:6379/db0",
                "redis://cache:6379/-1",
                "redis://cache:99999",
                "redis://cache:6379?timeout=1",
                "redis://s3cret@cache:6379",
                "redis://app:s3 cret@cache",
                "redis://app:s3cret@cache:port",
                "redis ://app:s3cret@cache"
            })
    void shouldRefuseWhatIsNotARedisUrlInOneLineWithoutThePassword(String url) {
        assertThatThrownBy(() -> RedisEndpoint.parse(RedisOptions.URL.key(), url))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith(RedisOptions.URL.key() + " '")
                .hasMessageContaining("is not a Redis URL")
                .hasMessageContaining("redis://[user:password@]host[:port][/db]")
                .hasMessageNotContaining("s3")
                .hasMessageNotContaining("\n");
    }

    @Test
    void shouldValidateTheSettingsAndResolveReferencesWhereTheGraphIsBuilt() {
        Configuration conf = new Configuration();
        assertThat(RedisOptions.enabled(conf)).isFalse();
        conf.set(RedisOptions.URL, "redis://app:s3cret@cache:6379/1");

        RedisSettings settings = RedisOptions.settings(conf);

        assertThat(settings.keyPrefix()).isEqualTo("freshrec:");
        assertThat(settings.batchSize()).isEqualTo(500);
        assertThat(settings.flushIntervalMs()).isEqualTo(100);
        assertThat(settings.ttlMs()).isZero();
        assertThat(settings.shownUrl()).isEqualTo("redis://app:<redacted>@cache:6379/1");
        assertThat(settings.toString()).doesNotContain("s3cret");

        conf.set(RedisOptions.URL, "redis://:${env:FRESHREC_TEST_NO_SUCH_VARIABLE}@cache");
        assertThatThrownBy(() -> RedisOptions.settings(conf))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("freshrec.redis.url: environment variable FRESHREC_TEST_NO_SUCH_VARIABLE is not set"
                        + " (referenced as ${env:FRESHREC_TEST_NO_SUCH_VARIABLE})");
        conf.set(RedisOptions.URL, "redis://cache");
        conf.setString(RedisOptions.BATCH_SIZE.key(), "0");
        assertThatThrownBy(() -> RedisOptions.settings(conf))
                .hasMessage("freshrec.redis.batch-size must be at least 1");
    }

    @Test
    void shouldHideUrlPasswordsButNotReferences() {
        assertThat(Secrets.withoutUrlPasswords("redis://app:s3cret@cache:6379/1"))
                .isEqualTo("redis://app:<redacted>@cache:6379/1");
        assertThat(Secrets.withoutUrlPasswords("redis://:s3cret@cache")).isEqualTo("redis://:<redacted>@cache");
        assertThat(Secrets.withoutUrlPasswords("redis://token@cache")).isEqualTo("redis://<redacted>@cache");
        assertThat(Secrets.withoutUrlPasswords("redis://app:s3/cr@t@cache")).isEqualTo("redis://app:<redacted>@cache");
        assertThat(Secrets.withoutUrlPasswords("redis://app:${env:REDIS_PASSWORD}@cache"))
                .isEqualTo("redis://app:${env:REDIS_PASSWORD}@cache");
        assertThat(Secrets.withoutUrlPasswords("redis://cache:6379")).isEqualTo("redis://cache:6379");
        assertThat(Secrets.withoutUrlPasswords("a redis://a:b@h and rediss://c:d@i/2 end"))
                .isEqualTo("a redis://a:<redacted>@h and rediss://c:<redacted>@i/2 end");
    }
}

package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.EventType;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.kafka.KafkaOptions;
import io.freshrec.redis.RedisOptions;
import io.freshrec.versions.VersionOptions;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ConfigurationDocsTest {

    /** Set to true (-Dfreshrec.docs.write=true) to rewrite the page instead of comparing it. */
    private static final String WRITE = "freshrec.docs.write";

    private static Path page() {
        return Path.of(System.getProperty("basedir", ".")).resolve(ConfigurationDocs.PAGE);
    }

    @Test
    void checkedInPageShouldMatchTheOptions() throws Exception {
        String generated = ConfigurationDocs.render();
        if (Boolean.getBoolean(WRITE)) {
            ConfigurationDocs.write(page());
        }

        assertThat(Files.exists(page()))
                .as("%s exists; create it with: %s", ConfigurationDocs.PAGE, ConfigurationDocs.REGENERATE)
                .isTrue();
        assertThat(Files.readString(page(), StandardCharsets.UTF_8))
                .as(
                        "%s is out of date: regenerate it from the project directory with: %s",
                        ConfigurationDocs.PAGE, ConfigurationDocs.REGENERATE)
                .isEqualTo(generated);
    }

    @Test
    void everyFreshRecOptionShouldHaveADescription() {
        List<ConfigurationDocs.Option> options = ConfigurationDocs.options();

        assertThat(options).isNotEmpty();
        for (ConfigurationDocs.Option option : options) {
            assertThat(option.key()).startsWith("freshrec.");
            assertThat(option.description())
                    .as("description of %s", option.key())
                    .isNotBlank();
        }
    }

    @Test
    void shouldCollectEveryOptionOnceIncludingTheDerivedWeights() {
        List<String> keys = ConfigurationDocs.options().stream()
                .map(ConfigurationDocs.Option::key)
                .collect(Collectors.toList());

        assertThat(keys)
                .doesNotHaveDuplicates()
                .contains(
                        FreshRecOptions.HISTORY_LENGTH.key(),
                        FreshRecOptions.WEIGHT_RATING_SLOPE.key(),
                        KafkaOptions.BOOTSTRAP_SERVERS.key(),
                        RedisOptions.URL.key(),
                        VersionOptions.RETAIN.key());
        FreshRecOptions.WEIGHTS.values().forEach(option -> assertThat(keys).contains(option.key()));
        // 36 in FreshRecOptions (4 of them derived from EventType), 11 in KafkaOptions, 5 in RedisOptions, 3 in
        // VersionOptions.
        assertThat(keys).hasSize(61);
    }

    @Test
    void pageShouldListEveryEventTypeAndRenderDurationsAndMissingDefaults() {
        String page = ConfigurationDocs.render();

        for (EventType type : EventType.values()) {
            assertThat(page).contains("| `" + type.wireName() + "` | ");
        }
        assertThat(page)
                .contains("| `freshrec.model.similarity-half-life` | Duration | `730 d` |")
                .contains("| `freshrec.model.history-half-life` | Duration | `15 min` |")
                .contains("| `freshrec.model.publish-interval` | Duration | `200 ms` |")
                .contains("| `freshrec.model.weight.add-to-cart` | Double | `4.0` |")
                .contains("| `freshrec.kafka.bootstrap-servers` | String | (none) |")
                .contains("| `freshrec.gate.quality.min-scored` | Integer | (none) |");
    }
}

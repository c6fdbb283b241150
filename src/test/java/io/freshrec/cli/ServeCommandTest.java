package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.CliRun;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** `freshrec serve`'s bad input: one line on standard error, exit 2, no stack trace, no token. */
class ServeCommandTest {
    @TempDir
    Path dir;

    private static CliRun cli(String... args) {
        return CliRun.of(args);
    }

    private static void assertOneLine(CliRun result, String expected) {
        assertThat(result.code()).as(result.err()).isEqualTo(2);
        assertThat(result.err().strip()).contains(expected).doesNotContain("\n").doesNotContain("\tat ");
    }

    @Test
    void shouldRefuseToStartWithoutTokensOrWithBadOnes() throws Exception {
        // (The variable FRESHREC_GATEWAY_TOKENS is not set for the tests.)
        assertThat(System.getenv(ServeCommand.TOKENS_VARIABLE)).isNull();
        assertOneLine(cli("serve", "--port", "0"), "the gateway needs API tokens");
        assertOneLine(cli("serve", "--token-file", dir.resolve("absent").toString()), "cannot read the token file");
        Path weak = dir.resolve("weak");
        Files.writeString(weak, "shop s3cret\n");
        CliRun short_ = cli("serve", "--token-file", weak.toString());
        assertOneLine(short_, "shorter than 16 characters");
        assertThat(short_.err()).doesNotContain("s3cret");
        Path good = dir.resolve("good");
        Files.writeString(good, "shop 0123456789abcdef0123\n");
        assertOneLine(cli("serve", "--token-file", good.toString(), "--port", "70000"), "--port must be in 0..65535");
        assertOneLine(
                cli(
                        "serve",
                        "--token-file",
                        good.toString(),
                        "--tls-keystore",
                        dir.resolve("none.p12").toString()),
                "cannot read the key store");
        assertOneLine(
                cli("serve", "--token-file", good.toString(), "--max-batch", "0"), "--max-batch must be at least 1");
    }
}

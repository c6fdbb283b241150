package io.freshrec.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GatewayTokensTest {
    private static final String A = "aaaaaaaaaaaaaaaaaaaa-secret-1";
    private static final String B = "bbbbbbbbbbbbbbbbbbbb-secret-2";

    @TempDir
    Path dir;

    @Test
    void shouldReadClientsTokensScopesAndSkipComments() throws Exception {
        Path file = dir.resolve("tokens");
        Files.writeString(file, "# the shop's backend\n\nshop " + A + "   lookups  # read only\n  ops\t" + B + "\n");
        GatewayTokens tokens = GatewayTokens.fromFile(file);
        assertThat(tokens.clientNames()).containsExactly("shop", "ops");
        GatewayTokens.Client shop = tokens.authenticate(A).orElseThrow();
        assertThat(shop.name()).isEqualTo("shop");
        assertThat(shop.may(GatewayTokens.Scope.LOOKUPS)).isTrue();
        assertThat(shop.may(GatewayTokens.Scope.MODEL)).isFalse();
        GatewayTokens.Client ops = tokens.authenticate(B).orElseThrow();
        assertThat(ops.may(GatewayTokens.Scope.LOOKUPS)).isTrue();
        assertThat(ops.may(GatewayTokens.Scope.MODEL)).isTrue();
    }

    @Test
    void shouldAcceptOnlyTheExactToken() {
        GatewayTokens tokens = GatewayTokens.fromText("shop " + A + "; ops " + B, "variable X");
        assertThat(tokens.authenticate(A)).isPresent();
        assertThat(tokens.authenticate(A + " ")).isEmpty();
        assertThat(tokens.authenticate(A.substring(1))).isEmpty();
        assertThat(tokens.authenticate(A.toUpperCase())).isEmpty();
        assertThat(tokens.authenticate("")).isEmpty();
        assertThat(tokens.authenticate(null)).isEmpty();
        assertThat(tokens.authenticate(B).orElseThrow().name()).isEqualTo("ops");
    }

    @Test
    void shouldRefuseBadFilesInOneLineThatNeverShowsAToken() {
        List<String[]> cases = List.of(
                new String[] {"shop " + A + "\nshop " + B, "line 2: client 'shop' is named twice"},
                new String[] {"shop " + A + "\nops " + A, "line 2: client 'ops' has another client's token"},
                new String[] {"shop short-token", "line 1: the token of client 'shop' is shorter than 16"},
                new String[] {"shop", "line 1: expected 'NAME TOKEN [SCOPE,...]' (1 fields)"},
                new String[] {"shop " + A + " lookups,admin", "line 1: unknown scope 'admin'"},
                new String[] {"# nothing\n", "has no token"});
        for (String[] c : cases) {
            assertThatThrownBy(() -> GatewayTokens.fromText(c[0], "tokens"))
                    .isInstanceOf(IllegalArgumentException.class)
                    .satisfies(e -> assertThat(e.getMessage())
                            .contains(c[1])
                            .doesNotContain("\n")
                            .doesNotContain(A)
                            .doesNotContain(B)
                            .doesNotContain("short-token"));
        }
        assertThatThrownBy(() -> GatewayTokens.fromFile(dir.resolve("absent")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("cannot read the token file");
    }

    @Test
    void shouldLetThroughABurstThenTheRate() {
        RequestRateLimit limit = new RequestRateLimit(4);
        long t = 1_000_000_000L;
        for (int i = 0; i < 4; i++) {
            assertThat(limit.admit("a", t)).isZero();
        }
        long wait = limit.admit("a", t);
        assertThat(wait).isEqualTo(250_000_000L);
        assertThat(limit.admit("b", t)).as("another client").isZero();
        assertThat(limit.admit("a", t + 250_000_000L)).isZero();
        assertThat(limit.admit("a", t + 250_000_000L)).isPositive();
        // A long pause refills a burst, no more.
        long later = t + 60_000_000_000L;
        for (int i = 0; i < 4; i++) {
            assertThat(limit.admit("a", later)).isZero();
        }
        assertThat(limit.admit("a", later)).isPositive();
        assertThat(new RequestRateLimit(0).admit("a", t)).isZero();
    }
}

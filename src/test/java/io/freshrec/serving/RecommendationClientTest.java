package io.freshrec.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.freshrec.testing.TestPorts;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import org.apache.flink.api.common.JobID;
import org.junit.jupiter.api.Test;

/**
 * The lookup client against a proxy that is down and then back. Flink's queryable-state client can keep a connection
 * attempt that failed at once (refused on loopback) in its connection table for good, after which every request to
 * that proxy fails with the old "Connection refused" although the proxy listens again: a TaskManager restart would
 * leave a long-lived client (the gateway, a lookup loop) blind. RecommendationClient starts a fresh Flink client after
 * a connection failure.
 */
class RecommendationClientTest {
    private final TestPorts.Block ports = TestPorts.block();

    @Test
    void shouldReachAProxyThatListensAgainAfterRefusedConnections() throws Exception {
        int port = ports.port(0);
        try (RecommendationClient client = new RecommendationClient(
                "localhost", port, URI.create("http://localhost:1"), JobID.generate(), Duration.ofMillis(300))) {
            // Many refused attempts, as a lookup loop makes while a TaskManager restarts. (A lookup retries until its
            // timeout: on a loaded machine the attempt under way at the deadline can make it read "timed out", so
            // refusals are counted rather than required of every lookup.)
            int refused = 0;
            for (int i = 0; i < 40; i++) {
                Throwable failure = catchThrowable(() -> client.recommendations(1L));
                assertThat(failure).isInstanceOf(LookupException.class);
                if (failure.getMessage().contains("Connection refused")) {
                    refused++;
                }
            }
            assertThat(refused).as("lookups refused").isPositive();
            // A server that accepts and never answers: a client that connects again times out instead of being
            // refused.
            try (ServerSocket proxy = new ServerSocket()) {
                proxy.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
                for (int attempt = 0; attempt < 3; attempt++) {
                    int i = attempt;
                    assertThatThrownBy(() -> client.recommendations(1L))
                            .isInstanceOf(LookupException.class)
                            .satisfies(e -> assertThat(e.getMessage())
                                    .as("lookup %d once the port listens", i)
                                    .doesNotContain("Connection refused")
                                    .contains("timed out"));
                }
            }
        }
    }
}

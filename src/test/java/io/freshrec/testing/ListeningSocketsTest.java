package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import org.junit.jupiter.api.Test;

class ListeningSocketsTest {
    private final TestPorts.Block ports = TestPorts.block();

    @Test
    void shouldReadKernelAddresses() {
        assertThat(ListeningSockets.address("0100007F")).isEqualTo("127.0.0.1");
        assertThat(ListeningSockets.address("00000000")).isEqualTo("0.0.0.0");
        assertThat(ListeningSockets.address("0000000000000000FFFF00000100007F")).isEqualTo("127.0.0.1");
        assertThat(ListeningSockets.address("00000000000000000000000000000000")).isEqualTo("::");
        assertThat(ListeningSockets.address("00000000000000000000000001000000")).isEqualTo("::1");
    }

    @Test
    void shouldTellALoopbackServerFromOneOnEveryInterface() throws Exception {
        try (ServerSocket loopback = new ServerSocket();
                ServerSocket everywhere = new ServerSocket()) {
            loopback.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), ports.port(0)));
            everywhere.bind(new InetSocketAddress(ports.port(1)));
            assertThat(ListeningSockets.addresses(ports.port(0))).containsExactly("127.0.0.1");
            assertThat(ListeningSockets.addresses(ports.port(1)))
                    .singleElement()
                    .isIn("0.0.0.0", "::");
        }
        assertThat(ListeningSockets.addresses(ports.port(0))).isEmpty();
    }
}

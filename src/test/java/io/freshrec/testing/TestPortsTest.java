package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Blocks of ports are never handed to two JVMs at once (a real second JVM holds some), never twice in one JVM, never
 * with a port that something already listens on, and never in the ephemeral range.
 *
 * <p>The candidate blocks of these tests are blocks the shared allocator handed to this JVM, so no other test or
 * build binds their ports meanwhile; the allocators under test lock them in a directory of their own.
 */
class TestPortsTest {
    @TempDir
    Path locks;

    @Test
    void shouldNeverHandTheSameBlockToTwoJvms() throws Exception {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            candidates.add(TestPorts.block().first());
        }
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                TestPorts.class.getName(),
                locks.toString(),
                "4"));
        candidates.forEach(first -> command.add(first.toString()));
        Process other = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            // Both take blocks at the same time: this JVM four, the other four.
            TestPorts here = new TestPorts(candidates, locks);
            Set<Integer> mine = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                mine.add(here.next(1).first());
            }
            BufferedReader out =
                    new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            Set<Integer> theirs = new HashSet<>();
            String line;
            List<String> lines = new ArrayList<>();
            while ((line = out.readLine()) != null && !line.equals("held")) {
                lines.add(line);
                if (line.matches("\\d+")) {
                    theirs.add(Integer.parseInt(line));
                }
            }
            assertThat(line).as("the other JVM's output: %s", lines).isEqualTo("held");

            assertThat(theirs).hasSize(4).doesNotContainAnyElementsOf(mine);
            assertThat(mine).hasSize(4);
            Set<Integer> all = new HashSet<>(mine);
            all.addAll(theirs);
            assertThat(all).containsExactlyInAnyOrderElementsOf(candidates);
            // Every block is held by one JVM or the other: none left.
            assertThatThrownBy(() -> here.next(1)).isInstanceOf(IllegalStateException.class);

            // The other JVM ends: the kernel releases its locks and its blocks can be taken here.
            other.getOutputStream().close();
            assertThat(other.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(other.exitValue()).isZero();
            Set<Integer> released = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                released.add(here.next(1).first());
            }
            assertThat(released).isEqualTo(theirs);
        } finally {
            other.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void shouldSkipABlockWithAPortSomethingListensOn(boolean loopbackOnly) throws Exception {
        int busyBlock = TestPorts.block().first();
        int freeBlock = TestPorts.block().first();
        TestPorts ports = new TestPorts(List.of(busyBlock, freeBlock), locks);
        InetSocketAddress address = loopbackOnly
                ? new InetSocketAddress(InetAddress.getLoopbackAddress(), busyBlock + 7)
                : new InetSocketAddress(busyBlock + 7);
        try (ServerSocket listening = new ServerSocket()) {
            listening.bind(address);
            assertThat(TestPorts.bindable(busyBlock + 7)).isFalse();
            // Tried in a random order: whichever comes first, only the free block is handed out.
            assertThat(ports.next(1).first()).isEqualTo(freeBlock);
            assertThatThrownBy(() -> ports.next(1))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("no 16 free ports in a row among 2 candidate blocks");
        }
    }

    @Test
    void shouldNeverHandTheSameBlockTwiceInOneJvm() {
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            TestPorts.Block block = TestPorts.block();
            assertThat(block.size()).isEqualTo(TestPorts.BLOCK_SIZE);
            assertThat(block.first() % TestPorts.BLOCK_SIZE).isZero();
            for (int offset = 0; offset < block.size(); offset++) {
                assertThat(ports.add(block.port(offset)))
                        .as("port %d handed out once", block.port(offset))
                        .isTrue();
            }
        }
        int[] ephemeral = TestPorts.ephemeralRange();
        assertThat(ports).allMatch(port -> port < ephemeral[0] || port > ephemeral[1]);
    }

    @Test
    void shouldHandOutAdjacentBlocksForALargerLayout() throws Exception {
        List<Integer> candidates = new ArrayList<>();
        TestPorts.Block two = TestPorts.ports(32);
        assertThat(two.size()).isEqualTo(32);
        assertThat(two.port(31)).isEqualTo(two.first() + 31);
        assertThatThrownBy(() -> two.port(32)).isInstanceOf(IndexOutOfBoundsException.class);

        // Of a lone block and two adjacent ones, only the adjacent make 32 ports in a row.
        int lone;
        do {
            lone = TestPorts.block().first();
        } while (lone + TestPorts.BLOCK_SIZE == two.first());
        candidates.add(lone);
        candidates.add(two.first());
        candidates.add(two.first() + TestPorts.BLOCK_SIZE);
        TestPorts ports = new TestPorts(candidates, locks);
        assertThat(ports.next(2)).isEqualTo(new TestPorts.Block(two.first(), 32));
        assertThat(ports.next(1).first()).isEqualTo(lone);
    }

    @Test
    void shouldKeepCandidatesInTheRangeAndOutOfTheEphemeralPorts() {
        List<Integer> blocks = TestPorts.candidates(TestPorts.range("20001-20100"), new int[] {20040, 20070});
        // Whole aligned blocks inside 20001-20100, none touching 20040-20070.
        assertThat(blocks).containsExactly(20016, 20080);
        assertThat(TestPorts.candidates(TestPorts.range("20000-25999"), new int[] {32768, 60999}))
                .hasSize(375);
        assertThat(TestPorts.range("32768\t60999\n")).containsExactly(32768, 60999);
        assertThatThrownBy(() -> TestPorts.range("80-90")).isInstanceOf(IllegalArgumentException.class);
    }
}

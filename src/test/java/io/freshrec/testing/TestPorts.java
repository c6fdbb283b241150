package io.freshrec.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for the servers a test class starts on ports it must know in advance (Flink REST, queryable-state proxy and
 * server, Prometheus, a Kafka broker, redis, a standalone cluster): each {@link #block()} is a run of consecutive
 * ports that no other class of this build, no other build and no other test JVM on this machine is handed.
 *
 * <p>How: the ports are cut into blocks of {@link #BLOCK_SIZE} starting at multiples of 16, in {@code 20000-25999}
 * (away from the defaults of FreshRec, its scripts and its bench) minus the kernel's ephemeral range
 * ({@code /proc/sys/net/ipv4/ip_local_port_range}), so outgoing connections and port-0 servers never take one. A block
 * is handed out only when this JVM gets an exclusive lock on its file under {@code java.io.tmpdir/freshrec-test-ports}
 * (a file lock: another JVM, even of another clone, skips it; the kernel releases it when the JVM ends, however it
 * ends) and every port binds on 127.0.0.1 and on the wildcard address (so one held by a program that takes no lock is
 * skipped). A block stays held until the JVM exits. {@code -Dfreshrec.test.ports=FROM-TO} moves the range.
 */
public final class TestPorts {
    public static final int BLOCK_SIZE = 16;
    static final String RANGE_PROPERTY = "freshrec.test.ports";
    static final String DEFAULT_RANGE = "20000-25999";

    private static final TestPorts SHARED = new TestPorts(
            candidates(range(System.getProperty(RANGE_PROPERTY, DEFAULT_RANGE)), ephemeralRange()),
            Path.of(System.getProperty("java.io.tmpdir"), "freshrec-test-ports"));

    private final List<Integer> candidates;
    private final Path lockDirectory;
    private final Set<Integer> heldHere = new HashSet<>();
    // The channels stay referenced: a collected channel would be closed and its lock released.
    private final List<FileChannel> locks = new ArrayList<>();

    TestPorts(List<Integer> candidates, Path lockDirectory) {
        this.candidates = List.copyOf(candidates);
        this.lockDirectory = lockDirectory;
    }

    /** Consecutive ports, {@code first} to {@code first + size - 1}, held by this JVM until it exits. */
    public record Block(int first, int size) {
        /** The port at {@code offset} (0-based) in the block. */
        public int port(int offset) {
            if (offset < 0 || offset >= size) {
                throw new IndexOutOfBoundsException("offset " + offset + " outside a block of " + size + " ports");
            }
            return first + offset;
        }

        /** {@link #port(int)} as a string, for -D settings and environment variables. */
        public String text(int offset) {
            return Integer.toString(port(offset));
        }

        /** The ports at {@code from} to {@code to} as a Flink port range, {@code "FIRST-LAST"}. */
        public String range(int from, int to) {
            if (from > to) {
                throw new IllegalArgumentException("empty range " + from + "-" + to);
            }
            return port(from) + "-" + port(to);
        }
    }

    /** A block of {@link #BLOCK_SIZE} ports for the calling test class. */
    public static Block block() {
        return SHARED.next(1);
    }

    /** At least {@code size} consecutive ports (whole blocks), for a layout that needs more than one block. */
    public static Block ports(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("size " + size);
        }
        return SHARED.next((size + BLOCK_SIZE - 1) / BLOCK_SIZE);
    }

    /** {@code blocks} adjacent free blocks, held until this JVM exits. */
    synchronized Block next(int blocks) {
        if (!candidates.isEmpty()) {
            // A random start: JVMs starting together do not all try the same blocks first.
            int start = ThreadLocalRandom.current().nextInt(candidates.size());
            for (int i = 0; i < candidates.size(); i++) {
                int first = candidates.get((start + i) % candidates.size());
                List<FileChannel> taken = tryTake(first, blocks);
                if (taken != null) {
                    locks.addAll(taken);
                    for (int b = 0; b < blocks; b++) {
                        heldHere.add(first + b * BLOCK_SIZE);
                    }
                    return new Block(first, blocks * BLOCK_SIZE);
                }
            }
        }
        throw new IllegalStateException(String.format(
                "no %d free ports in a row among %d candidate blocks (-D%s=FROM-TO, default %s, minus the ephemeral"
                        + " ports %s; locks in %s)",
                blocks * BLOCK_SIZE,
                candidates.size(),
                RANGE_PROPERTY,
                DEFAULT_RANGE,
                ephemeralRange(),
                lockDirectory));
    }

    /** The locks of the blocks from {@code first} on, if every one is free and its ports bind; else null. */
    private List<FileChannel> tryTake(int first, int blocks) {
        List<FileChannel> taken = new ArrayList<>();
        boolean free = true;
        for (int b = 0; b < blocks && free; b++) {
            int block = first + b * BLOCK_SIZE;
            FileChannel lock = candidates.contains(block) && !heldHere.contains(block) ? lock(block) : null;
            if (lock == null) {
                free = false;
            } else {
                taken.add(lock);
            }
        }
        // Locked first, probed second: a port another JVM holds a lock for is never even bound here.
        for (int port = first; free && port < first + blocks * BLOCK_SIZE; port++) {
            free = bindable(port);
        }
        if (!free) {
            taken.forEach(TestPorts::closeQuietly);
            return null;
        }
        return taken;
    }

    private FileChannel lock(int block) {
        FileChannel channel = null;
        try {
            Files.createDirectories(lockDirectory);
            channel = FileChannel.open(
                    lockDirectory.resolve("ports-" + block + ".lock"),
                    StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                closeQuietly(channel);
                return null;
            }
            // Who holds it, for a person looking at the directory.
            channel.truncate(0);
            channel.write(
                    ByteBuffer.wrap(("pid " + ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)));
            return channel;
        } catch (IOException | OverlappingFileLockException unusable) {
            // Not ours to take (another user's file, a lock of this JVM): as good as taken.
            closeQuietly(channel);
            return null;
        }
    }

    /**
     * Whether a server can listen on {@code port} on loopback and on every address. Without SO_REUSEADDR: a port
     * still in TIME_WAIT (a server just closed) counts as taken, since not every server sets that option.
     */
    static boolean bindable(int port) {
        for (InetSocketAddress address :
                List.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), new InetSocketAddress(port))) {
            try (ServerSocket socket = new ServerSocket()) {
                socket.setReuseAddress(false);
                socket.bind(address);
            } catch (IOException taken) {
                return false;
            }
        }
        return true;
    }

    /** The first ports of the blocks of {@link #BLOCK_SIZE} that lie in {@code range} and outside {@code ephemeral}. */
    static List<Integer> candidates(int[] range, int[] ephemeral) {
        List<Integer> blocks = new ArrayList<>();
        int first = (range[0] + BLOCK_SIZE - 1) / BLOCK_SIZE * BLOCK_SIZE;
        for (int block = first; block + BLOCK_SIZE - 1 <= range[1]; block += BLOCK_SIZE) {
            int last = block + BLOCK_SIZE - 1;
            if (last < ephemeral[0] || block > ephemeral[1]) {
                blocks.add(block);
            }
        }
        return blocks;
    }

    /** {@code FROM-TO} as {from, to}. */
    static int[] range(String text) {
        String[] parts = text.trim().split("\\s*-\\s*|\\s+");
        if (parts.length != 2) {
            throw new IllegalArgumentException("not a port range FROM-TO: '" + text + "'");
        }
        int from = Integer.parseInt(parts[0]);
        int to = Integer.parseInt(parts[1]);
        if (from < 1024 || to > 65535 || from > to) {
            throw new IllegalArgumentException("not a port range within 1024-65535: '" + text + "'");
        }
        return new int[] {from, to};
    }

    /** The kernel's ephemeral ports (Linux), else the IANA dynamic range. */
    static int[] ephemeralRange() {
        try {
            return range(Files.readString(Path.of("/proc/sys/net/ipv4/ip_local_port_range")));
        } catch (IOException | RuntimeException notLinux) {
            return new int[] {49152, 65535};
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // releasing anyway
            }
        }
    }

    /**
     * Another JVM holding blocks, for TestPortsTest: {@code TestPorts LOCK_DIRECTORY COUNT FIRST...} takes
     * {@code COUNT} blocks among those starting at {@code FIRST...}, prints each first port on a line, then "held",
     * and keeps them until its standard input ends.
     */
    public static void main(String[] args) throws IOException {
        List<Integer> candidates = new ArrayList<>();
        for (int i = 2; i < args.length; i++) {
            candidates.add(Integer.parseInt(args[i]));
        }
        TestPorts ports = new TestPorts(candidates, Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[1]); i++) {
            System.out.println(ports.next(1).first());
        }
        System.out.println("held");
        System.out.flush();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        while (in.readLine() != null) {
            // hold until the parent closes our input
        }
    }
}

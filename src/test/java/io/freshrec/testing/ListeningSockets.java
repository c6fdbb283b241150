package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The addresses the sockets listening on a TCP port of this machine are bound to, as the Linux kernel reports them
 * ({@code /proc/net/tcp} and {@code tcp6}): {@code 127.0.0.1} for loopback, {@code 0.0.0.0} or {@code ::} for every
 * interface. Tests of what a server exposes read these rather than trusting its configuration.
 */
public final class ListeningSockets {
    private static final String LISTEN = "0A";

    private ListeningSockets() {}

    /** The local addresses of the sockets listening on {@code port}, IPv4 and IPv6. */
    public static List<String> addresses(int port) throws IOException {
        Path tcp = Path.of("/proc/net/tcp");
        assertThat(tcp).as("the kernel's table of TCP sockets (Linux)").isRegularFile();
        List<String> found = new ArrayList<>(read(tcp, port));
        Path tcp6 = Path.of("/proc/net/tcp6");
        if (Files.isRegularFile(tcp6)) {
            found.addAll(read(tcp6, port));
        }
        return found;
    }

    private static List<String> read(Path table, int port) throws IOException {
        String wanted = String.format(Locale.ROOT, "%04X", port);
        List<String> found = new ArrayList<>();
        List<String> lines = Files.readAllLines(table);
        for (String line : lines.subList(1, lines.size())) {
            String[] fields = line.trim().split("\\s+");
            String[] local = fields[1].split(":");
            if (local[1].equalsIgnoreCase(wanted) && fields[3].equalsIgnoreCase(LISTEN)) {
                found.add(address(local[0]));
            }
        }
        return found;
    }

    /**
     * A kernel-order hex address as text: IPv4 dotted (also when mapped into IPv6), IPv6 "::" and "::1" by name, else
     * the raw hex.
     */
    static String address(String hex) {
        if (hex.length() == 8) {
            StringBuilder dotted = new StringBuilder();
            for (int i = 6; i >= 0; i -= 2) {
                dotted.append(Integer.parseInt(hex.substring(i, i + 2), 16)).append(i > 0 ? "." : "");
            }
            return dotted.toString();
        }
        if (hex.toUpperCase(Locale.ROOT).startsWith("0000000000000000FFFF0000")) {
            return address(hex.substring(24)); // an IPv4 address on a dual-stack socket, ::ffff:a.b.c.d
        }
        if (hex.equals("00000000000000000000000000000000")) {
            return "::";
        }
        if (hex.equals("00000000000000000000000001000000")) {
            return "::1";
        }
        return hex;
    }
}

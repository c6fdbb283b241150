package io.freshrec.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** The machine's load, as {@code uptime} prints it (the bench records it: the machine may be shared). */
final class Uptime {
    private Uptime() {}

    static String text() {
        try {
            Process process =
                    new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String text = new String(process.getInputStream().readAllBytes()).trim();
            process.waitFor(5, TimeUnit.SECONDS);
            if (!text.isEmpty()) {
                return text;
            }
        } catch (IOException | InterruptedException e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            return "load average: " + Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "load average: " + load1();
        }
    }

    static double load1() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }
}

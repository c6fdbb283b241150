package io.freshrec.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;

/**
 * The processes a standalone cluster started by src/main/scripts/flink-cluster.sh records under its directory's
 * {@code pids/}: read one, wait for one to exit, and kill whatever the script left running (only processes of this
 * cluster: a recycled pid is someone else's).
 */
public final class ClusterPids {
    private final Path cluster;

    /** @param cluster the cluster's directory (FRESHREC_CLUSTER_DIR) */
    public ClusterPids(Path cluster) {
        this.cluster = cluster;
    }

    /** The pid the script recorded for {@code process} (jobmanager, taskmanager-N). */
    public long pid(String process) throws IOException {
        return Long.parseLong(Files.readString(cluster.resolve("pids").resolve(process + ".pid"))
                .trim());
    }

    /** Kills every recorded process of this cluster still alive (after the script's stop, should it fail). */
    public void killLeftovers() throws IOException {
        Path pids = cluster.resolve("pids");
        if (!Files.isDirectory(pids)) {
            return;
        }
        try (Stream<Path> files = Files.list(pids)) {
            for (Path file : files.toList()) {
                long pid = Long.parseLong(Files.readString(file).trim());
                ProcessHandle.of(pid).filter(this::ours).ifPresent(process -> {
                    System.out.println("killing leftover cluster process " + pid);
                    process.destroyForcibly();
                });
            }
        }
    }

    /** A process of this cluster: alive, and started with this cluster's configuration directory. */
    private boolean ours(ProcessHandle process) {
        return process.isAlive()
                && process.info()
                        .arguments()
                        .map(args -> String.join(" ", args))
                        .filter(args -> args.contains(cluster.resolve("conf").toString()))
                        .isPresent();
    }

    /** Waits up to 10 s for process {@code pid} to be gone. */
    public static void awaitExit(long pid) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            assertThat(System.nanoTime()).as("process %d gone", pid).isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}

package io.freshrec.versions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.Stream;
import org.apache.flink.core.fs.FileSystem;

/** Savepoint directories as files: whether one is still there, its size, removing it. */
public final class SavepointFiles {
    private SavepointFiles() {}

    /**
     * Whether the savepoint's {@code _metadata} exists; empty when this machine cannot tell (a file system
     * Flink has no plugin for here, e.g. s3:// without the S3 plugin on the client).
     */
    public static Optional<Boolean> exists(String location) {
        try {
            org.apache.flink.core.fs.Path metadata = new org.apache.flink.core.fs.Path(location, "_metadata");
            return Optional.of(metadata.getFileSystem().exists(metadata));
        } catch (IOException | RuntimeException cannotTell) {
            return Optional.empty();
        }
    }

    /** Bytes under the savepoint directory, when it is on the local file system. */
    public static Long size(String location) {
        Optional<Path> local = local(location);
        if (local.isEmpty() || !Files.isDirectory(local.get())) {
            return null;
        }
        try (Stream<Path> files = Files.walk(local.get())) {
            return files.filter(Files::isRegularFile)
                    .mapToLong(file -> file.toFile().length())
                    .sum();
        } catch (IOException | UncheckedIOException e) {
            return null;
        }
    }

    /** Deletes the savepoint directory (any file system Flink can reach from here); false if it cannot. */
    public static boolean delete(String location) {
        try {
            org.apache.flink.core.fs.Path path = new org.apache.flink.core.fs.Path(location);
            FileSystem fs = path.getFileSystem();
            return !fs.exists(path) || fs.delete(path, true);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static Optional<Path> local(String location) {
        try {
            URI uri = URI.create(location);
            if (uri.getScheme() == null) {
                return Optional.of(Path.of(location));
            }
            return "file".equals(uri.getScheme()) ? Optional.of(Path.of(uri)) : Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}

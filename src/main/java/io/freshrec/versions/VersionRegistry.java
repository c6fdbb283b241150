package io.freshrec.versions;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * The model versions of one deployment, in {@code <dir>/versions.json}.
 *
 * <p>Several processes write it (a running {@code run} taking automatic versions, {@code savepoint}, {@code
 * rollback}), so every change is read-modify-write under an exclusive lock on {@code versions.json.lock} (an
 * OS file lock between processes, plus a lock per directory between threads of one JVM, which OS locks do
 * not separate). The new content goes to a temporary file in the same directory, is forced to disk, and
 * replaces the index with an atomic rename: a reader, or a writer that crashes half-way, never leaves or sees
 * a partial index; a crashed writer leaves at most a temporary file, which the next writer removes, and its
 * lock is released by the OS with the process.
 */
public final class VersionRegistry {
    public static final String INDEX = "versions.json";
    private static final String LOCK = INDEX + ".lock";
    private static final String TEMP_PREFIX = INDEX + ".";
    private static final String TEMP_SUFFIX = ".tmp";
    /** Deployment records kept (newest); they only serve to describe jobs that may still run. */
    private static final int DEPLOYMENTS_KEPT = 50;

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ConcurrentHashMap<Path, ReentrantLock> IN_PROCESS = new ConcurrentHashMap<>();

    private final Path dir;

    public VersionRegistry(Path dir) {
        this.dir = dir.toAbsolutePath().normalize();
    }

    public Path dir() {
        return dir;
    }

    public Path index() {
        return dir.resolve(INDEX);
    }

    /** The whole index file. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public static final class Content {
        public int format = 1;
        /** Numbers are never reused, even when the newest version was removed. */
        public long nextNumber = 1;

        public List<VersionRecord> versions = new ArrayList<>();
        public List<DeploymentRecord> deployments = new ArrayList<>();

        public Optional<VersionRecord> version(String reference) {
            return VersionRegistry.find(versions, reference);
        }

        public Optional<DeploymentRecord> deployment(String jobId) {
            for (int i = deployments.size() - 1; i >= 0; i--) {
                if (deployments.get(i).jobId != null && deployments.get(i).jobId.equals(jobId)) {
                    return Optional.of(deployments.get(i));
                }
            }
            return Optional.empty();
        }
    }

    /** The current index (empty when there is none yet). Lock-free: the index is only ever replaced whole. */
    public Content read() {
        Path index = index();
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(index);
        } catch (NoSuchFileException none) {
            return new Content();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the version registry " + index + ": " + e.getMessage(), e);
        }
        try {
            Content content = JSON.readValue(bytes, Content.class);
            if (content.versions == null) {
                content.versions = new ArrayList<>();
            }
            if (content.deployments == null) {
                content.deployments = new ArrayList<>();
            }
            return content;
        } catch (IOException e) {
            String reason = e instanceof JsonProcessingException json ? json.getOriginalMessage() : e.getMessage();
            throw new UncheckedIOException(
                    "the version registry " + index + " is not valid JSON (" + firstLine(reason)
                            + "); fix or move it away",
                    e);
        }
    }

    /** Looks a version up by id ({@code v3}), number ({@code 3}) or tag (the newest version with that tag). */
    public Optional<VersionRecord> find(String reference) {
        return read().version(reference);
    }

    static Optional<VersionRecord> find(List<VersionRecord> versions, String reference) {
        String wanted = reference.trim();
        for (VersionRecord version : versions) {
            if (wanted.equalsIgnoreCase(version.id) || wanted.equals(String.valueOf(version.number))) {
                return Optional.of(version);
            }
        }
        return versions.stream()
                .filter(version -> wanted.equals(version.tag))
                .max(Comparator.comparingLong(version -> version.number));
    }

    /**
     * Applies {@code change} to the current index under the lock and stores the result atomically; returns
     * what {@code change} returns. Exceptions from {@code change} leave the index untouched.
     */
    public <T> T update(Function<Content, T> change) {
        ReentrantLock local = IN_PROCESS.computeIfAbsent(dir, d -> new ReentrantLock());
        local.lock();
        try {
            Files.createDirectories(dir);
            try (FileChannel lockFile =
                            FileChannel.open(dir.resolve(LOCK), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock held = lockFile.lock()) {
                removeLeftovers();
                Content content = read();
                T result = change.apply(content);
                while (content.deployments.size() > DEPLOYMENTS_KEPT) {
                    content.deployments.remove(0);
                }
                write(content);
                return result;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the version registry " + index() + ": " + e.getMessage(), e);
        } finally {
            local.unlock();
        }
    }

    /** Adds a version, numbering it; returns it with its id. */
    public VersionRecord add(VersionRecord version) {
        return update(content -> {
            version.number = content.nextNumber++;
            version.id = "v" + version.number;
            content.versions.add(version);
            return version;
        });
    }

    /** Records how a job was started (replacing an earlier record of the same job). */
    public void recordDeployment(DeploymentRecord deployment) {
        update(content -> {
            content.deployments.removeIf(known -> known.jobId != null && known.jobId.equals(deployment.jobId));
            content.deployments.add(deployment);
            return null;
        });
    }

    /**
     * Retention: removes all but the newest {@code retain} automatic versions, except tagged ones, from the
     * index and returns them; the caller deletes their savepoints afterwards (a crash in between leaves an
     * unlisted savepoint behind, never a listed version without one).
     */
    public List<VersionRecord> prune(int retain) {
        return update(content -> {
            List<VersionRecord> automatic = new ArrayList<>();
            for (VersionRecord version : content.versions) {
                if (version.isAuto() && (version.tag == null || version.tag.isBlank())) {
                    automatic.add(version);
                }
            }
            automatic.sort(Comparator.comparingLong(version -> version.number));
            List<VersionRecord> removed = new ArrayList<>(automatic.subList(0, Math.max(0, automatic.size() - retain)));
            content.versions.removeAll(removed);
            return removed;
        });
    }

    private void write(Content content) throws IOException {
        Path temp = Files.createTempFile(dir, TEMP_PREFIX, TEMP_SUFFIX);
        try {
            try (FileChannel out =
                    FileChannel.open(temp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ByteBuffer bytes = ByteBuffer.wrap(JSON.writeValueAsBytes(content));
                while (bytes.hasRemaining()) {
                    out.write(bytes);
                }
                out.force(true);
            }
            try {
                Files.move(temp, index(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("the file system of " + dir + " cannot replace files atomically", e);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }

    /** Temporary files of writers that died mid-write (we hold the lock: no live writer owns one). */
    private void removeLeftovers() throws IOException {
        try (DirectoryStream<Path> temps = Files.newDirectoryStream(dir, TEMP_PREFIX + "*" + TEMP_SUFFIX)) {
            for (Path temp : temps) {
                Files.deleteIfExists(temp);
            }
        }
    }

    private static String firstLine(String text) {
        return text == null ? "unreadable" : text.split("\n", 2)[0];
    }
}

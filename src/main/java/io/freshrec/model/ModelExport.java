package io.freshrec.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * A model version exported as files, one directory:
 *
 * <ul>
 *   <li>{@code model.jsonl}: {@link ModelData}, what scoring needs: a header line (format {@code
 *       freshrec-model/1}, model version number and event time, the settings, the trending list)
 *       and one line per item ({@link ItemSnapshot}: norm, trending popularity, neighbours with
 *       their co-occurrence, all stated as of the item's {@code time});
 *   <li>{@code users.jsonl}: one {@link UserProfile} per line (recent history, seen items, the list
 *       served last);
 *   <li>{@code export.json}: the {@link Manifest}, written last: a directory without it is an
 *       incomplete export.
 * </ul>
 *
 * Lines are in no particular order. Plain Java and Jackson: readable without Flink.
 */
public final class ModelExport {
    public static final String FORMAT = "freshrec-export/1";
    public static final String MODEL_FILE = "model.jsonl";
    public static final String USERS_FILE = "users.jsonl";
    public static final String MANIFEST_FILE = "export.json";

    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private ModelExport() {}

    /** What an export contains and where it came from. */
    public static class Manifest {
        public String format = FORMAT;
        /** The savepoint the model was read from. */
        public String savepoint;
        /** The registry version it was, if it was named by one. */
        public String version;
        /** Where the settings in the model header came from. */
        public String settings;

        public String exportedAt;
        public long modelVersion;
        /** Event time of the model version (epoch ms). */
        public long modelTime;

        public long items;
        /** Items the job had forgotten (idle longer than the item TTL): serving no longer knows them. */
        public long expiredItems;
        /** Items whose latest snapshot the model gate would reject (serving kept an older one). */
        public long invalidItems;

        public long users;
        /** Users with a served list. */
        public long servedUsers;
        /**
         * Served lists computed with this model version: the servable reproduces exactly these (the others
         * were computed with an older version; it scores those users with this one).
         */
        public long servedWithThisVersion;

        public Manifest() {}
    }

    /**
     * Writes an export directory: items and users in any order, then {@link #finish} with the model
     * version (known only once the whole savepoint was read), which writes {@code model.jsonl} (header
     * first) and the manifest last.
     */
    public static final class Writer implements Closeable {
        private static final String ITEMS_TEMP = MODEL_FILE + ".items.tmp";
        private final Path dir;
        private final ModelConfig config;
        private final BufferedWriter items;
        private final BufferedWriter users;
        private long itemCount;
        private long userCount;
        private final Map<Long, Long> servedVersions = new HashMap<>();
        private boolean closed;

        private Writer(Path dir, ModelConfig config) throws IOException {
            this.dir = dir;
            this.config = config;
            this.items = Files.newBufferedWriter(dir.resolve(ITEMS_TEMP), StandardCharsets.UTF_8);
            this.users = Files.newBufferedWriter(dir.resolve(USERS_FILE), StandardCharsets.UTF_8);
        }

        public void item(ItemSnapshot item) throws IOException {
            items.write(JSON.writeValueAsString(item));
            items.newLine();
            itemCount++;
        }

        public void user(UserProfile user) throws IOException {
            users.write(JSON.writeValueAsString(user));
            users.newLine();
            userCount++;
            if (user.served != null) {
                servedVersions.merge(user.served.modelVersion, 1L, Long::sum);
            }
        }

        public long items() {
            return itemCount;
        }

        public long users() {
            return userCount;
        }

        /**
         * Writes {@code model.jsonl} (the header with the model version, its event time and trending list,
         * then the items) and the manifest: the export is complete.
         */
        public void finish(long version, long time, TrendingList trending, Manifest manifest) throws IOException {
            close();
            Path itemLines = dir.resolve(ITEMS_TEMP);
            try (OutputStream out = Files.newOutputStream(dir.resolve(MODEL_FILE))) {
                ModelData.Writer model = new ModelData.Writer(out, config, version, time, trending);
                model.flush();
                Files.copy(itemLines, out);
            }
            Files.delete(itemLines);
            manifest.modelVersion = version;
            manifest.modelTime = time;
            manifest.servedWithThisVersion = servedVersions.getOrDefault(version, 0L);
            manifest.items = itemCount;
            manifest.users = userCount;
            Path temp = dir.resolve(MANIFEST_FILE + ".tmp");
            Files.write(
                    temp, JSON.copy().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(manifest));
            Files.move(temp, dir.resolve(MANIFEST_FILE), StandardCopyOption.REPLACE_EXISTING);
        }

        @Override
        public void close() throws IOException {
            if (!closed) {
                closed = true;
                try (BufferedWriter closingItems = items;
                        BufferedWriter closingUsers = users) {
                    // both closed, even if one fails
                }
            }
        }
    }

    /**
     * Starts an export in {@code dir} (created if needed; must be empty).
     *
     * @param config the settings scoring needs, written into the model header
     */
    public static Writer create(Path dir, ModelConfig config) throws IOException {
        if (Files.isRegularFile(dir)) {
            throw new IOException(dir + " is a file, not a directory");
        }
        Files.createDirectories(dir);
        try (var entries = Files.list(dir)) {
            if (entries.findAny().isPresent()) {
                throw new IOException(dir + " is not empty (export into a new or empty directory)");
            }
        }
        return new Writer(dir, config);
    }

    /** The model of an export directory (or of a {@code model.jsonl} file given directly). */
    public static ModelData readModel(Path location) throws IOException {
        Path file = Files.isDirectory(location) ? location.resolve(MODEL_FILE) : location;
        try (InputStream in = Files.newInputStream(file)) {
            return ModelData.read(in);
        } catch (NoSuchFileException e) {
            throw new IOException(
                    "no model data at " + file + (Files.isDirectory(location) ? " (not a FreshRec export?)" : ""), e);
        }
    }

    public static Manifest readManifest(Path dir) throws IOException {
        Path file = dir.resolve(MANIFEST_FILE);
        if (!Files.isRegularFile(file)) {
            throw new IOException(
                    "no " + MANIFEST_FILE + " in " + dir + " (not a FreshRec export, or an incomplete one)");
        }
        Manifest manifest = JSON.readValue(file.toFile(), Manifest.class);
        if (!FORMAT.equals(manifest.format)) {
            throw new IOException(
                    "not a FreshRec export (format '" + manifest.format + "', expected '" + FORMAT + "')");
        }
        return manifest;
    }

    /** Calls {@code consumer} with every user of the export directory {@code dir}, one line at a time. */
    public static void readUsers(Path dir, Consumer<UserProfile> consumer) throws IOException {
        try (BufferedReader reader = Files.newBufferedReader(dir.resolve(USERS_FILE), StandardCharsets.UTF_8)) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (!line.isBlank()) {
                    consumer.accept(JSON.readValue(line, UserProfile.class));
                }
            }
        }
    }

    /** Every user of the export directory {@code dir}. */
    public static List<UserProfile> readUsers(Path dir) throws IOException {
        List<UserProfile> users = new ArrayList<>();
        readUsers(dir, users::add);
        return users;
    }
}

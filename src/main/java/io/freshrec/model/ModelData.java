package io.freshrec.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;

/**
 * A published model as files: one JSON header line (format, version, time, settings, trending list)
 * followed by one JSON line per item snapshot. Written from a running or exported model ({@link
 * ModelExport}), read by the Flink ML servable.
 */
public final class ModelData implements ModelView {
    public static final String FORMAT = "freshrec-model/1";
    private static final ObjectMapper JSON =
            new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The header line. */
    public static class Header {
        public String format = FORMAT;
        public long version;
        public long time;
        public ModelConfig config;
        public TrendingList trending;
    }

    private final Header header;
    private final Map<Long, ItemSnapshot> items;

    /**
     * Writes model data item by item, so a large model never has to be held in memory: the header
     * first, then one line per {@link #item}.
     */
    public static final class Writer implements Closeable {
        private final BufferedWriter out;
        private long items;

        public Writer(OutputStream stream, ModelConfig config, long version, long time, TrendingList trending)
                throws IOException {
            Header header = new Header();
            header.config = config;
            header.version = version;
            header.time = time;
            header.trending = trending;
            out = new BufferedWriter(new OutputStreamWriter(stream, StandardCharsets.UTF_8));
            out.write(JSON.writeValueAsString(header));
            out.newLine();
        }

        public void item(ItemSnapshot item) throws IOException {
            out.write(JSON.writeValueAsString(item));
            out.newLine();
            items++;
        }

        /** Items written so far. */
        public long items() {
            return items;
        }

        /** Flushes without closing the stream (the caller owns it). */
        public void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }

    public ModelData(
            ModelConfig config, long version, long time, TrendingList trending, Map<Long, ItemSnapshot> items) {
        this.header = new Header();
        header.config = config;
        header.version = version;
        header.time = time;
        header.trending = trending;
        this.items = items;
    }

    public void write(OutputStream out) throws IOException {
        Writer writer = new Writer(out, header.config, header.version, header.time, header.trending);
        for (ItemSnapshot item : items.values()) {
            writer.item(item);
        }
        writer.flush();
    }

    public static ModelData read(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String first = reader.readLine();
        if (first == null) {
            throw new IOException("empty model data");
        }
        Header header;
        try {
            header = JSON.readValue(first, Header.class);
        } catch (IOException e) {
            throw new IOException("not FreshRec model data (the first line is not a JSON header)", e);
        }
        if (!FORMAT.equals(header.format)) {
            throw new IOException(
                    "not FreshRec model data (format '" + header.format + "', expected '" + FORMAT + "')");
        }
        if (header.config == null) {
            throw new IOException("model data without settings (no 'config' in the header)");
        }
        Map<Long, ItemSnapshot> items = new HashMap<>();
        String line;
        while ((line = reader.readLine()) != null) {
            if (!line.isBlank()) {
                ItemSnapshot item = JSON.readValue(line, ItemSnapshot.class);
                items.put(item.item, item);
            }
        }
        header.config.validate();
        return new ModelData(
                header.config,
                header.version,
                header.time,
                header.trending == null ? new TrendingList() : header.trending,
                items);
    }

    public ModelConfig config() {
        return header.config;
    }

    public long time() {
        return header.time;
    }

    public int size() {
        return items.size();
    }

    /** Every item snapshot, by item id (read-only). */
    public Map<Long, ItemSnapshot> items() {
        return Collections.unmodifiableMap(items);
    }

    @Override
    public ItemSnapshot item(long itemId) {
        return items.get(itemId);
    }

    @Override
    public TrendingList trending() {
        return header.trending;
    }

    @Override
    public long version() {
        return header.version;
    }
}

package io.freshrec.model;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * A published model as files: one JSON header line (format, version, time, settings, trending list)
 * followed by one JSON line per item snapshot. Written from a running or exported model, read by
 * the Flink ML servable.
 */
public final class ModelData implements ModelView {
    public static final String FORMAT = "freshrec-model/1";
    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

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

    public ModelData(ModelConfig config, long version, long time, TrendingList trending, Map<Long, ItemSnapshot> items) {
        this.header = new Header();
        header.config = config;
        header.version = version;
        header.time = time;
        header.trending = trending;
        this.items = items;
    }

    public void write(OutputStream out) throws IOException {
        BufferedWriter writer = new BufferedWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
        writer.write(JSON.writeValueAsString(header));
        writer.newLine();
        for (ItemSnapshot item : items.values()) {
            writer.write(JSON.writeValueAsString(item));
            writer.newLine();
        }
        writer.flush();
    }

    public static ModelData read(InputStream in) throws IOException {
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String first = reader.readLine();
        if (first == null) {
            throw new IOException("empty model data");
        }
        Header header = JSON.readValue(first, Header.class);
        if (!FORMAT.equals(header.format)) {
            throw new IOException("not FreshRec model data (format '" + header.format + "', expected '" + FORMAT + "')");
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
        return new ModelData(header.config, header.version, header.time,
                header.trending == null ? new TrendingList() : header.trending, items);
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

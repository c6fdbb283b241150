package io.freshrec.events;

import java.nio.file.Path;
import java.util.Locale;

/** The record formats FreshRec reads: its own JSON lines and the MovieLens rating files. */
public enum InputFormat {
    /** One JSON object per line: {@code {"user":1,"item":2,"type":"click","ts":1700000000000}}. */
    JSON_LINES,
    /** MovieLens 100k {@code u.data}: {@code user<TAB>item<TAB>rating<TAB>unix-seconds}. */
    MOVIELENS_TSV,
    /** MovieLens {@code ratings.csv}: {@code userId,movieId,rating,timestamp} with a header. */
    MOVIELENS_CSV,
    /** MovieLens 1M/10M {@code ratings.dat}: {@code user::item::rating::unix-seconds}. */
    MOVIELENS_DAT;

    /** Picks the format from a file name, the way users name these files. */
    public static InputFormat detect(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".csv")) {
            return MOVIELENS_CSV;
        }
        if (name.endsWith(".dat")) {
            return MOVIELENS_DAT;
        }
        if (name.equals("u.data") || name.endsWith(".data") || name.endsWith(".tsv")) {
            return MOVIELENS_TSV;
        }
        return JSON_LINES;
    }

    /** Whether a line is the format's header (skipped by file replay, not a dead letter). */
    public boolean isHeader(String line) {
        return this == MOVIELENS_CSV && line.startsWith("userId,");
    }
}

package io.freshrec.events;

/** Durations in messages, as people write them in configuration: {@code 5 min}, {@code 90 s}, {@code 1 h}. */
public final class Durations {
    private Durations() {}

    /** The largest whole unit of {@code ms} (ms, s, min, h, d), e.g. {@code 300000} -> {@code 5 min}. */
    public static String text(long ms) {
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] units = {"d", "h", "min", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms != 0 && ms % sizes[i] == 0) {
                return ms / sizes[i] + " " + units[i];
            }
        }
        return ms + " ms";
    }

    /** {@code ms} rounded down to the largest unit of which it holds at least two (else ms): {@code 9471 d}, {@code 65 s}. */
    public static String approximately(long ms) {
        long[] sizes = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
        String[] units = {"d", "h", "min", "s"};
        for (int i = 0; i < sizes.length; i++) {
            if (ms >= 2 * sizes[i] || (i == sizes.length - 1 && ms >= sizes[i])) {
                return ms / sizes[i] + " " + units[i];
            }
        }
        return ms + " ms";
    }
}

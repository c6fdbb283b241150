package io.freshrec.bench;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * Where a Java Flight Recorder profile's CPU samples are: the share of {@code jdk.ExecutionSample} events per thread
 * (Flink's subtask suffixes such as {@code " (1/2)#0"} removed, so a task's subtasks count together) and per top
 * frame (the method running when sampled). Reads the recording with the JDK's own {@link RecordingFile}, no text
 * parsing.
 *
 * <pre>java -cp target/freshrec.jar io.freshrec.bench.JfrTop run.jfr [TOP [EVENT]]</pre>
 *
 * <p>EVENT is {@code jdk.ExecutionSample} (threads in Java code) by default; {@code jdk.NativeMethodSample} counts
 * threads in native code instead (RocksDB's JNI calls).
 */
public final class JfrTop {
    static final String EXECUTION_SAMPLE = "jdk.ExecutionSample";
    private static final Pattern SUBTASK = Pattern.compile(" \\(\\d+/\\d+\\)(#\\d+)?$");

    /** Samples in all, and by thread and by top frame. */
    public static final class Summary {
        public String eventType = EXECUTION_SAMPLE;
        public long samples;
        public final Map<String, Long> threads = new HashMap<>();
        public final Map<String, Long> topFrames = new HashMap<>();

        /** Share of all samples, in percent. */
        public double percent(long count) {
            return samples == 0 ? 0 : 100.0 * count / samples;
        }

        /** The {@code n} largest entries of {@code counts}, largest first. */
        public static List<Map.Entry<String, Long>> top(Map<String, Long> counts, int n) {
            List<Map.Entry<String, Long>> entries = new ArrayList<>(counts.entrySet());
            entries.sort(
                    Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()));
            return entries.subList(0, Math.min(n, entries.size()));
        }
    }

    private JfrTop() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 3) {
            System.err.println(
                    "usage: java -cp target/freshrec.jar io.freshrec.bench.JfrTop RECORDING.jfr [TOP [EVENT]]");
            System.exit(2);
        }
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        String event = args.length > 2 ? args[2] : EXECUTION_SAMPLE;
        PrintWriter out = new PrintWriter(System.out, true, StandardCharsets.UTF_8);
        print(summarize(Path.of(args[0]), event), top, out);
        out.flush();
    }

    public static Summary summarize(Path recording) throws IOException {
        return summarize(recording, EXECUTION_SAMPLE);
    }

    /** Counts the events of one sampling type ({@code jdk.ExecutionSample}, {@code jdk.NativeMethodSample}). */
    public static Summary summarize(Path recording, String eventType) throws IOException {
        Summary summary = new Summary();
        summary.eventType = eventType;
        try (RecordingFile file = new RecordingFile(recording)) {
            while (file.hasMoreEvents()) {
                RecordedEvent event = file.readEvent();
                if (!eventType.equals(event.getEventType().getName())) {
                    continue;
                }
                summary.samples++;
                RecordedThread thread = event.getThread("sampledThread");
                summary.threads.merge(threadName(thread), 1L, Long::sum);
                summary.topFrames.merge(topFrame(event.getStackTrace()), 1L, Long::sum);
            }
        }
        return summary;
    }

    public static void print(Summary summary, int top, PrintWriter out) {
        out.printf(Locale.ROOT, "%,d %s events%n%n", summary.samples, summary.eventType);
        out.println("| thread | samples | share |");
        out.println("| --- | ---: | ---: |");
        for (Map.Entry<String, Long> e : Summary.top(summary.threads, Integer.MAX_VALUE)) {
            out.printf(Locale.ROOT, "| %s | %,d | %.1f%% |%n", e.getKey(), e.getValue(), summary.percent(e.getValue()));
        }
        out.println();
        out.printf(Locale.ROOT, "| top frame (top %d) | samples | share |%n", top);
        out.println("| --- | ---: | ---: |");
        for (Map.Entry<String, Long> e : Summary.top(summary.topFrames, top)) {
            out.printf(Locale.ROOT, "| %s | %,d | %.1f%% |%n", e.getKey(), e.getValue(), summary.percent(e.getValue()));
        }
    }

    /** The thread's Java name without a Flink subtask suffix ({@code "serving (1/2)#0"} -> {@code "serving"}). */
    static String threadName(RecordedThread thread) {
        if (thread == null) {
            return "(unknown)";
        }
        String name = thread.getJavaName() != null ? thread.getJavaName() : thread.getOSName();
        return name == null ? "(unknown)" : stripSubtask(name);
    }

    static String stripSubtask(String name) {
        return SUBTASK.matcher(name).replaceFirst("");
    }

    private static String topFrame(RecordedStackTrace stack) {
        if (stack == null || stack.getFrames().isEmpty()) {
            return "(no stack)";
        }
        RecordedFrame frame = stack.getFrames().get(0);
        if (frame.getMethod() == null) {
            return "(unknown)";
        }
        return frame.getMethod().getType().getName() + "." + frame.getMethod().getName();
    }
}

package io.freshrec.versions;

import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Automatic versions: a savepoint of the running job every {@code interval}, recorded as an {@code auto}
 * version, then retention (the newest {@code retain} automatic versions and every tagged one stay; the
 * others go, savepoints included). A job that has learnt nothing since the last automatic version (an idle
 * --keep-running job) is not versioned again.
 */
public final class AutoVersions {
    private final Versioning versioning;
    private final Duration interval;
    private final int retain;
    private final String note;
    private long due;
    private String lastJob;
    private Long lastEvents;

    public AutoVersions(Versioning versioning, Duration interval, int retain) {
        this(versioning, interval, retain, null);
    }

    /** @param note recorded with every version; null: "every INTERVAL" */
    public AutoVersions(Versioning versioning, Duration interval, int retain, String note) {
        if (interval.isZero() || interval.isNegative()) {
            throw new IllegalArgumentException("the interval of automatic versions must be positive");
        }
        this.versioning = versioning;
        this.interval = interval;
        this.retain = retain;
        this.note = note != null ? note : "every " + format(interval);
        this.due = System.nanoTime() + interval.toNanos();
    }

    /**
     * Takes a version of {@code jobId} when one is due; reports on {@code out}; failures are reported, not thrown.
     *
     * @return the version taken, or null (not due, nothing learnt since the last one, or failed)
     */
    public VersionRecord maybeTake(String jobId, PrintWriter out) {
        long now = System.nanoTime();
        if (now < due) {
            return null;
        }
        due = now + interval.toNanos();
        try {
            VersionRecord described = versioning.describe(jobId, VersionRecord.AUTO, null, null);
            if (jobId.equals(lastJob) && described.events != null && Objects.equals(described.events, lastEvents)) {
                return null;
            }
            VersionRecord version = versioning.take(jobId, VersionRecord.AUTO, note, null);
            lastJob = jobId;
            lastEvents = version.events;
            // The version is recorded: retention must follow it even when the caller is being stopped meanwhile
            // (an interrupt would abort the registry's file lock and leave one version too many).
            boolean interrupted = Thread.interrupted();
            List<VersionRecord> removed;
            try {
                removed = Versioning.applyRetention(versioning.registry(), retain);
            } finally {
                if (interrupted) {
                    Thread.currentThread().interrupt();
                }
            }
            out.printf(
                    "Version %s (automatic): %s (%s events, %.1f s)%s%n",
                    version.id,
                    version.savepoint,
                    version.events == null ? "?" : String.format(Locale.ROOT, "%,d", version.events),
                    version.savepointMillis / 1000.0,
                    removed.isEmpty()
                            ? ""
                            : "; removed " + removed.stream().map(old -> old.id).collect(Collectors.joining(", "))
                                    + " (freshrec.versions.retain " + retain + ")");
            out.flush();
            return version;
        } catch (Exception e) {
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return null;
            }
            out.println("(automatic version skipped: " + e.getMessage() + ")");
            out.flush();
            return null;
        }
    }

    private static String format(Duration interval) {
        long seconds = interval.toSeconds();
        if (interval.toMillis() % 1000 != 0) {
            return interval.toMillis() + " ms"; // not a whole number of seconds (was shown as "0 h" below a second)
        }
        return seconds % 3600 == 0 ? seconds / 3600 + " h" : seconds % 60 == 0 ? seconds / 60 + " min" : seconds + " s";
    }
}

package io.freshrec.versions;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * One model version: a savepoint of the FreshRec job, what the job had learnt from at that moment and how
 * well it did, and how to start the job again from it. Stored in the registry's {@code versions.json}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class VersionRecord {
    /** Automatic versions are subject to retention; the others are kept until removed by hand. */
    public static final String MANUAL = "manual";

    public static final String AUTO = "auto";
    public static final String SAFETY = "safety";
    /** Learnt from a history file by {@code bootstrap}, not taken of a running job. */
    public static final String BOOTSTRAP = "bootstrap";

    /** {@code v<number>}. */
    public String id;

    public long number;
    /** manual (savepoint command), auto (periodic), safety (the job stopped by a rollback), bootstrap (history file). */
    public String kind;
    /** Savepoint location as Flink reports it (a file: URI locally). */
    public String savepoint;

    public String jobId;
    public String flinkRest;
    /** ISO-8601 instant the savepoint completed. */
    public String takenAt;
    /** Milliseconds the savepoint took. */
    public Long savepointMillis;
    /** Bytes of the savepoint directory (local file systems only). */
    public Long sizeBytes;

    /** Interactions the model has learnt from: those of the version it started from plus this job's. */
    public Long events;
    /** Prequential hits and scored events over the same span. */
    public Long hits;

    public Long scored;
    /** Prequential recall@10 over the last scored events (freshrec.eval.rolling-window), at this moment. */
    public Double recallRolling;
    /** hits / scored. */
    public Double recallTotal;
    /** The job's model version number (model-gate) at this moment. */
    public Long modelVersion;
    /** The version the job had been started from, if any. */
    public String from;

    /** What starts the job again: the entry class's arguments, its parallelism and the jar. */
    public List<String> programArgs;

    public Integer parallelism;
    public String jar;

    public String note;
    public String tag;

    public VersionRecord() {}

    @JsonIgnore
    public boolean isAuto() {
        return AUTO.equals(kind);
    }
}

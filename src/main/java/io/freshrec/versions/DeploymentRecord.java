package io.freshrec.versions;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;

/**
 * How a running FreshRec job was started (by {@code run}, {@code submit} or {@code rollback}), so that a
 * version taken of it records what resubmits it, and its figures continue those of the version it came from.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public class DeploymentRecord {
    public String jobId;
    public String flinkRest;
    /** The embedded run's own first job (true), or a job submitted through REST (submit, rollback). */
    public boolean embedded;

    public String jar;
    public List<String> programArgs;
    public Integer parallelism;
    /** Version or savepoint the job was started from, if any. */
    public String fromVersion;

    public String fromSavepoint;
    public String submittedAt;
    /** Figures of the version it started from, which this job's own counters continue. */
    public Long baseEvents;

    public Long baseHits;
    public Long baseScored;
    public Double baseRecallRolling;

    public DeploymentRecord() {}

    /** A deployment starting from {@code version} (null: fresh) continues its figures. */
    public DeploymentRecord continuing(VersionRecord version) {
        if (version != null) {
            fromVersion = version.id;
            fromSavepoint = version.savepoint;
            baseEvents = version.events;
            baseHits = version.hits;
            baseScored = version.scored;
            baseRecallRolling = version.recallRolling;
        }
        return this;
    }
}

package io.freshrec.versions;

import io.freshrec.ops.Secrets;
import io.freshrec.rest.FlinkRest;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/** Starting the FreshRec job through a Flink REST API (a cluster, or the embedded run's session) and recording how. */
public final class Deployments {
    /** The job's entry class on a cluster. */
    public static final String ENTRY_CLASS = "io.freshrec.cli.FreshRecJobMain";

    private final FlinkRest rest;
    private final VersionRegistry registry;

    public Deployments(FlinkRest rest, VersionRegistry registry) {
        this.rest = rest;
        this.registry = registry;
    }

    /** Uploads the job jar; its id for {@link #start}. */
    public String upload(Path jar) throws IOException {
        return rest.uploadJar(jar);
    }

    /**
     * Runs the uploaded jar with {@code programArgs}, from {@code from}'s savepoint (or {@code savepoint}, or
     * fresh when both are null), and records the deployment. Returns the new job's id.
     */
    public String start(
            String jarId, Path jar, List<String> programArgs, Integer parallelism, VersionRecord from, String savepoint)
            throws IOException {
        String restoreFrom = from != null ? from.savepoint : savepoint;
        String jobId = rest.runJar(jarId, ENTRY_CLASS, programArgs, parallelism, restoreFrom);
        DeploymentRecord deployment = new DeploymentRecord();
        deployment.jobId = jobId;
        deployment.flinkRest = rest.base().toString();
        deployment.jar = jar.toAbsolutePath().normalize().toString();
        deployment.programArgs = Secrets.redactArgs(programArgs);
        deployment.parallelism = parallelism;
        deployment.submittedAt = Instant.now().toString();
        deployment.continuing(from);
        if (from == null) {
            deployment.fromSavepoint = savepoint;
        }
        registry.recordDeployment(deployment);
        return jobId;
    }

    /** Removes an uploaded jar from the cluster (started jobs keep their copy); failures are ignored. */
    public void discard(String jarId) {
        try {
            rest.deleteJar(jarId);
        } catch (IOException ignored) {
            // A leftover upload costs disk space on the cluster, nothing else.
        }
    }
}

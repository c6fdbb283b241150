package io.freshrec.serving;

import io.freshrec.job.FreshRecJob;
import io.freshrec.job.FreshRecState;
import io.freshrec.model.ItemState;
import io.freshrec.model.Recommendations;
import io.freshrec.rest.FlinkRest;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.queryablestate.client.QueryableStateClient;

/**
 * Looks recommendations and item neighbours up in the running job's queryable state. Finds the job
 * through the Flink REST API (or takes its id), and retries through start-up and restarts until a
 * deadline: right after a (re)start lookups fail for a moment while state locations register.
 */
public final class RecommendationClient implements AutoCloseable {
    private final InetAddress proxyAddress;
    private final int proxyPort;
    /** Replaced after a connection failure: see {@link #renew}. */
    private volatile QueryableStateClient client;

    private final FlinkRest rest;
    private final String proxy;
    private final Duration timeout;
    // Read and renewed by concurrent lookups (the gateway): a stale read only costs one more REST query.
    private volatile JobID jobId;
    private final boolean fixedJob;

    /**
     * @param proxyHost host of a TaskManager's queryable-state proxy
     * @param proxyPort its port ({@code queryable-state.proxy.ports})
     * @param restUrl Flink REST API used to find the running FreshRec job
     * @param jobId a fixed job id, or null to find the job by name
     * @param timeout how long one lookup may keep retrying
     */
    public RecommendationClient(String proxyHost, int proxyPort, URI restUrl, JobID jobId, Duration timeout)
            throws LookupException {
        try {
            this.proxyAddress = InetAddress.getByName(proxyHost);
        } catch (UnknownHostException e) {
            throw new LookupException("unknown host " + proxyHost);
        }
        this.proxyPort = proxyPort;
        this.client = newClient();
        this.rest = new FlinkRest(restUrl);
        this.proxy = proxyHost + ":" + proxyPort;
        this.timeout = timeout;
        this.jobId = jobId;
        this.fixedJob = jobId != null;
    }

    // The job's own descriptors: name and serializer must be exactly the job's (the queryable name is ignored here).

    /** The user's served list, or empty when the job has no state for the user. */
    public Optional<Recommendations> recommendations(long userId) throws LookupException {
        return lookup(FreshRecState.QUERYABLE_RECOMMENDATIONS, userId, FreshRecState.recommendations(), "user");
    }

    /** The item's model state (norm, trending, neighbour candidates), or empty when unknown. */
    public Optional<ItemState> similarItems(long itemId) throws LookupException {
        return lookup(FreshRecState.QUERYABLE_SIMILAR_ITEMS, itemId, FreshRecState.itemState(), "item");
    }

    public JobID jobId() throws LookupException {
        if (jobId == null) {
            try {
                jobId = rest.findRunningJob(FreshRecJob.JOB_NAME)
                        .map(JobID::fromHexString)
                        .orElseThrow(() ->
                                new LookupException("no running '" + FreshRecJob.JOB_NAME + "' job at " + rest.base()));
            } catch (IOException e) {
                throw new LookupException(e.getMessage(), e);
            }
        }
        return jobId;
    }

    private <V> Optional<V> lookup(String stateName, long key, ValueStateDescriptor<V> descriptor, String what)
            throws LookupException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long backoffMs = 25;
        String lastProblem = "no answer";
        while (true) {
            JobID job;
            try {
                job = jobId();
            } catch (LookupException e) {
                lastProblem = firstLine(e.getMessage());
                job = null;
            }
            if (job != null) {
                long remaining = Math.max(1, deadline - System.nanoTime());
                QueryableStateClient used = client;
                CompletableFuture<ValueState<V>> future = used.getKvState(job, stateName, key, Types.LONG, descriptor);
                try {
                    V value = future.get(remaining, TimeUnit.NANOSECONDS).value();
                    return Optional.ofNullable(value);
                } catch (ExecutionException e) {
                    String text = describe(e.getCause());
                    if (text.contains("UnknownKeyOrNamespaceException")) {
                        return Optional.empty();
                    }
                    if (!retryable(text)) {
                        throw new LookupException(
                                "lookup of " + what + " " + key + " failed: " + firstLine(text), e.getCause());
                    }
                    lastProblem = firstLine(text);
                    if (connectionFailed(text)) {
                        renew(used);
                    }
                    if (!fixedJob) {
                        jobId = null; // the job may run under a new id now (restarted from a savepoint): ask again
                    }
                } catch (TimeoutException e) {
                    lastProblem = "timed out";
                } catch (IOException e) {
                    throw new LookupException("cannot read the " + what + " state: " + e.getMessage(), e);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new LookupException("interrupted");
                }
            }
            if (System.nanoTime() + backoffMs * 1_000_000 > deadline) {
                throw new LookupException("no answer for " + what + " " + key + " within " + timeout.toMillis()
                        + " ms (queryable-state proxy " + proxy + (fixedJob ? "" : ", Flink REST " + rest.base())
                        + "): "
                        + firstLine(lastProblem));
            }
            sleep(backoffMs);
            backoffMs = Math.min(500, backoffMs * 2);
            if (!fixedJob && lastProblem.startsWith("no running")) {
                jobId = null;
            }
        }
    }

    private QueryableStateClient newClient() {
        QueryableStateClient fresh = new QueryableStateClient(proxyAddress, proxyPort);
        // Without it, POJO state values fail to deserialize.
        fresh.setExecutionConfig(new ExecutionConfig());
        return fresh;
    }

    /**
     * Replaces {@code failed} with a fresh Flink client, once however many lookups saw it fail. Flink's client keeps a
     * connection attempt that failed at once (a refused connect on loopback can fail before the client registers its
     * clean-up) in its connection table for good: every later request to the proxy fails with the old error although
     * the proxy listens again (RecommendationClientTest). A TaskManager restart must not leave a long-lived client blind.
     */
    private synchronized void renew(QueryableStateClient failed) {
        if (client == failed) {
            client = newClient();
            failed.shutdownAndHandle();
        }
    }

    /** A failure to reach the proxy at all (as opposed to an answer from it). */
    private static boolean connectionFailed(String text) {
        return text.contains("Connection refused")
                || text.contains("ConnectException")
                || text.contains("ClosedChannel")
                || text.contains("Connection reset");
    }

    private static boolean retryable(String text) {
        return text.contains("UnknownKvStateLocation")
                || text.contains("UnknownLocation")
                || text.contains("Connection refused")
                || text.contains("ConnectException")
                || text.contains("UnknownJob")
                || text.contains("FlinkJobNotFound")
                || text.contains("not reachable")
                || text.contains("closed")
                || text.contains("Closed")
                || text.contains("ClosedChannel")
                || text.contains("UnknownKvStateId")
                || text.contains("ownerless")
                || text.contains("UnknownKvState");
    }

    private static String describe(Throwable error) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            text.append(t.getClass().getSimpleName())
                    .append(": ")
                    .append(t.getMessage())
                    .append(" | ");
        }
        return text.toString();
    }

    /** The first line, plus the innermost "Caused by" line of a remote failure, on one line. */
    private static String firstLine(String text) {
        String[] lines = text.split("\n");
        String line = lines[0].trim();
        for (int i = lines.length - 1; i > 0; i--) {
            if (lines[i].contains("Caused by:")) {
                line += " " + lines[i].trim();
                break;
            }
        }
        return line.length() > 300 ? line.substring(0, 297) + "..." : line;
    }

    private static void sleep(long ms) throws LookupException {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LookupException("interrupted");
        }
    }

    @Override
    public synchronized void close() {
        client.shutdownAndWait();
    }
}

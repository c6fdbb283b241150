package io.freshrec.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Everything {@code freshrec bench} measured: written as bench.json (public fields), printed as a table, charted. */
public class BenchResult {
    public Machine machine = new Machine();
    public Settings settings = new Settings();
    public Throughput throughput = new Throughput();
    public Freshness freshness = new Freshness();
    public LookupFigures lookups = new LookupFigures();
    public State state = new State();
    public Growth growth = new Growth();
    public List<HistoryLength> historyLength = new ArrayList<>();
    public Soak soak = new Soak();
    public List<Target> targets = new ArrayList<>();
    public List<String> notes = new ArrayList<>();

    public static class Machine {
        public int cores;
        public String java;
        public String startedAt;
        public double seconds;
        /** `uptime` before and after the run (the machine may be shared). */
        public String uptimeBefore;

        public String uptimeAfter;
        /** 1-minute load average before, after, and the highest seen at phase boundaries. */
        public double load1Before;

        public double load1After;
        public double load1Max;
    }

    public static class Settings {
        public boolean quick;
        public List<String> phases = new ArrayList<>();
        public int users;
        public int items;
        public int historyLength;
        public String checkpointInterval;
        public String stateBackend;
        public boolean incrementalCheckpoints;
        public double warmupSeconds;
        public double windowSeconds;
        /** Interactions are applied in event-time order once the watermark passes them: a floor under freshness. */
        public long watermarkOutOfOrdernessMs;

        public long autoWatermarkIntervalMs;
    }

    public static class Throughput {
        public Ceiling ceiling = new Ceiling();
        public List<JobThroughput> job = new ArrayList<>();
        /**
         * The engine floor at each of the job's parallelisms: the job's source, parse and watermarks, one keyBy(user)
         * with a RocksDB ValueState read-modify-write per event, the same settings and checkpoints, measured the same
         * way. What the engine costs per event before any model work.
         */
        public List<JobThroughput> floor = new ArrayList<>();
    }

    public static class Ceiling {
        /** Single thread, InMemoryModel: apply + a fresh top-N list per event (what the job does per event). */
        public double eventsPerSecond;
        /** Per second of the thread's own CPU time: what a whole core would do, however busy the machine. */
        public double eventsPerCpuSecond;

        public long events;
        public double seconds;
        public int users;
        public int items;
        /** The same, without the per-event top-N list: the model updates alone (where the time per event goes). */
        public double updatesOnlyEventsPerSecond;

        public double updatesOnlyEventsPerCpuSecond;
    }

    public static class JobThroughput {
        public int parallelism;
        public double eventsPerSecond;
        public double percentOfCeiling;
        public long events;
        public double windowSeconds;
        /** CPU time of the whole JVM (Flink's every thread, the generator, the bench's polling) over the window. */
        public double cpuSeconds;
        /** Cores the job kept busy on average over the window. */
        public double coresUsed;
        /** Events per CPU-second of the whole job, and that as a share of the ceiling's events per CPU-second. */
        public double eventsPerCpuSecond;

        public double percentOfCeilingPerCpuSecond;
        /**
         * Job rows only: the engine floor's events/s at the same parallelism, and this row's events/s as a share of it
         * (0 when the floor was not measured).
         */
        public double floorEventsPerSecond;

        public double percentOfFloor;
        public Checkpoints checkpoints = new Checkpoints();
    }

    public static class Checkpoints {
        /** Checkpoints triggered and completed inside the measuring window. */
        public int completed;

        public double durationMsMean;
        public double durationMsMax;
        /** Full state size and what the (incremental) checkpoint uploaded, mean over the window's checkpoints. */
        public double stateBytesMean;

        public double checkpointedBytesMean;
    }

    public static class Freshness {
        public double targetRate;
        public double achievedRate;
        public int parallelism;
        /** From an interaction's arrival (parse) to its user's recomputed list in serving's state. */
        public double p50Ms;

        public double p99Ms;
        /** Histogram samples behind the figures (each subtask keeps its last 10,000). */
        public long samples;

        public int snapshots;
    }

    public static class Latency {
        public int clients;
        public long lookups;
        public double p50Ms;
        public double p99Ms;
        public double p999Ms;
        public double maxMs;
        public double perSecond;
    }

    public static class LookupFigures {
        public long keys;
        public double valueBytesMean;
        public String redisVersion;
        public String conditions;
        public List<Latency> queryableState = new ArrayList<>();
        public List<Latency> redis = new ArrayList<>();
        /** Through `freshrec serve`, in the bench's JVM, keep-alive HTTP: the path of a service that is not Java. */
        public List<Latency> gateway = new ArrayList<>();
    }

    public static class State {
        public long users;
        public long items;
        public long events;
        public double checkpointDurationMs;
        public long checkpointBytes;
        public long checkpointedBytes;
        public Map<String, Long> bytesByOperator = new LinkedHashMap<>();
        /** (user-history + serving) / users: includes serving's broadcast copy of the model. */
        public double bytesPerUser;
        /** item-model / items. */
        public double bytesPerItem;

        public double savepointSeconds;
        public long savepointBytes;
        /** From the restored job's submission until a lookup answers with the user's list. */
        public double restoreSeconds;
    }

    public static class Growth {
        public int eventsPerUser;
        public List<GrowthLevel> levels = new ArrayList<>();
        public List<String> skipped = new ArrayList<>();
    }

    public static class GrowthLevel {
        public long usersTarget;
        public long users;
        public long items;
        public long events;
        public double eventsPerSecond;
        public double checkpointDurationMs;
        public long checkpointBytes;
        public Map<String, Long> bytesByOperator = new LinkedHashMap<>();
        public double bytesPerUser;
        /** (user-history + serving) growth since the previous level per user added: without the broadcast model copy. */
        public double marginalBytesPerUser;

        public double bytesPerItem;
        public double savepointSeconds;
        public long savepointBytes;
        /** Restoring this level's state: from the restored job's submission until a lookup answers. */
        public double restoreSeconds;

        public Latency lookups;
    }

    public static class HistoryLength {
        public int historyLength;
        /** Users created in turn, each with this many events (twice the longest history compared). */
        public int eventsPerUser;

        public double eventsPerSecond;
        public double ceilingEventsPerSecond;
        public long users;
        /** user-history's state per user (the history itself). */
        public double bytesPerUser;

        public long userHistoryBytes;
        public long checkpointBytes;
        public double checkpointDurationMs;
    }

    /** A long run at half of the maximum load with 0.1% bad records, sampled every interval. */
    public static class Soak {
        public double targetRate;
        public int parallelism;
        public double minutes;
        public double warmupMinutes;
        public double badRate;
        public List<SoakSample> samples = new ArrayList<>();
        public List<SoakVerdict> verdicts = new ArrayList<>();
        /** Every series holds once warm. */
        public boolean passed;
    }

    public static class SoakSample {
        public double minute;
        public double eventsPerSecond;
        /** Heap used right after a full GC, of the JVM the embedded job runs in. */
        public double heapAfterGcMb;
        /** The RocksDB working directories (io.tmp.dirs). */
        public double rocksDbMb;

        public double checkpointSeconds;
        /** The state the last checkpoint holds (REST state_size; not an incremental checkpoint's upload). */
        public double checkpointMb;

        public double freshnessP99Ms;
        public double deadLettersPerMinute;
    }

    public static class SoakVerdict {
        public String series;
        public String unit;
        public int samples;
        public double first;
        public double last;
        public double mean;
        public double slopePerMinute;
        public double rise;
        public double allowed;
        public boolean holds;
    }

    public static class Target {
        public String name;
        public String target;
        public String measured;
        public boolean met;
    }
}

package io.freshrec.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.InputFormat;
import io.freshrec.events.InteractionParser;
import io.freshrec.job.FreshRecJob;
import io.freshrec.model.Recommendations;
import io.freshrec.serving.RecommendationClient;
import io.freshrec.testing.CollectingSink;
import io.freshrec.testing.ModelLookups;
import io.freshrec.testing.TestPorts;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input: 1,206 bad records of every kind ({@link HostileCorpus}) interleaved with 1,600 valid interactions.
 * The job must not restart once, must send exactly the injected records to the dead letters (each with a reason),
 * and must answer every lookup exactly as a clean run of the valid interactions alone does (and as the oracle says).
 */
class HostileInputIT {
    private static final int BASE = TestPorts.block().first();
    private static final int BAD = 1206;

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = ReliabilityCluster.extension(BASE);

    @TempDir
    Path savepoints;

    @Test
    void shouldDeadLetterEveryHostileRecordWithoutARestartAndLearnAsACleanRun() throws Exception {
        List<String> valid = Scenario.syntheticRecords(25, 1600, 0.0, Scenario.START);
        HostileCorpus corpus = new HostileCorpus(valid, BAD, 25);
        Scenario hostile = new Scenario("hostile-input", corpus, corpus.size());
        assertThat(corpus.acceptedBy(new InteractionParser(InputFormat.JSON_LINES), BAD))
                .as("bad records the parser accepts")
                .isEmpty();
        assertThat(hostile.deadLetters)
                .as("records of the corpus the parser rejects")
                .isEqualTo(BAD);
        assertThat(hostile.events).hasSize(valid.size());
        Scenario clean = new Scenario("hostile-input-clean", valid);

        StreamExecutionEnvironment env = ReliabilityCluster.environment(2);
        CollectingSink<DeadLetter> deadLetters = new CollectingSink<>("hostile-dead-letters");
        new FreshRecJob(
                        hostile.settings,
                        hostile.source(0, null),
                        deadLetters,
                        new CollectingSink<Recommendations>("hostile-served"))
                .build(env);
        JobClient job = ReliabilityCluster.execute(env, null);
        Map<String, String> hostileAnswers = answers(job, hostile);
        ExactlyOnce.Outcome outcome = ExactlyOnce.verify(CLUSTER, BASE, job, hostile, savepoints);

        StreamExecutionEnvironment cleanEnv = ReliabilityCluster.environment(2);
        clean.job(0, null, "run").build(cleanEnv);
        JobClient cleanJob = ReliabilityCluster.execute(cleanEnv, null);
        Map<String, String> cleanAnswers = answers(cleanJob, clean);
        ExactlyOnce.verify(CLUSTER, BASE, cleanJob, clean, savepoints);

        Map<String, Integer> reasons = new TreeMap<>();
        for (DeadLetter letter : deadLetters.received()) {
            assertThat(letter.reason).as("reason of a dead letter").matches("[a-z-]+: .+");
            reasons.merge(letter.reason.substring(0, letter.reason.indexOf(':')), 1, Integer::sum);
        }
        System.out.println("[reliability] dead letters by reason: " + reasons);
        outcome.record("8 hostile input: " + BAD + " bad records of 9 kinds", hostile, null);
        assertThat(outcome.restarts()).as("restarts").isZero();
        assertThat(deadLetters.received()).as("dead letters written").hasSize(BAD);
        assertThat(outcome.deadLetters()).as("dead letters counted").isEqualTo(BAD);
        assertThat(hostileAnswers).as("every lookup, hostile run vs clean run").isEqualTo(cleanAnswers);
    }

    /** Every user's list and every item's state once the job has reached the oracle's state. */
    private static Map<String, String> answers(JobClient job, Scenario scenario) throws Exception {
        try (RecommendationClient lookups = ReliabilityCluster.lookups(BASE, job.getJobID(), Duration.ofSeconds(30))) {
            ExactlyOnce.awaitOracle(lookups, scenario, Duration.ofMinutes(3));
            return ModelLookups.read(lookups, scenario.users(), scenario.items());
        }
    }
}

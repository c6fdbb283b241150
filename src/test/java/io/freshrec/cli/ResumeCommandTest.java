package io.freshrec.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.freshrec.testing.TestPorts;
import io.freshrec.versions.DeploymentRecord;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pieces of {@code resume} that need no cluster; the whole command runs in TaskManagerKillIT (fault 13). */
class ResumeCommandTest {
    private final TestPorts.Block ports = TestPorts.block();

    @TempDir
    Path work;

    @Test
    void shouldPickTheCompletedCheckpointWithTheHighestNumber() throws Exception {
        Path job = work.resolve("0123456789abcdef0123456789abcdef");
        for (String checkpoint : List.of("chk-3", "chk-12", "chk-9")) {
            Files.createDirectories(job.resolve(checkpoint));
            Files.writeString(job.resolve(checkpoint).resolve("_metadata"), "x");
        }
        // Being written when the JobManager died: no _metadata yet. And Flink's other directories.
        Files.createDirectories(job.resolve("chk-13"));
        Files.createDirectories(job.resolve("shared"));
        Files.createDirectories(job.resolve("taskowned"));

        assertThat(ResumeCommand.newestCheckpoint(job)).contains(job.resolve("chk-12"));
        assertThat(ResumeCommand.newestCheckpoint(work.resolve("no-such-job"))).isEmpty();
    }

    @Test
    void shouldResumeTheNewestJobSubmittedToThisCluster() {
        URI rest = URI.create("http://127.0.0.1:28081/");
        DeploymentRecord older = deployment("a", "http://127.0.0.1:28081/", "2026-12-07T08:00:00Z", false);
        DeploymentRecord newer = deployment("b", "http://127.0.0.1:28081/", "2026-12-07T09:00:00Z", false);
        DeploymentRecord elsewhere = deployment("c", "http://127.0.0.1:8081/", "2026-12-07T10:00:00Z", false);
        DeploymentRecord embedded = deployment("d", "http://127.0.0.1:28081/", "2026-12-07T11:00:00Z", true);

        assertThat(ResumeCommand.lastDeployment(List.of(older, newer, elsewhere, embedded), rest))
                .get()
                .extracting(d -> d.jobId)
                .isEqualTo("b");
        assertThat(ResumeCommand.lastDeployment(List.of(elsewhere), rest)).isEmpty();
    }

    @Test
    void shouldExplainWhatIsMissingOnOneLine() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String nowhere = "http://127.0.0.1:" + ports.port(0);
        int code = FreshRecCli.execute(
                new PrintWriter(out, true),
                new PrintWriter(err, true),
                "resume",
                "--flink-rest",
                nowhere,
                "--registry",
                work.resolve("versions").toString());
        assertThat(code).isEqualTo(1);
        assertThat(err.toString().trim())
                .isEqualTo("freshrec: no Flink REST API at " + nowhere + "/ (is the job running?)");
    }

    private static DeploymentRecord deployment(String job, String rest, String at, boolean embedded) {
        DeploymentRecord deployment = new DeploymentRecord();
        deployment.jobId = job;
        deployment.flinkRest = rest;
        deployment.submittedAt = at;
        deployment.embedded = embedded;
        return deployment;
    }
}

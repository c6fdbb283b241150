package io.freshrec.versions;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The registry file: round trip, lookups, retention, concurrent writers in threads and processes, crashes. */
class VersionRegistryTest {
    @TempDir
    Path dir;

    private static VersionRecord version(String kind, String savepoint, String tag) {
        VersionRecord version = new VersionRecord();
        version.kind = kind;
        version.savepoint = savepoint;
        version.tag = tag;
        return version;
    }

    @Test
    void shouldRoundTripEveryFieldAndFindVersionsByIdNumberOrTag() {
        VersionRegistry registry = new VersionRegistry(dir);
        assertThat(registry.read().versions).isEmpty();
        VersionRecord first = version(VersionRecord.MANUAL, "file:/sp/savepoint-1", "baseline");
        first.jobId = "0123456789abcdef0123456789abcdef";
        first.flinkRest = "http://localhost:8081/";
        first.takenAt = "2024-01-01T00:00:00Z";
        first.savepointMillis = 312L;
        first.sizeBytes = 4096L;
        first.events = 5000L;
        first.hits = 800L;
        first.scored = 4000L;
        first.recallRolling = 0.21;
        first.recallTotal = 0.2;
        first.modelVersion = 123L;
        first.programArgs = List.of("--events", "5000", "--keep-running", "-D", "a=b");
        first.parallelism = 2;
        first.jar = "/x/freshrec.jar";
        first.note = "first \"quoted\" note\nwith a newline";
        assertThat(registry.add(first).id).isEqualTo("v1");
        registry.add(version(VersionRecord.AUTO, "file:/sp/savepoint-2", null));
        registry.add(version(VersionRecord.SAFETY, "file:/sp/savepoint-3", "baseline"));

        VersionRecord back = new VersionRegistry(dir).find("v1").orElseThrow();
        assertThat(back).usingRecursiveComparison().isEqualTo(first);
        assertThat(registry.find("2").orElseThrow().id).isEqualTo("v2");
        assertThat(registry.find("V2").orElseThrow().id).isEqualTo("v2");
        // A tag names its newest version.
        assertThat(registry.find("baseline").orElseThrow().id).isEqualTo("v3");
        assertThat(registry.find("v9")).isEmpty();

        DeploymentRecord deployment = new DeploymentRecord();
        deployment.jobId = "j1";
        deployment.programArgs = List.of("--rate", "0");
        deployment.continuing(back);
        registry.recordDeployment(deployment);
        assertThat(registry.read().deployment("j1").orElseThrow().baseEvents).isEqualTo(5000L);
        assertThat(registry.read().deployment("j1").orElseThrow().fromVersion).isEqualTo("v1");
        assertThat(registry.read().deployment("other")).isEmpty();
        // The index is plain, readable JSON.
        assertThat(registry.index()).content().contains("\"id\" : \"v1\"").contains("\"nextNumber\" : 4");
    }

    @Test
    void shouldKeepTheNewestAutomaticAndEveryTaggedVersionAndDeleteThePrunedSavepoints() throws IOException {
        VersionRegistry registry = new VersionRegistry(dir);
        List<Path> savepoints = new ArrayList<>();
        String[] kinds = {"auto", "auto", "manual", "auto", "auto", "safety", "auto", "auto", "auto"};
        String[] tags = {null, "keep", null, null, null, null, "keep-too", null, null};
        for (int i = 0; i < kinds.length; i++) {
            Path savepoint = Files.createDirectories(dir.resolve("savepoint-" + i));
            Files.writeString(savepoint.resolve("_metadata"), "x");
            savepoints.add(savepoint);
            registry.add(version(kinds[i], savepoint.toUri().toString(), tags[i]));
        }
        List<VersionRecord> removed = Versioning.applyRetention(registry, 2);

        // Untagged automatic versions: v1, v4, v5, v8, v9; the newest two stay.
        assertThat(removed).extracting(version -> version.id).containsExactly("v1", "v4", "v5");
        assertThat(registry.read().versions)
                .extracting(version -> version.id)
                .containsExactly("v2", "v3", "v6", "v7", "v8", "v9");
        for (int i = 0; i < savepoints.size(); i++) {
            boolean pruned = List.of(0, 3, 4).contains(i);
            assertThat(Files.exists(savepoints.get(i))).as("savepoint %d", i).isEqualTo(!pruned);
        }
        // Numbers are not reused after removals.
        assertThat(registry.add(version("auto", "file:/sp/x", null)).id).isEqualTo("v10");
        assertThat(Versioning.applyRetention(registry, 2))
                .extracting(version -> version.id)
                .containsExactly("v8");
    }

    @Test
    void shouldNumberEveryVersionOnceUnderConcurrentWritersInThreadsAndProcesses() throws Exception {
        List<Process> processes = new ArrayList<>();
        for (int p = 0; p < 2; p++) {
            processes.add(writer(dir, 25, "process" + p).start());
        }
        ExecutorService threads = Executors.newFixedThreadPool(4);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < 4; t++) {
            String name = "thread" + t;
            done.add(threads.submit(() -> {
                VersionRegistry registry = new VersionRegistry(dir);
                for (int i = 0; i < 25; i++) {
                    VersionRecord version = version(VersionRecord.MANUAL, "file:/nowhere/" + name + "-" + i, null);
                    version.note = name + " " + i;
                    registry.add(version);
                }
            }));
        }
        for (Future<?> future : done) {
            future.get(120, TimeUnit.SECONDS);
        }
        threads.shutdown();
        for (Process process : processes) {
            assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue())
                    .as(new String(process.getErrorStream().readAllBytes()))
                    .isZero();
        }
        List<VersionRecord> versions = new VersionRegistry(dir).read().versions;
        assertThat(versions).hasSize(150);
        assertThat(versions.stream().map(version -> version.number).collect(Collectors.toSet()))
                .hasSize(150);
        assertThat(versions.stream().map(version -> version.note).collect(Collectors.toSet()))
                .hasSize(150);
        assertThat(new VersionRegistry(dir).read().nextNumber).isEqualTo(151);
        // In order of numbering, each writer's own versions appear in the order it wrote them.
        for (String writer : List.of("process0", "process1", "thread0", "thread3")) {
            List<Integer> own = versions.stream()
                    .filter(version -> version.note.startsWith(writer + " "))
                    .map(version -> Integer.parseInt(version.note.substring(writer.length() + 1)))
                    .toList();
            assertThat(own).isSorted().hasSize(25);
        }
    }

    @Test
    void shouldSurviveAWriterKilledMidWrite() throws Exception {
        for (int round = 0; round < 3; round++) {
            Process process = writer(dir, -1, "victim" + round).start();
            Path index = dir.resolve(VersionRegistry.INDEX);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.exists(index)
                    || new VersionRegistry(dir).read().versions.size() < 20 * (round + 1)) {
                assertThat(System.nanoTime()).isLessThan(deadline);
                Thread.sleep(10);
            }
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            // Whatever moment the kill hit: the index is whole and numbered without gaps.
            VersionRegistry.Content content = new VersionRegistry(dir).read();
            List<Long> numbers =
                    content.versions.stream().map(version -> version.number).toList();
            assertThat(numbers).isSorted().doesNotHaveDuplicates();
            assertThat(numbers.get(numbers.size() - 1)).isEqualTo(content.nextNumber - 1);
            assertThat(numbers).hasSize((int) (content.nextNumber - 1));
        }
        // A temporary file as a crash leaves it: ignored by readers, removed by the next writer, whose lock is free.
        Path leftover = dir.resolve(VersionRegistry.INDEX + ".12345.tmp");
        Files.writeString(leftover, "{\"versions\": [ {\"id\": \"v");
        long before = new VersionRegistry(dir).read().nextNumber;
        VersionRecord added = new VersionRegistry(dir).add(version(VersionRecord.MANUAL, "file:/x", null));
        assertThat(added.number).isEqualTo(before);
        assertThat(leftover).doesNotExist();
        try (var files = Files.list(dir)) {
            assertThat(files.map(path -> path.getFileName().toString()).filter(name -> name.endsWith(".tmp")))
                    .isEmpty();
        }
    }

    @Test
    void shouldRefuseAnUnreadableIndexOnOneLine() throws IOException {
        Files.writeString(dir.resolve(VersionRegistry.INDEX), "{ not json");
        assertThatThrownBy(() -> new VersionRegistry(dir).read())
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageStartingWith(
                        "the version registry " + dir.resolve(VersionRegistry.INDEX) + " is not valid JSON")
                .message()
                .doesNotContain("\n");
        // And nothing is written over it.
        assertThatThrownBy(() -> new VersionRegistry(dir).add(version("manual", "file:/x", null)))
                .isInstanceOf(UncheckedIOException.class);
        assertThat(dir.resolve(VersionRegistry.INDEX)).hasContent("{ not json");
    }

    private static ProcessBuilder writer(Path dir, long count, String name) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        return new ProcessBuilder(
                        java,
                        "-cp",
                        System.getProperty("java.class.path"),
                        RegistryWriter.class.getName(),
                        dir.toString(),
                        String.valueOf(count),
                        name)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
    }
}

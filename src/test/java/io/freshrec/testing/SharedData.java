package io.freshrec.testing;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The real data sets in {@code ../shared/data} (read from there, never copied into the repository). A test that needs
 * one may skip on a developer's machine without them, with a message that says where it looked; under CI (the {@code
 * CI} environment variable set, as {@code .ci/run} runs) a missing file fails the test instead, so a data-set test can
 * never pass by not running.
 */
public final class SharedData {
    /** MovieLens latest-small's ratings (licence in that directory's README). */
    public static final Path MOVIELENS_SMALL_RATINGS =
            Path.of("..", "shared", "data", "movielens-latest-small", "ratings.csv");

    private SharedData() {}

    /** Whether this JVM runs under CI: the {@code CI} environment variable is set and not {@code false}. */
    public static boolean underCi() {
        return underCi(System.getenv("CI"));
    }

    static boolean underCi(String ci) {
        return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
    }

    /**
     * Returns {@code file}, absolute, when it is a regular file; otherwise fails the test under CI and skips it
     * elsewhere, naming the path either way.
     */
    public static Path require(Path file) {
        return require(file, underCi());
    }

    static Path require(Path file, boolean ci) {
        Path absolute = file.toAbsolutePath().normalize();
        boolean present = Files.isRegularFile(absolute);
        if (!present && ci) {
            fail("shared data set missing under CI (a data-set test must run there, not skip): " + absolute);
        }
        assumeTrue(present, "shared data set not present, test skipped (it fails under CI): " + absolute);
        return absolute;
    }
}

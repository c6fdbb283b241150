package io.freshrec.cli;

import io.freshrec.versions.SavepointFiles;
import io.freshrec.versions.VersionRecord;
import io.freshrec.versions.VersionRegistry;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/** Checks shared by the commands that start the job from a version: the version is known, its savepoint still there. */
final class Rollbacks {
    private Rollbacks() {}

    /** The version {@code reference} names, with its savepoint still in place; one-line failures otherwise. */
    static VersionRecord existingVersion(VersionRegistry registry, String reference) {
        VersionRegistry.Content content = registry.read();
        Optional<VersionRecord> found = content.version(reference);
        if (found.isEmpty()) {
            throw new FreshRecCli.CommandFailure("unknown version '" + reference + "' in " + registry.index() + " ("
                    + known(content.versions, "it has none yet") + ")");
        }
        return withSavepoint(found.get());
    }

    /** "known: v1, v2" or {@code none} when the registry is empty, for errors naming an unknown version. */
    static String known(List<VersionRecord> versions, String none) {
        return versions.isEmpty()
                ? none
                : "known: " + versions.stream().map(version -> version.id).collect(Collectors.joining(", "));
    }

    /** {@code version}, once its savepoint is known to be still in place (when this machine can tell). */
    static VersionRecord withSavepoint(VersionRecord version) {
        if (SavepointFiles.exists(version.savepoint).orElse(true) == Boolean.FALSE) {
            throw new FreshRecCli.CommandFailure(
                    "the savepoint of " + version.id + " is missing: " + version.savepoint + " (deleted or moved?)");
        }
        return version;
    }

    /** A savepoint given by path must exist, when this machine can tell. */
    static void requireSavepoint(String location, String option) {
        if (SavepointFiles.exists(location).orElse(true) == Boolean.FALSE) {
            throw new FreshRecCli.CommandFailure(option + " " + location + ": no savepoint there (no _metadata)");
        }
    }
}

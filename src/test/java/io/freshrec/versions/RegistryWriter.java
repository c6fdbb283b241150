package io.freshrec.versions;

import java.nio.file.Path;
import java.util.Collections;

/** A separate process adding versions to a registry: {@code RegistryWriter DIR COUNT NAME} (COUNT -1: forever). */
public final class RegistryWriter {
    private RegistryWriter() {}

    public static void main(String[] args) {
        VersionRegistry registry = new VersionRegistry(Path.of(args[0]));
        long count = Long.parseLong(args[1]);
        for (long i = 0; count < 0 || i < count; i++) {
            VersionRecord version = new VersionRecord();
            version.kind = VersionRecord.AUTO;
            version.savepoint = "file:/nowhere/" + args[2] + "-" + i;
            version.note = args[2] + " " + i;
            // Large enough that a write takes a moment, so a kill can land in the middle of one.
            version.programArgs = Collections.nCopies(200, "--padding-" + args[2]);
            registry.add(version);
        }
        System.out.println("done");
    }
}

package io.freshrec.cli;

import io.freshrec.model.ModelExport;
import io.freshrec.offline.OfflineModel;
import io.freshrec.offline.SavepointModel;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code freshrec export}: a model version as files the Flink ML servable loads. */
@Command(
        name = "export",
        mixinStandardHelpOptions = true,
        description = "Read a savepoint of the FreshRec job offline (State Processor API) and write its model as files "
                + "(model.jsonl, users.jsonl, export.json) that FreshRecServable.load(DIR) scores with.")
final class ExportCommand implements Callable<Integer> {
    @Mixin
    SavepointSource source;

    @Option(
            names = "--out",
            required = true,
            paramLabel = "DIR",
            description = "New or empty directory to write the export to.")
    Path out;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        PrintWriter output = spec.commandLine().getOut();
        PrintWriter progress = spec.commandLine().getErr();
        Path dir = out.toAbsolutePath().normalize();
        if (Files.isRegularFile(dir)) {
            throw new FreshRecCli.CommandFailure("--out " + dir + " is a file, not a directory");
        }
        if (Files.isDirectory(dir)) {
            try (var entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new FreshRecCli.CommandFailure(
                            "--out " + dir + " is not empty (export into a new or empty directory)");
                }
            }
        }
        SavepointSource.Resolved resolved = source.resolve();
        var config = resolved.modelConfig();
        SavepointModel savepoint = resolved.open(progress);
        long started = System.currentTimeMillis();
        progress.println("Exporting " + resolved.label() + " to " + dir + " ...");
        progress.flush();
        ModelExport.Manifest manifest = new ModelExport.Manifest();
        manifest.version = resolved.version();
        manifest.settings = resolved.settingsSource();
        try {
            OfflineModel.export(savepoint, config, dir, manifest);
        } catch (IOException e) {
            throw new FreshRecCli.CommandFailure("cannot export to " + dir + ": " + e.getMessage());
        }
        output.printf(
                Locale.ROOT,
                "Exported model v%d of %s: %,d items, %,d users in %.1f s%n",
                manifest.modelVersion,
                resolved.version() != null ? resolved.version() : "the savepoint",
                manifest.items,
                manifest.users,
                (System.currentTimeMillis() - started) / 1000.0);
        output.printf(
                Locale.ROOT,
                "  %,d of %,d served lists were computed with v%d: the servable reproduces those exactly%s%n",
                manifest.servedWithThisVersion,
                manifest.servedUsers,
                manifest.modelVersion,
                manifest.servedWithThisVersion < manifest.servedUsers
                        ? " (the others predate it; it scores them with v" + manifest.modelVersion + ")"
                        : "");
        output.printf(
                Locale.ROOT,
                "  %s: %s %s, %s %s, %s%n",
                dir,
                ModelExport.MODEL_FILE,
                InspectCommand.bytes(Files.size(dir.resolve(ModelExport.MODEL_FILE))),
                ModelExport.USERS_FILE,
                InspectCommand.bytes(Files.size(dir.resolve(ModelExport.USERS_FILE))),
                ModelExport.MANIFEST_FILE);
        if (manifest.expiredItems + manifest.invalidItems > 0) {
            output.printf(
                    Locale.ROOT,
                    "  left out: %,d expired items, %,d items with an invalid snapshot%n",
                    manifest.expiredItems,
                    manifest.invalidItems);
        }
        output.println("  Settings: " + manifest.settings);
        output.println("  Load it: FreshRecServable.load(Path.of(\"" + dir + "\"))");
        output.flush();
        return 0;
    }
}

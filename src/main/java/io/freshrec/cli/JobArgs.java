package io.freshrec.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The arguments of {@link FreshRecJobMain} (the job's entry class on a cluster) that reproduce the job a
 * command was asked for: its source options, {@code -D} settings, {@code --dead-letters} and {@code
 * --flink-conf}, exactly as the user wrote them. Recorded with every deployment and version, so a rollback
 * restarts a version's job with that version's arguments.
 */
final class JobArgs {
    /** Options of a command that are also options of the job's entry class. */
    private static final Set<String> JOB_OPTIONS = Set.of("--set", "--dead-letters", "--flink-conf");
    /** Options whose values are local paths: made absolute for a job started from this machine. */
    private static final Set<String> PATHS = Set.of("--input", "--dead-letters", "--flink-conf");

    private JobArgs() {}

    /**
     * @param absolutePaths make path values absolute (the embedded run: the job is restarted in this
     *     process's directory, but maybe by a command started elsewhere)
     */
    static List<String> of(CommandLine.Model.CommandSpec spec, boolean absolutePaths) {
        Set<String> sourceOptions = new HashSet<>();
        CommandLine.Model.CommandSpec mixin = spec.mixins().get("sourceOptions");
        if (mixin != null) {
            mixin.options().forEach(option -> sourceOptions.add(option.longestName()));
        }
        List<String> args = new ArrayList<>();
        // An option matched several times (-D a=1 -D b=2) is listed once per match; its values are all in each.
        for (OptionSpec option :
                new LinkedHashSet<>(spec.commandLine().getParseResult().matchedOptions())) {
            String name = option.longestName();
            if (!sourceOptions.contains(name) && !JOB_OPTIONS.contains(name)) {
                continue;
            }
            String shown = name.equals("--set") ? "-D" : name;
            if (option.arity().max() == 0) {
                args.add(shown);
                continue;
            }
            for (String value : option.originalStringValues()) {
                args.add(shown);
                args.add(
                        absolutePaths && PATHS.contains(name)
                                ? Path.of(value).toAbsolutePath().normalize().toString()
                                : value);
            }
        }
        return args;
    }

    /** Adds {@code name value} unless the arguments already set {@code name}. */
    static void addDefault(List<String> args, String name, String value) {
        if (!args.contains(name)) {
            args.add(name);
            args.add(value);
        }
    }
}

package io.freshrec.cli;

import io.freshrec.evaluation.Baseline;
import io.freshrec.evaluation.CosineCooccurrence;
import io.freshrec.evaluation.EnsembleReplay;
import io.freshrec.evaluation.EvaluationReport;
import io.freshrec.evaluation.Prequential;
import io.freshrec.evaluation.ReplayedEvents;
import io.freshrec.evaluation.RoundedTimestamps;
import io.freshrec.evaluation.RunningPopularity;
import io.freshrec.events.InputFormat;
import io.freshrec.job.FreshRecOptions;
import io.freshrec.model.BlendWeights;
import io.freshrec.ops.EmbeddedRun;
import io.freshrec.sources.InteractionSource;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.util.TimeUtils;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code freshrec evaluate}: replays a file through the real job and, on the same replay, through two baselines
 * (running popularity, cosine co-occurrence over the last 10 items), and prints their prequential figures.
 */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Replay a dataset through the job (embedded Flink) and two baselines on the same replay; print "
                + "prequential recall@10, NDCG@10 and catalogue coverage of each as a table and JSON.")
final class EvaluateCommand implements Callable<Integer> {
    /** The baselines' last-items window (the published reference figure uses 10). */
    static final int BASELINE_RECENT_ITEMS = 10;
    /** Keeps every user and item of any file the parser accepts (events from 1990 on): the protocol forgets nobody. */
    static final String NEVER_EXPIRE = "36500 d";

    @Option(
            names = "--input",
            required = true,
            description = "Dataset: u.data, ratings.csv, ratings.dat or JSON lines.")
    Path input;

    @Option(
            names = "--format",
            description = "Format of --input: ${COMPLETION-CANDIDATES}. Default: from the file name.")
    InputFormat format;

    @Option(
            names = "--json",
            defaultValue = "target/evaluate/evaluate.json",
            description = "Where the JSON report goes. Default: ${DEFAULT-VALUE}.")
    Path json;

    @Option(
            names = "--time-resolution",
            converter = DurationConverter.class,
            description = "Round every timestamp down to a multiple of this (e.g. 1d: exports that keep only the "
                    + "date) before the replay; the rounded copy is written next to --json as JSON lines.")
    Duration timeResolution;

    @Mixin
    ProgressOptions progressOptions;

    @Mixin
    ConfigOptions configOptions;

    @Option(
            names = "--dead-letters",
            defaultValue = "target/evaluate/dead-letters",
            description = "Directory for the job's dead-letter files. Default: ${DEFAULT-VALUE}.")
    Path deadLetters;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if (!Files.isRegularFile(input)) {
            throw new IllegalArgumentException("--input " + input + ": no such file");
        }
        Duration interval = progressOptions.positive();
        InputFormat inputFormat = format != null ? format : InputFormat.detect(input);

        Configuration conf = configOptions.load();
        FreshRecOptions.modelConfig(conf); // bad model settings fail here, in one line, before the replay is read
        PrintWriter out = spec.commandLine().getOut();

        Path file = input;
        if (timeResolution != null) {
            Path rounded = json.toAbsolutePath()
                    .getParent()
                    .resolve(file.getFileName() + ".rounded-" + timeResolution.toMillis() + "ms.jsonl");
            long records =
                    RoundedTimestamps.write(file, inputFormat, timeResolution, rounded, System.currentTimeMillis());
            out.printf(
                    Locale.ROOT,
                    "Rounded every timestamp of %s down to a multiple of %s: %s (%,d records)%n",
                    file,
                    TimeUtils.formatWithHighestUnit(timeResolution),
                    rounded,
                    records);
            file = rounded;
            inputFormat = InputFormat.JSON_LINES;
        }
        out.printf(
                "Reading %s (%s) ...%n",
                file, inputFormat.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        out.flush();
        ReplayedEvents replay = ReplayedEvents.load(file, inputFormat, System.currentTimeMillis());
        if (replay.events.isEmpty()) {
            throw new IllegalArgumentException("--input " + this.input + ": no valid interaction in " + replay.records
                    + " records (wrong --format?)");
        }
        out.printf(
                Locale.ROOT,
                "%,d records: %,d interactions of %,d users with %,d items; %,d dead letters%n",
                replay.records,
                replay.events.size(),
                replay.users,
                replay.catalogue,
                replay.deadLetters);

        Map<String, String> settings = jobSettings(conf, replay);
        EvaluationReport report = new EvaluationReport(file.toString(), inputFormat.name(), replay, settings);
        List<Baseline> baselines = List.of(new RunningPopularity(), new CosineCooccurrence(BASELINE_RECENT_ITEMS));
        for (Baseline baseline : baselines) {
            out.printf("Baseline %s ...%n", baseline.name());
            out.flush();
            Prequential.Figures figures = Prequential.evaluate(baseline, replay, done -> {
                out.printf(Locale.ROOT, "  %s: %,d of %,d interactions%n", baseline.name(), done, replay.events.size());
                out.flush();
            });
            out.printf(
                    Locale.ROOT,
                    "Baseline %s: recall@10 %.4f, NDCG@10 %.4f, coverage %.4f, %,d scored (%.1f s)%n",
                    figures.model,
                    figures.recall(),
                    figures.ndcg(),
                    figures.coverage(),
                    figures.scored,
                    figures.seconds);
            out.flush();
            report.add(figures);
        }

        out.println("Ensemble components and blends, in memory (the model's math in one thread) ...");
        out.flush();
        EnsembleReplay.Result ensemble = new EnsembleReplay(
                        FreshRecOptions.modelConfig(conf), BlendWeights.DEFAULT_RATE)
                .evaluate(replay, done -> {
                    out.printf(Locale.ROOT, "  ensemble: %,d of %,d interactions%n", done, replay.events.size());
                    out.flush();
                });
        ensemble.rows.forEach(report::add);
        report.ensemble(
                EnsembleReplay.COMPONENTS,
                EnsembleReplay.CANDIDATES,
                BlendWeights.DEFAULT_RATE,
                ensemble.learnt.weights);
        report.note(String.format(
                Locale.ROOT,
                "learnt blend weights at the end (%s): %s",
                String.join(", ", EnsembleReplay.COMPONENTS),
                weights(ensemble.learnt.weights)));

        out.printf("FreshRec: replaying through the job (%s)%n", describe(settings));
        out.flush();
        InteractionSource source = InteractionSource.replay(file, inputFormat, 0, false);
        EmbeddedRun.Summary summary = new EmbeddedRun(conf, source, deadLetters, out).run(null, interval, new long[0]);
        if (summary.restarts > 0) {
            // Accumulators come from the job's last attempt only: a restart makes every FreshRec figure a part of the
            // replay.
            throw new FreshRecCli.CommandFailure(String.format(
                    Locale.ROOT,
                    "the job recovered from %d failure(s) during the "
                            + "replay (the first: %s), so its figures cover only the events after its last restore; no table "
                            + "written. Run evaluate again",
                    summary.restarts,
                    summary.firstFailure));
        }
        Prequential.Figures freshrec = new Prequential.Figures("FreshRec");
        freshrec.scored = summary.scored;
        freshrec.hits = summary.hits;
        freshrec.ndcgGain = summary.ndcgGain;
        freshrec.covered = Math.max(0, summary.servedItems);
        freshrec.catalogue = replay.catalogue;
        freshrec.seconds = summary.seconds;
        report.models().add(0, freshrec);

        long protocolScored = report.models().get(1).scored;
        if (freshrec.scored != protocolScored) {
            report.note(String.format(
                    Locale.ROOT,
                    "FreshRec scored %,d events, the baselines %,d: the job forgot users, items "
                            + "or seen items the baselines keep (check the freshrec.state.*-ttl and freshrec.model.seen-limit settings)",
                    freshrec.scored,
                    protocolScored));
        }
        long repeats = report.models().get(1).repeats;
        if (repeats > 0) {
            report.note(String.format(
                    Locale.ROOT,
                    "%,d interactions repeat an item the user had already seen: no model scores "
                            + "them (they cannot be among unseen items; the protocol would count them as misses)",
                    repeats));
        }
        if (replay.deadLetters > 0) {
            report.note(String.format(
                    Locale.ROOT, "%,d records are dead letters: no model learns or scores them", replay.deadLetters));
        }

        out.println();
        out.print(report.table());
        for (String note : report.notes()) {
            out.println("Note: " + note);
        }
        report.writeJson(json);
        out.printf("JSON: %s%n", json.toAbsolutePath().normalize());
        out.flush();
        return 0;
    }

    /**
     * Settings for the job's replay, where not overridden: served once the model caught up with each event (as any
     * full-speed replay), users and items never expire and every item a user saw stays seen (the protocol forgets
     * nothing, so FreshRec scores the same events as the baselines), served lists tracked for coverage, REST on any
     * free port. Returns the freshrec.* settings in effect.
     */
    private Map<String, String> jobSettings(Configuration conf, ReplayedEvents replay) {
        setUnlessOverridden(conf, FreshRecOptions.ALIGN_TO_MODEL, true);
        // The model is measured, not the live safeguard: a breaker opened on the replay would freeze serving.
        setUnlessOverridden(conf, FreshRecOptions.BREAKER_ENABLED, false);
        setUnlessOverridden(conf, FreshRecOptions.USER_TTL, TimeUtils.parseDuration(NEVER_EXPIRE));
        setUnlessOverridden(conf, FreshRecOptions.ITEM_TTL, TimeUtils.parseDuration(NEVER_EXPIRE));
        setUnlessOverridden(
                conf,
                FreshRecOptions.SEEN_LIMIT,
                Math.max(conf.get(FreshRecOptions.SEEN_LIMIT), replay.maxItemsPerUser()));
        conf.set(FreshRecOptions.TRACK_SERVED_ITEMS, true);
        if (!configOptions.overrides.containsKey(RestOptions.PORT.key())
                && !configOptions.overrides.containsKey(RestOptions.BIND_PORT.key())) {
            conf.set(RestOptions.BIND_PORT, "0");
        }
        Map<String, String> settings = new TreeMap<>();
        conf.toMap().forEach((key, value) -> {
            if (key.startsWith("freshrec.model.")
                    || key.startsWith("freshrec.serving.")
                    || key.startsWith("freshrec.state.")
                    || key.startsWith("freshrec.eval.")) {
                settings.put(key, value);
            }
        });
        return settings;
    }

    private <T> void setUnlessOverridden(Configuration conf, ConfigOption<T> option, T value) {
        if (!configOptions.overrides.containsKey(option.key())) {
            conf.set(option, value);
        }
    }

    private static String weights(double[] weights) {
        StringBuilder text = new StringBuilder();
        for (double weight : weights) {
            text.append(text.length() == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.3f", weight));
        }
        return text.toString();
    }

    private static String describe(Map<String, String> settings) {
        StringBuilder text = new StringBuilder();
        for (String key : List.of(
                "freshrec.serving.align-to-model",
                "freshrec.state.user-ttl",
                "freshrec.state.item-ttl",
                "freshrec.model.seen-limit")) {
            if (text.length() > 0) {
                text.append(", ");
            }
            text.append(key.substring(key.lastIndexOf('.') + 1)).append(' ').append(settings.get(key));
        }
        return text.toString();
    }
}

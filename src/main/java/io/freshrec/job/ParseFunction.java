package io.freshrec.job;

import io.freshrec.events.DeadLetter;
import io.freshrec.events.Interaction;
import io.freshrec.events.InteractionParser;
import io.freshrec.events.ParseResult;
import io.freshrec.model.PopularityDrift;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.accumulators.LongCounter;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Turns raw records into interactions. Anything unusable goes to {@link FreshRecState#DEAD_LETTERS}
 * with its reason and payload and is counted (in total and per reason category); it never throws.
 */
public class ParseFunction extends ProcessFunction<String, Interaction> implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;

    private final InteractionParser parser;
    public static final String ACC_EVENTS = "events";
    public static final String ACC_DEAD_LETTERS = "dead-letters";

    private transient LongCounter eventsTotal;
    private transient LongCounter deadLettersTotal;
    private transient Counter events;
    private transient Counter deadLetters;
    private transient Map<String, Counter> deadLettersByReason;
    private transient MetricGroup reasonGroup;
    /** Events the model has learnt from since it began, across restores and failovers (gauge eventsTotal). */
    private transient CheckpointedCount modelEvents;
    /** Dead letters since the model began (gauge deadLettersTotal). */
    private transient CheckpointedCount modelDeadLetters;

    private final long driftWindowMs;
    private transient PopularityDrift drift;

    public ParseFunction(InteractionParser parser) {
        this(parser, 60_000);
    }

    /** @param driftWindowMs event-time window of the item-popularity drift gauge */
    public ParseFunction(InteractionParser parser, long driftWindowMs) {
        this.parser = parser;
        this.driftWindowMs = driftWindowMs;
    }

    @Override
    public void open(Configuration parameters) {
        MetricGroup metrics = getRuntimeContext().getMetricGroup();
        events = metrics.counter(MetricNames.EVENTS);
        metrics.meter(MetricNames.EVENTS_PER_SECOND, new MeterView(events, 5));
        deadLetters = metrics.counter(MetricNames.DEAD_LETTERS);
        metrics.gauge(MetricNames.EVENTS_TOTAL, () -> modelEvents.get());
        metrics.gauge(MetricNames.DEAD_LETTERS_TOTAL, () -> modelDeadLetters.get());
        reasonGroup = metrics.addGroup(MetricNames.DEAD_LETTER_REASON);
        eventsTotal = new LongCounter();
        deadLettersTotal = new LongCounter();
        getRuntimeContext().addAccumulator(ACC_EVENTS, eventsTotal);
        getRuntimeContext().addAccumulator(ACC_DEAD_LETTERS, deadLettersTotal);
        deadLettersByReason = new HashMap<>();
        drift = new PopularityDrift(driftWindowMs);
        // Jensen-Shannon divergence of item popularity between the last two event-time windows (0 until then).
        metrics.gauge(MetricNames.POPULARITY_SHIFT, () -> Double.isNaN(drift.shift()) ? 0.0 : drift.shift());
    }

    @Override
    public void processElement(String raw, Context ctx, Collector<Interaction> out) {
        long now = System.currentTimeMillis();
        ParseResult result = parser.parse(raw, now);
        if (result.isValid()) {
            Interaction event = result.interaction();
            event.ingestedAt = now;
            events.inc();
            eventsTotal.add(1L);
            modelEvents.add(1);
            drift.record(event.itemId, event.timestamp);
            out.collect(event);
        } else {
            deadLetters.inc();
            deadLettersTotal.add(1L);
            modelDeadLetters.add(1);
            deadLettersByReason
                    .computeIfAbsent(result.reasonCategory(), reasonGroup::counter)
                    .inc();
            ctx.output(FreshRecState.DEAD_LETTERS, DeadLetter.ofRecord(result.reason(), raw, now));
        }
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        modelEvents = CheckpointedCount.sum(context, "events-total");
        modelDeadLetters = CheckpointedCount.sum(context, "dead-letters-total");
    }

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        modelEvents.snapshot();
        modelDeadLetters.snapshot();
    }
}

package io.freshrec.job;

import io.freshrec.model.Recommendations;
import java.util.List;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * Serving's operator: Flink's own keyed-broadcast operator (what {@code connect(broadcast).process(function)} runs), with
 * the same broadcast states and timer service, so savepoints of either restore in the other; and it lets {@link
 * ServingFunction} write its heap copies of users' histories and seen items back to state: in every checkpoint's
 * synchronous phase, when the input ends, and for a key it evicts (which needs the operator's key context, which a function does
 * not have).
 */
public final class ServingOperator
        extends CoBroadcastWithKeyedOperator<Long, ProfileUpdate, ModelUpdate, Recommendations>
        implements WritesBackState {
    private static final long serialVersionUID = 1L;

    public ServingOperator(ServingFunction function) {
        super(function, List.of(FreshRecState.MODEL_ITEMS, FreshRecState.MODEL_VERSION));
    }

    private ServingFunction serving() {
        return (ServingFunction) getUserFunction();
    }

    @Override
    public void open() throws Exception {
        serving().writeBackWith(this);
        super.open();
    }

    /** In the checkpoint's synchronous phase, before the keyed state is snapshotted (after the barrier went on). */
    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        flushState();
        super.snapshotState(context);
    }

    @Override
    public void finish() throws Exception {
        flushState();
        super.finish();
    }

    @Override
    public void flushState() throws Exception {
        serving().flushState();
    }
}

package io.freshrec.model;

/**
 * A decayed sum: {@code value} as of {@code time}. A Flink POJO so that it can be a state value.
 * Adding an increment from any time gives the same sum regardless of arrival order.
 */
public class DecayedValue {
    public double value;
    public long time;

    public DecayedValue() {}

    public DecayedValue(double value, long time) {
        this.value = value;
        this.time = time;
    }

    /** Adds {@code increment} observed at {@code at}; the reference time moves forward only. */
    public DecayedValue add(double increment, long at, long halfLifeMs) {
        if (value == 0.0 && time == 0L) {
            value = increment;
            time = at;
        } else if (at >= time) {
            value = Decay.at(value, time, at, halfLifeMs) + increment;
            time = at;
        } else {
            value += Decay.at(increment, at, time, halfLifeMs);
        }
        return this;
    }

    public double valueAt(long at, long halfLifeMs) {
        return Decay.at(value, time, at, halfLifeMs);
    }

    @Override
    public String toString() {
        return value + "@" + time;
    }
}

package io.freshrec.job;

import io.freshrec.model.UserHistory;

/** One interaction of a user together with their history after it, from user-history to serving. */
public class ProfileUpdate {
    public long userId;
    public long itemId;
    public long time;
    /** Wall-clock arrival of the interaction in the job, for freshness measurements. */
    public long arrivedAt;

    public UserHistory history;

    public ProfileUpdate() {}

    public ProfileUpdate(long userId, long itemId, long time, long arrivedAt, UserHistory history) {
        this.userId = userId;
        this.itemId = itemId;
        this.time = time;
        this.arrivedAt = arrivedAt;
        this.history = history;
    }
}

package io.freshrec.model;

import io.freshrec.events.EventType;
import io.freshrec.events.Interaction;
import java.io.Serializable;

/**
 * How much each interaction says about a user's interest: purchase > add-to-cart > click > view;
 * a rating weighs {@code ratingBase + ratingSlope * value}, never below {@code minRatingWeight}.
 */
public final class EventWeights implements Serializable {
    private static final long serialVersionUID = 1L;

    public double view = 1.0;
    public double click = 2.0;
    public double addToCart = 4.0;
    public double purchase = 8.0;
    public double ratingBase = 1.0;
    public double ratingSlope = 0.5;
    public double minRatingWeight = 0.1;

    public EventWeights copy() {
        EventWeights copy = new EventWeights();
        copy.view = view;
        copy.click = click;
        copy.addToCart = addToCart;
        copy.purchase = purchase;
        copy.ratingBase = ratingBase;
        copy.ratingSlope = ratingSlope;
        copy.minRatingWeight = minRatingWeight;
        return copy;
    }

    public double weightOf(Interaction event) {
        return weightOf(event.type, event.value);
    }

    public double weightOf(EventType type, double value) {
        switch (type) {
            case VIEW:
                return view;
            case CLICK:
                return click;
            case ADD_TO_CART:
                return addToCart;
            case PURCHASE:
                return purchase;
            case RATING:
                return Math.max(minRatingWeight, ratingBase + ratingSlope * value);
            default:
                throw new IllegalArgumentException("unknown event type " + type);
        }
    }

    /** Checks the documented order and positivity; returns a problem or null. */
    public String problem() {
        if (!(view > 0 && click >= view && addToCart >= click && purchase >= addToCart)) {
            return "event weights must satisfy 0 < view <= click <= add-to-cart <= purchase";
        }
        if (!(minRatingWeight > 0) || !Double.isFinite(ratingBase) || !Double.isFinite(ratingSlope)) {
            return "rating weight settings must be finite and the minimum positive";
        }
        return null;
    }
}

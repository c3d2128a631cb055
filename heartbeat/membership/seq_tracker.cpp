// SPDX-License-Identifier: GPL-2.0-or-later
// Sequence tracking for one sender.
#include "membership/seq_tracker.hpp"

namespace hb::membership {

SeqVerdict SeqTracker::classify(std::uint64_t seq) const
{
    if (!last_ || seq > *last_) {
        return SeqVerdict::accept;
    }
    if (seq == *last_) {
        return SeqVerdict::duplicate;
    }
    return missing_.count(seq) > 0 ? SeqVerdict::accept : SeqVerdict::old;
}

SeqResult SeqTracker::track(std::uint64_t seq)
{
    SeqResult r;
    if (!last_ || seq == *last_ + 1) {
        last_ = seq;
        return r;
    }
    if (seq == *last_) {
        r.verdict = SeqVerdict::duplicate;
        return r;
    }
    if (seq > *last_) {
        const std::uint64_t lost = seq - *last_ - 1;
        if (lost > max_gap) {
            reset();
            last_ = seq;
            r.reset_after_big_gap = true;
            return r;
        }
        r.lost_from = *last_ + 1;
        r.lost_to = seq - 1;
        for (std::uint64_t s = r.lost_from; s <= r.lost_to; ++s) {
            if (missing_.size() >= max_missing) {
                // Keep the newest: the oldest is the least likely to still be retransmittable.
                missing_.erase(missing_.begin());
            }
            missing_.insert(s);
        }
        last_ = seq;
        return r;
    }
    if (missing_.erase(seq) > 0) {
        r.recovered = true;
        r.nothing_missing_now = missing_.empty();
        return r;
    }
    r.verdict = SeqVerdict::old;
    return r;
}

void SeqTracker::reset()
{
    last_.reset();
    missing_.clear();
}

bool SeqTracker::give_up(std::uint64_t seq)
{
    return missing_.erase(seq) > 0;
}

}  // namespace hb::membership

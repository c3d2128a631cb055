// SPDX-License-Identifier: GPL-2.0-or-later
// Per-sender sequence tracking, as heartbeat 3.0.6's should_drop_message() does it: accept
// the next seq, report duplicates, record gaps (the missing seqs to ask again for), accept a
// late missing seq once, drop anything else older. Bounded: at most `max_missing` seqs are
// remembered; a gap larger than the flow-control limit resets tracking instead.
#pragma once

#include <cstdint>
#include <optional>
#include <set>

namespace hb::membership {

/// What to do with a message, judged on its seq.
enum class SeqVerdict {
    accept,     ///< new (in order, after a gap, or a recovered missing one)
    duplicate,  ///< the seq we just had: refreshes the link, nothing else
    old,        ///< older and not missing: drop silently
};

/// Result of tracking one seq.
struct SeqResult {
    SeqVerdict verdict = SeqVerdict::accept;
    std::uint64_t lost_from = 0;  ///< first seq of a new gap (0: none)
    std::uint64_t lost_to = 0;    ///< last seq of a new gap
    bool reset_after_big_gap = false;
    bool recovered = false;            ///< a missing seq arrived
    bool nothing_missing_now = false;  ///< ... and it was the last one missing
};

/// Sequence state for one sender.
class SeqTracker {
public:
    static constexpr std::size_t max_missing = 500;  // MAXMSGHIST
    static constexpr std::uint64_t max_gap = 250;    // FLOWCONTROL_LIMIT

    /// What track(seq) would say, without tracking it.
    SeqVerdict classify(std::uint64_t seq) const;
    /// Tracks `seq` (> 0) from this sender.
    SeqResult track(std::uint64_t seq);
    /// Forgets everything (restart, death, partition heal).
    void reset();
    /// The sender told us `seq` cannot be retransmitted: stop waiting for it.
    bool give_up(std::uint64_t seq);

    /// Last in-order seq, if any.
    std::optional<std::uint64_t> last() const { return last_; }
    /// Seqs we are still waiting for, ascending.
    const std::set<std::uint64_t>& missing() const { return missing_; }
    /// True when `seq` is one we wait for.
    bool is_missing(std::uint64_t seq) const { return missing_.count(seq) > 0; }

private:
    std::optional<std::uint64_t> last_;
    std::set<std::uint64_t> missing_;
};

}  // namespace hb::membership

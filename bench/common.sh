# shellcheck shell=bash
# common.sh — what the namespace benchmarks share: the system tests' libraries, our staged
# build (HB_STAGE, default build/stage), the real heartbeat 3.0.6, root, and the clean-up
# of their namespaces however they end. Source it, then call bench_begin PREFIX.
BENCH_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=SCRIPTDIR/../test/system/lib/netns.sh
. "$BENCH_ROOT/test/system/lib/netns.sh"
# shellcheck source=SCRIPTDIR/../test/system/lib/cluster.sh
. "$BENCH_ROOT/test/system/lib/cluster.sh"

# bench_begin PREFIX : check the prerequisites; P=PREFIX; its namespaces go on exit.
bench_begin() {
    netns_require_root
    HB_STAGE=${HB_STAGE:-$BENCH_ROOT/build/stage}
    cluster_require_stage
    cluster_require_reference
    P=$1
    trap 'netns_cleanup "$P"' EXIT
    trap 'exit 130' INT TERM
}

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs one libFuzzer target for a bounded time over a scratch copy of its corpus: the
# committed one (test/fuzz/corpus/TARGET, grown by tools/fuzz) and seeds made from the
# tracked files that target reads (captured packets, the example configurations). Any
# crash, leak or broken property fails; the source tree is never written.
# Usage: run_fuzzer.sh SRCDIR BINDIR TARGET SECONDS
# fuzz_seeds SRCDIR TARGET DIR : writes TARGET's seeds made from tracked files into DIR.
fuzz_seeds() {
    local src=$1 target=$2 dir=$3 example f i=0
    case $target in
    decode_verify_fuzzer | stream_fuzzer)
        for f in "$src"/test/data/packets/*.bin; do cp "$f" "$dir/"; done
        ;;
    config_fuzzer)
        # The first byte picks the parser (config_fuzzer.cpp); 4: ha.cf NUL haresources NUL authkeys.
        for example in "$src"/ha.d-examples/*/; do
            i=$((i + 1))
            [ -f "$example/ha.cf" ] && { printf '\000'; cat "$example/ha.cf"; } >"$dir/ha.cf.$i"
            [ -f "$example/authkeys" ] && { printf '\001'; cat "$example/authkeys"; } >"$dir/authkeys.$i"
            [ -f "$example/haresources" ] && { printf '\002'; cat "$example/haresources"; } >"$dir/haresources.$i"
            [ -f "$example/ipvsadm.rules" ] && { printf '\003'; cat "$example/ipvsadm.rules"; } >"$dir/rules.$i"
            if [ -f "$example/ha.cf" ] && [ -f "$example/haresources" ] && [ -f "$example/authkeys" ]; then
                { printf '\004'; cat "$example/ha.cf"; printf '\000'; cat "$example/haresources"
                  printf '\000'; cat "$example/authkeys"; } >"$dir/whole.$i"
            fi
        done
        ;;
    observe_fuzzer)
        # The first byte picks the input (observe_fuzzer.cpp): 0 an HTTP request head, 1
        # heartbeat-ng.cf, 2 the events file, 3 a --since time.
        printf '\000GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:9694\r\nAccept: */*\r\n\r\n' >"$dir/http.1"
        printf '\000HEAD / HTTP/1.0\r\n\r\n' >"$dir/http.2"
        printf '\001metrics_textfile /var/lib/prometheus/node-exporter/heartbeat.prom\nmetrics_interval 15\nmetrics_listen [::1]:9694\n' >"$dir/ng_cf.1"
        printf '\002{"ms":1796572000123,"kind":"group_acquired","group":"IPaddr::10.0.0.1","took_ms":412,"text":"group running here"}\n{"ms":1796572000200,"kind":"node_status","node":"lvs-02","detail":"dead","text":"node lvs-02: dead"}\n' >"$dir/events.1"
        printf '\00315m' >"$dir/since.1"
        printf '\0032026-12-06 16:50:30' >"$dir/since.2"
        ;;
    esac
}

# fuzz_dict TARGET : the dictionary that target uses, if any (relative to test/fuzz/dict).
fuzz_dict() {
    case $1 in
    config_fuzzer) echo config.dict ;;
    decode_verify_fuzzer | stream_fuzzer | api_fuzzer | cluster_fuzzer) echo wire.dict ;;
    lvs_input_fuzzer) echo lvs_input.dict ;;
    esac
}

if [ "${BASH_SOURCE[0]}" != "$0" ]; then
    return 0 # sourced by tools/fuzz for the two functions above
fi
set -euo pipefail
src=$1
bin=$2
target=$3
seconds=$4

if [ ! -x "$bin/$target" ]; then
    echo "SKIP: $bin/$target not built (clang with -DHB_FUZZ=ON)"
    exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=$work/corpus
mkdir "$corpus"
# A share of the committed corpus (its files are named by their hash: a fair sample), so
# the short run mutates more than it replays; tools/fuzz starts from all of it.
if [ -d "$src/test/fuzz/corpus/$target" ]; then
    mapfile -t files < <(find "$src/test/fuzz/corpus/$target" -type f | sort)
    if [ ${#files[@]} -gt 0 ]; then
        cp -t "$corpus/" "${files[@]:0:${FUZZ_SMOKE_FILES:-150}}"
    fi
fi
fuzz_seeds "$src" "$target" "$corpus"
dict=$(fuzz_dict "$target")
# A small quarantine and no malloc fill: the targets allocate much and free at once.
export ASAN_OPTIONS=${ASAN_OPTIONS:-quarantine_size_mb=32:max_malloc_fill_size=0:detect_leaks=1}
"$bin/$target" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 -max_len=4096 \
    ${dict:+-dict="$src/test/fuzz/dict/$dict"} -artifact_prefix="$work/" \
    -print_final_stats=1 "$corpus" >"$work/log" 2>&1 && rc=0 || rc=$?
grep -E '^(stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb)|DONE|ERROR|SUMMARY|broken' \
    "$work/log" || true
if [ "$rc" -ne 0 ]; then
    tail -60 "$work/log"
    for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
        [ -f "$crash" ] && echo "input (base64): $(base64 -w0 "$crash")"
    done
    echo "FAIL: $target (exit $rc)"
    exit 1
fi
echo "ok   $target: ${seconds}s, no crash, no leak, every property held"

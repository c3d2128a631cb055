#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer tier's start: an empty report directory that every process may write in,
# and proof that a report does land there: the daemon as built, asked for ASan's exit
# statistics (written where a report would go), must leave a file.
# Usage: sanitizer-clear.sh DIR DAEMON
dir=$1
daemon=$2
rm -rf "$dir" && mkdir -p "$dir" && chmod 1777 "$dir" || exit 1
ASAN_OPTIONS="atexit=1:print_stats=1:log_path=$dir/probe" "$daemon" --version >/dev/null 2>&1
if ! compgen -G "$dir/probe.*" >/dev/null; then
    echo "FAIL: $daemon wrote nothing to $dir: reports would be lost (not built with ASan?)"
    exit 1
fi
rm -f "$dir"/probe.*
echo "ok   reports of $daemon land in $dir"

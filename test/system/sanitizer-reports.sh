#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The sanitizer tier's verdict: no process built with ASan + UBSan (the daemon, its agents,
# cl_status, the LVS checker…) wrote a report during the system tests that ran before.
# Usage: sanitizer-reports.sh DIR
dir=$1
reports=$(find "$dir" -type f 2>/dev/null | sort)
if [ -z "$reports" ]; then
    echo "ok   no sanitizer report in $dir"
    exit 0
fi
for r in $reports; do
    echo "==== $r"
    head -60 "$r"
done
echo "FAIL: $(echo "$reports" | wc -l) sanitizer report(s)"
exit 1

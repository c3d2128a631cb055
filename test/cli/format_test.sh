#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# One brace and line-length style across heartbeat/ and tools/: every C++ file is as
# .clang-format (clang-format 14, Debian 12's) would write it. Usage: SCRIPT SRCDIR
set -u
cd "$1" || exit 1
format=$(command -v clang-format-14 || command -v clang-format) || {
    echo "SKIP: clang-format is not installed"
    exit 77
}
mapfile -t files < <(find heartbeat tools -name '*.cpp' -o -name '*.hpp' | sort)
if ! "$format" --dry-run --Werror "${files[@]}" 2>/tmp/hb-format.$$; then
    grep -E '^[^ ].*: (warning|error):' /tmp/hb-format.$$ | cut -d: -f1,2 | sort -u | head -40
    echo "FAIL: the files above are not formatted; run: $format -i FILE"
    rm -f /tmp/hb-format.$$
    exit 1
fi
rm -f /tmp/hb-format.$$
echo "format: ${#files[@]} files as .clang-format says"

#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# STYLE.md §1 as a test: each module includes only the modules it may depend on, and the
# sans-IO modules include no Asio. Usage: SCRIPT SRCDIR
set -u
src=$1/heartbeat
failures=0

# module -> modules it may include (besides itself)
declare -A allowed=(
    [base]=""
    [config]="base"
    [wire]="base"
    [auth]="base wire config"
    [media]="base platform"
    [membership]="base wire"
    [resources]="base config platform wire"
    [api]="base wire membership resources"
    [platform]="base"
    [lvs]="base"
)
sans_io="base config wire lvs"

for module in "${!allowed[@]}"; do
    [ -d "$src/$module" ] || continue
    while IFS=: read -r file included; do
        dep=${included%%/*}
        [ "$dep" = "$module" ] && continue
        case " ${allowed[$module]} " in
            *" $dep "*) ;;
            *) echo "FAIL: $file includes $included, but $module may not depend on $dep"
               failures=$((failures + 1)) ;;
        esac
    done < <(grep -rhoP --with-filename '^#include\s+"\K[a-z_]+/[^"]+' "$src/$module")
done

for module in $sans_io; do
    [ -d "$src/$module" ] || continue
    if grep -rn 'boost/asio' "$src/$module"; then
        echo "FAIL: sans-IO module $module includes Asio"
        failures=$((failures + 1))
    fi
done

if [ "$failures" -eq 0 ]; then
    echo "module rules: all modules within their allowed dependencies"
    exit 0
fi
exit 1

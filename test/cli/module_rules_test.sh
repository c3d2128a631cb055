#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# STYLE.md §1 as a test: each module includes only the modules it may depend on, and the
# sans-IO modules and files touch no Asio, no sockets or descriptors, no files and no clock.
# Usage: SCRIPT SRCDIR
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
    [resources]="base config membership wire"
    [api]="base wire membership resources"
    [platform]="base config"
    [lvs]="base"
)
# Whole modules, then single files of modules that also hold their IO side.
sans_io="config wire auth membership resources lvs"
sans_io_files="api/api_service.hpp api/api_service.cpp api/ipc_frame.hpp api/ipc_frame.cpp
               api/client_children.hpp api/client_children.cpp"
# What sans-IO code must not use: Asio, sockets and descriptors, file streams, clock reads.
io_pattern='boost/asio|<sys/socket\.h>|<unistd\.h>|<fcntl\.h>|<fstream>|::now\(\)'

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
    [ -d "$src/$module" ] || { echo "FAIL: no module $module"; failures=$((failures + 1)); continue; }
    if grep -rnE "$io_pattern" "$src/$module"; then
        echo "FAIL: sans-IO module $module does IO or reads the clock (above)"
        failures=$((failures + 1))
    fi
done
for file in $sans_io_files; do
    [ -f "$src/$file" ] || { echo "FAIL: no file $file"; failures=$((failures + 1)); continue; }
    if grep -nE "$io_pattern" "$src/$file"; then
        echo "FAIL: sans-IO file $file does IO or reads the clock (above)"
        failures=$((failures + 1))
    fi
    while read -r included; do
        case "$included" in
            daemon/*|media/*|platform/*|api/api_server*|api/client.hpp|api/cluster_fifo*)
                echo "FAIL: sans-IO file $file includes $included"
                failures=$((failures + 1)) ;;
        esac
    done < <(grep -hoP '^#include\s+"\K[a-z_]+/[^"]+' "$src/$file")
done

if [ "$failures" -eq 0 ]; then
    echo "module rules: all modules within their allowed dependencies"
    exit 0
fi
exit 1

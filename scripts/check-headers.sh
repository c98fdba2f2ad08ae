#!/usr/bin/env bash
# Headers stay modular and self-contained (STYLE.md; README, "Build & install"):
#   1. every public header (include/costream/**/*.hpp outside detail/) compiles on its own,
#      warning-free (-Wall -Wextra -Werror), as the first and only include of a file;
#   2. what a header may pull in: the Buffer family and config/errc use no Boost at all;
#      error, events and the test helpers that need no loop stay clear of Asio; nothing
#      outside net/http pulls Beast.
# The test executables use precompiled headers (tests/CMakeLists.txt), which would hide a
# missing include in a header; this check is what catches it.
#
#   bash scripts/check-headers.sh            (CXX=clang++ to check with clang)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

export cxx=${CXX:-g++} root=$PWD
jobs=${COSTREAM_JOBS:-2}
mapfile -t headers < <(find include/costream -name '*.hpp' -not -path '*/detail/*' | sort)
if ((${#headers[@]} == 0)); then
    echo "check-headers: no headers found" >&2
    exit 1
fi

# The compiler on a one-line file that includes header $1 (a header as the main file draws
# a warning), with the remaining arguments.
on_header() {
    local h=$1
    shift
    printf '#include "%s"\n' "$root/$h" |
        "$cxx" -std=c++20 -I"$root/include" -Wall -Wextra -Werror -x c++ "$@" -
}
export -f on_header

# 1. Each header alone (in parallel; the failures are listed, then shown one by one). The
# same compilation writes the header's include closure to $deps/<path with / as _>.d.
deps=$(mktemp -d)
export deps
trap 'rm -rf "$deps"' EXIT
dep_file() { echo "$deps/${1//\//_}.d"; }
export -f dep_file
mapfile -t failed < <(printf '%s\n' "${headers[@]}" |
    xargs -P "$jobs" -I{} bash -c \
        'on_header "$1" -fsyntax-only -MD -MF "$(dep_file "$1")" >/dev/null 2>&1 || echo "$1"' _ {})
if ((${#failed[@]})); then
    echo "check-headers: these headers do not compile on their own:" >&2
    for h in "${failed[@]}"; do
        echo "--- $h" >&2
        on_header "$h" -fsyntax-only 2>&1 | head -20 >&2 || true
    done
    exit 1
fi

# 2. What each header pulls in (its include closure, written by step 1).
closure() { tr ' \\' '\n\n' <"$(dep_file "$1")" | grep -v '^$'; }
status=0
forbid() { # forbid <header> <pattern> <why>
    local hits
    hits=$(closure "$1" | grep -E "$2" | head -3 || true)
    if [[ -n $hits ]]; then
        echo "check-headers: $1 must not include $3; it pulls in:" >&2
        echo "$hits" | sed 's/^/    /' >&2
        status=1
    fi
}
for h in buffer encoding string_decoder config errc; do
    forbid "include/costream/$h.hpp" '/boost/' "Boost (the Buffer family is plain C++)"
done
for h in error events test/must_call test/event_recorder fs/error fs/sync zlib/error; do
    forbid "include/costream/$h.hpp" '/boost/asio' "Asio (it needs no loop)"
done
for h in "${headers[@]}"; do
    case $h in include/costream/net* | include/costream/http*) continue ;; esac
    forbid "$h" '/boost/beast' "Beast (only net/http may)"
done
((status == 0)) && echo "check-headers: ${#headers[@]} public headers compile alone; include rules hold"
exit $status

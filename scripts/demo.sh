#!/usr/bin/env bash
# The main demo: builds examples/demo/gzip_demo.cpp (Release) and runs it. It writes a large
# log-like file, streams it through pipeline(fs::create_read_stream, zlib::create_gzip,
# fs::create_write_stream) with a live progress line, verifies the result by gunzip + sha256,
# and prints elapsed time and peak memory next to Node doing the same work (when `node` is
# installed). Installs missing packages first (Debian 12, as root).
#
#   bash scripts/demo.sh [MiB] [gzip_demo options]   the gzip demo (default 256 MiB)
#   bash scripts/demo.sh --examples                  every example, module by module
#
# COSTREAM_JOBS sets the build parallelism (default: 2).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${COSTREAM_JOBS:-2}
build=build/demo
bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTREAM_BUILD_TESTS=OFF \
    -DCOSTREAM_BUILD_EXAMPLES=ON -DCOSTREAM_BUILD_BENCHMARKS=OFF >/dev/null

if [[ ${1:-} != --examples ]]; then
    cmake --build "$build" -j "$jobs" --target example_demo_gzip_demo
    exec "$build/examples/demo/example_demo_gzip_demo" "$@" </dev/null
fi

cmake --build "$build" -j "$jobs"
# Modules in the order a reader meets them: buffer, loop, then the rest alphabetically.
modules=()
for m in buffer loop; do [[ -d examples/$m ]] && modules+=("$m"); done
for dir in examples/*/; do
    m=$(basename "$dir")
    [[ " ${modules[*]-} " == *" $m "* ]] || modules+=("$m")
done

ran=0
for m in "${modules[@]}"; do
    shopt -s nullglob
    sources=(examples/"$m"/*.cpp)
    shopt -u nullglob
    for src in "${sources[@]}"; do
        name=$(basename "$src" .cpp)
        exe=$build/examples/$m/example_${m}_${name}
        # The first comment line of each example says what it shows.
        what=$(sed -n '1s#^// *##p' "$src")
        printf '\n=== %s: %s ===\n' "$m/$name" "$what"
        args=()
        [[ -f examples/$m/$name.args ]] && read -r -a args <"examples/$m/$name.args"
        "$exe" "${args[@]}" </dev/null
        ran=$((ran + 1))
    done
done
printf '\ndemo.sh: ran %d example(s)\n' "$ran"

#!/usr/bin/env bash
# Builds costream's examples (Release) and runs them: the demo of what costream does today.
# Installs missing packages first (Debian 12, as root).
#
#   bash scripts/demo.sh
#
# For now the demo is the examples, module by module (buffer first, then loop, then any other
# module that has examples); a later version replaces this with the streaming gzip demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

jobs=${COSTREAM_JOBS:-2}
build=build/demo
bash scripts/install-deps.sh
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCOSTREAM_BUILD_TESTS=OFF \
    -DCOSTREAM_BUILD_EXAMPLES=ON -DCOSTREAM_BUILD_BENCHMARKS=OFF >/dev/null
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
        "$exe" </dev/null
        ran=$((ran + 1))
    done
done
if ((ran == 0)); then
    echo "demo.sh: no examples yet (examples/<module>/*.cpp)"
else
    printf '\ndemo.sh: ran %d example(s)\n' "$ran"
fi

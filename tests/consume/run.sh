#!/usr/bin/env bash
# Consumption tests: costream used from outside, as users will.
#   (a) find_package: `cmake --install` into a temporary prefix, then a consumer project
#       finds it with CMAKE_PREFIX_PATH, builds and runs;
#   (b) add_subdirectory: a consumer project add_subdirectory()s the source tree (costream's
#       tests and examples must stay off there), builds and runs.
#
#   bash tests/consume/run.sh
#
# Work files go to build/consume (COSTREAM_CONSUME_DIR overrides). The compiler is CMake's
# default, or $CXX.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
work=${COSTREAM_CONSUME_DIR:-$repo/build/consume}
rm -rf "$work"
mkdir -p "$work"
prefix=$work/prefix

echo "--- consume (a): cmake --install into $prefix, then find_package"
cmake -S "$repo" -B "$work/costream" -G Ninja -DCMAKE_BUILD_TYPE=Release \
    -DCOSTREAM_BUILD_TESTS=OFF -DCOSTREAM_BUILD_EXAMPLES=OFF -DCMAKE_INSTALL_PREFIX="$prefix" >/dev/null
cmake --build "$work/costream" >/dev/null
cmake --install "$work/costream" >/dev/null
# The install tree holds the headers and the package config, and nothing of the tests.
for f in include/costream.hpp include/costream/config.hpp include/costream/error.hpp \
         share/cmake/costream/costream-config.cmake share/cmake/costream/costream-config-version.cmake \
         share/cmake/costream/costream-targets.cmake; do
    [[ -f $prefix/$f ]] || { echo "consume: $f missing from the install tree" >&2; exit 1; }
done
if find "$prefix" -name '*.cpp' | grep -q .; then
    echo "consume: the install tree contains .cpp files:" >&2
    find "$prefix" -name '*.cpp' >&2
    exit 1
fi
cmake -S "$repo/tests/consume/find_package" -B "$work/find_package" -G Ninja \
    -DCMAKE_PREFIX_PATH="$prefix" -DCOSTREAM_EXPECTED_PREFIX="$prefix"
cmake --build "$work/find_package"
"$work/find_package/consumer"

echo "--- consume (b): add_subdirectory of the source tree"
cmake -S "$repo/tests/consume/add_subdirectory" -B "$work/add_subdirectory" -G Ninja \
    -DCOSTREAM_SOURCE_DIR="$repo"
cmake --build "$work/add_subdirectory"
"$work/add_subdirectory/consumer"

echo "consume: find_package and add_subdirectory consumers built and ran"

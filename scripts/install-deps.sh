#!/usr/bin/env bash
# Installs what building and testing costream needs on Debian 12, and only what is missing.
#
#   bash scripts/install-deps.sh [--clang] [--fuzz] [--conan] [--gzip] [--bench] [--ci] [--all]
#
# Without flags: the toolchain and libraries for the library, its tests and examples
# (Boost 1.81 -- not Debian 12's default 1.74 --, doctest, zlib, OpenSSL, cmake, ninja, g++,
# ccache, pkg-config, and the gzip and openssl tools the tests compare with). Flags add extras:
#   --clang  clang 14 (second compiler of CI)
#   --fuzz   clang 14 and its libFuzzer/sanitizer runtimes (libclang-rt-14-dev)
#   --conan  python3 venv + pip, to install conan from PyPI in an isolated venv
#   --gzip   gzip and pigz (reference tools for the zlib demo and benchmarks)
#   --bench  python3-matplotlib (benchmarks/report.py draws the chart with it)
#   --ci     everything .ci/run needs: --clang --fuzz --conan --gzip
#   --all    every package above
# Each package is checked with dpkg-query first; `apt-get update` runs only when something
# must be installed, and nothing is printed when everything is present. Installing needs root
# (sudo is used when available and we are not root).
set -euo pipefail

# gzip and openssl: the zlib and crypto tests check interop with the CLI tools.
packages=(libboost1.81-dev libboost-json1.81-dev doctest-dev zlib1g-dev libssl-dev
          cmake ninja-build g++ ccache pkg-config git gzip openssl)
for arg in "$@"; do
    case "$arg" in
        --clang) packages+=(clang-14 clang) ;;
        --fuzz) packages+=(clang-14 clang libclang-rt-14-dev) ;;
        --conan) packages+=(python3-venv python3-pip) ;;
        --gzip) packages+=(gzip pigz) ;;
        --bench) packages+=(python3-matplotlib) ;;
        --ci) packages+=(clang-14 clang libclang-rt-14-dev python3-venv python3-pip gzip pigz) ;;
        --all) packages+=(clang-14 clang libclang-rt-14-dev python3-venv python3-pip gzip pigz
                          python3-matplotlib) ;;
        -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "install-deps.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
    esac
done

missing=()
for pkg in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    if [[ "$status" != installed ]]; then
        # Listed twice through overlapping flags: ask for it once.
        [[ " ${missing[*]-} " == *" $pkg "* ]] || missing+=("$pkg")
    fi
done
((${#missing[@]} == 0)) && exit 0

if ! grep -qs '^VERSION_ID="12"' /etc/os-release; then
    echo "install-deps.sh: this script targets Debian 12; install by hand: ${missing[*]}" >&2
fi

sudo=()
if ((EUID != 0)); then
    if command -v sudo >/dev/null 2>&1; then
        sudo=(sudo)
    else
        echo "install-deps.sh: missing packages (${missing[*]}); run as root to install them" >&2
        exit 1
    fi
fi

echo "install-deps.sh: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q -o Dpkg::Use-Pty=0 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install "${apt_opts[@]}" --no-install-recommends \
    "${missing[@]}" >/dev/null
echo "install-deps.sh: done"

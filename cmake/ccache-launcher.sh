#!/bin/sh
# Compiler launcher for costream's own targets (cmake/costream-targets.cmake): ccache for
# every compilation except the one that writes a precompiled header (an output ending in
# .gch). A .gch restored from the cache of another checkout at the same path can disagree
# with the headers gcc reads next to it (#pragma once files included twice: "redefinition"
# errors in a test that was not itself a cache hit), so it is always compiled afresh; the
# compilations that use it are cached as before (ccache hashes the .gch they read).
# Usage: ccache-launcher.sh <ccache> <compiler> <arguments...>
ccache=$1
shift
for arg in "$@"; do
    case $arg in
    *.gch) exec "$@" ;;
    esac
done
# ccache caches compilations that use a precompiled header only with this sloppiness
# (ccache 4.7 has no command-line form of it).
CCACHE_SLOPPINESS=pch_defines,time_macros exec "$ccache" "$@"

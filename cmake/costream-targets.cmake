# Settings for costream's own targets (tests, examples, benchmarks, fuzzers), never for
# consumers of costream::costream.

find_program(COSTREAM_CCACHE ccache)
if(COSTREAM_CCACHE AND NOT CMAKE_CXX_COMPILER_LAUNCHER)
    # Through a script: ccache for every compilation but a precompiled header's own (the
    # script says why), with the sloppiness that lets ccache cache the test executables'
    # compilations, which use precompiled headers (tests/CMakeLists.txt).
    set(CMAKE_CXX_COMPILER_LAUNCHER sh ${CMAKE_CURRENT_LIST_DIR}/ccache-launcher.sh
                                    ${COSTREAM_CCACHE})
endif()

add_library(costream_dev INTERFACE)
target_link_libraries(costream_dev INTERFACE costream::costream)
target_compile_options(costream_dev INTERFACE -Wall -Wextra -Werror)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    # g++ 12 reports a false -Wmismatched-new-delete on Asio coroutine frames (TOOLCHAIN.md).
    target_compile_options(costream_dev INTERFACE -Wno-mismatched-new-delete)
    # g++ 12 at -O2/-O3 reports a false -Wrestrict inside libstdc++ for "literal" + std::string
    # (GCC bug 105329, fixed in 13): it broke Release builds of correct examples.
    if(CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
        target_compile_options(costream_dev INTERFACE -Wno-restrict)
    endif()
    if(COSTREAM_SANITIZE MATCHES "thread")
        target_compile_options(costream_dev INTERFACE -Wno-tsan)
    endif()
endif()
if(COSTREAM_SANITIZE)
    target_compile_options(costream_dev INTERFACE -fsanitize=${COSTREAM_SANITIZE} -fno-omit-frame-pointer
                                                  -fno-sanitize-recover=all)
    target_link_options(costream_dev INTERFACE -fsanitize=${COSTREAM_SANITIZE})
endif()
if(COSTREAM_SANITIZE MATCHES "undefined" AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang"
   AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 15)
    # clang 14's -fsanitize=function (part of `undefined`) puts prologue data on coroutine
    # frames' split functions that its assembler rejects ("Cannot represent a difference
    # across sections"); the check only covers calls through mistyped function pointers.
    target_compile_options(costream_dev INTERFACE -fno-sanitize=function)
endif()

import os
import re

from conan import ConanFile
from conan.errors import ConanInvalidConfiguration
from conan.tools.build import check_min_cppstd
from conan.tools.cmake import CMake, CMakeDeps, CMakeToolchain, cmake_layout
from conan.tools.files import copy, load, rmdir
from conan.tools.scm import Version

required_conan_version = ">=2.0.9"


class CostreamConan(ConanFile):
    """costream as a header-only Conan package (ConanCenter's header-library template).

    Offline (no ConanCenter), Debian 12's own Boost, zlib, OpenSSL and doctest stand in
    through the profile conan/profiles/debian12-system ([platform_requires]):

        conan create . -pr:a conan/profiles/debian12-system --build=missing

    See docs/packaging.md.
    """

    name = "costream"
    description = ("Node.js I/O model for C++20 on Boost.Asio: Buffer, streams with backpressure, "
                   "Node's event loop, fs/zlib/crypto, net/http, child processes, workers")
    license = "BSL-1.0"
    topics = ("nodejs", "streams", "event-loop", "asio", "coroutines", "header-only")
    package_type = "header-library"
    settings = "os", "arch", "compiler", "build_type"
    exports_sources = "include/*", "cmake/*", "CMakeLists.txt", "LICENSE"
    no_copy_source = True

    @property
    def _min_cppstd(self):
        return 20

    @property
    def _compilers_minimum_version(self):
        # g++ 12 and clang 14 are what costream is built and tested with (C++20 coroutines).
        return {"gcc": "12", "clang": "14"}

    def set_version(self):
        # One source of truth for the version: project(costream VERSION x.y.z) in CMakeLists.txt.
        if self.version:
            return
        cmakelists = load(self, os.path.join(self.recipe_folder, "CMakeLists.txt"))
        match = re.search(r"project\(costream\s+VERSION\s+([0-9.]+)", cmakelists)
        self.version = match.group(1)

    def layout(self):
        cmake_layout(self, src_folder=".")

    def requirements(self):
        # Boost (Asio, Beast, System) and OpenSSL appear in costream's public headers.
        self.requires("boost/[>=1.81]", transitive_headers=True)
        self.requires("zlib/[>=1.2.11 <2]", transitive_headers=True, transitive_libs=True)
        self.requires("openssl/[>=3 <4]", transitive_headers=True, transitive_libs=True)

    def build_requirements(self):
        self.test_requires("doctest/[>=2.4.9 <3]")

    def package_id(self):
        self.info.clear()

    def validate(self):
        check_min_cppstd(self, self._min_cppstd)
        minimum_version = self._compilers_minimum_version.get(str(self.settings.compiler))
        if minimum_version and Version(self.settings.compiler.version) < minimum_version:
            raise ConanInvalidConfiguration(
                f"{self.ref} requires C++{self._min_cppstd}, which your compiler does not fully "
                f"support (needs {self.settings.compiler} >= {minimum_version})")
        if not minimum_version:
            raise ConanInvalidConfiguration(
                f"{self.ref} is built and tested with gcc >= 12 and clang >= 14 only, "
                f"not {self.settings.compiler}")
        if self.settings.os != "Linux":
            # Child processes use pidfd_open, the thread pool and I/O assume epoll/io_uring.
            raise ConanInvalidConfiguration(f"{self.ref} supports Linux only")

    def generate(self):
        tc = CMakeToolchain(self)
        # Only the library and its package config: no tests, examples, benchmarks, fuzzers.
        tc.cache_variables["COSTREAM_BUILD_TESTS"] = False
        tc.cache_variables["COSTREAM_BUILD_EXAMPLES"] = False
        tc.cache_variables["COSTREAM_BUILD_BENCHMARKS"] = False
        tc.cache_variables["COSTREAM_BUILD_FUZZERS"] = False
        tc.generate()
        CMakeDeps(self).generate()

    def build(self):
        # Header-only: configuring checks the dependencies are found; there is nothing to compile.
        cmake = CMake(self)
        cmake.configure()

    def package(self):
        copy(self, "LICENSE", src=self.source_folder, dst=os.path.join(self.package_folder, "licenses"))
        cmake = CMake(self)
        cmake.install()
        # Conan consumers get the config that CMakeDeps generates from package_info().
        rmdir(self, os.path.join(self.package_folder, "share"))

    def package_info(self):
        self.cpp_info.set_property("cmake_file_name", "costream")
        self.cpp_info.set_property("cmake_target_name", "costream::costream")
        self.cpp_info.bindirs = []
        self.cpp_info.libdirs = []
        if self.settings.os in ["Linux", "FreeBSD"]:
            self.cpp_info.system_libs = ["pthread"]

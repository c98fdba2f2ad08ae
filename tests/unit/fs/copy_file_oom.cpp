// fs::copy_file_sync when its read/write fallback buffer (256 KiB) cannot be allocated: the
// copy fails with ENOMEM (syscall copyfile), closes both descriptors and removes the
// destination, as any other failed copy. Runs copy_oom_child.cc, whose operator new fails
// allocations of 256 KiB or more. Node has no such case (libuv's fallback, sendfile,
// allocates nothing); costream must only not leak or crash.
#include <costream/fs/sync.hpp>

#include "fs_helpers.hpp"
#include "run_child.hpp"

#include <doctest/doctest.h>

#include <string>

TEST_CASE("copy_file_sync whose fallback buffer cannot be allocated fails with ENOMEM, closes "
          "both descriptors and removes dest") {
    fs_test::temp_dir dir;
    const auto r =
        costream_test::run_child(std::string(COSTREAM_FS_COPY_OOM_CHILD) + " " + (dir / "dest"));
    CHECK(r.status == 0);
    CHECK(r.output == "ENOMEM copyfile fds 0 dest gone\n");
}

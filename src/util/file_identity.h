// What identifies a file's bytes without reading them: its canonical path and
// the size, times, inode and device that any change to it changes. Keys of
// the packed-weight cache (the model file, and the edgebench binary, which
// may pack differently once rebuilt).
#pragma once

#include <string>

namespace edgebench {

// Empty if the file cannot be stat'ed.
std::string file_identity(const std::string& path);

}  // namespace edgebench

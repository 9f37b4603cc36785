#include "util/file_identity.h"

#include <sys/stat.h>

#include <filesystem>
#include <system_error>

namespace edgebench {

std::string file_identity(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  std::error_code ec;  // one spelling per file: ../x, ./x and links name the same one
  std::string abs = std::filesystem::canonical(path, ec).string();
  if (ec) abs = std::filesystem::absolute(path, ec).string();
  return "file " + abs + " size " + std::to_string(st.st_size) + " mtime " +
         std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + " ctime " +
         std::to_string(st.st_ctim.tv_sec) + "." + std::to_string(st.st_ctim.tv_nsec) + " inode " +
         std::to_string(st.st_ino) + " device " + std::to_string(st.st_dev);
}

}  // namespace edgebench

// A read-only memory mapping of a whole file. Importers keep the mapping alive
// through ConstData::owner, so constants can point straight into the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "util/error.h"

namespace edgebench {

class MappedFile {
 public:
  // Maps `path` read-only. Throws Error(code_on_failure, "<path>: <why>") when the
  // file cannot be opened, is not a regular file, is empty, or cannot be mapped.
  // `populate`: map every page now, in one call (a file read whole next).
  static std::shared_ptr<const MappedFile> open(const std::string& path, ErrorCode code_on_failure,
                                                bool populate = false);

  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }  // page-aligned
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

  // An owner for bytes [p, p + n) of `file`'s mapping: keeps the mapping alive,
  // and when the last copy goes (the bytes were copied into another layout, or
  // packed by a backend) takes their pages out of this process's memory, so
  // they are not counted beside the copy. The pages stay in the page cache;
  // touching them again (a neighbour sharing a page) reads the same bytes back.
  static std::shared_ptr<const void> hold_range(std::shared_ptr<const MappedFile> file,
                                                const uint8_t* p, size_t n);

 private:
  MappedFile(std::string path, const uint8_t* data, size_t size)
      : path_(std::move(path)), data_(data), size_(size) {}

  std::string path_;
  const uint8_t* data_;
  size_t size_;
};

}  // namespace edgebench

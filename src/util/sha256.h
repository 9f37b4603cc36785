// SHA-256 (FIPS 180-4), for model and dataset fingerprints in result files.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace edgebench {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, size_t size);
  std::string hex_digest();  // finalizes

 private:
  void block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

std::string sha256_hex(const void* data, size_t size);
// Hashes a whole file; throws Error(kInput) when unreadable.
std::string sha256_file(const std::string& path);

}  // namespace edgebench

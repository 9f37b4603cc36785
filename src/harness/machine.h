// What machine produced a result: CPU model, ISA features, cores.
#pragma once

#include <string>
#include <vector>

namespace edgebench {

struct MachineInfo {
  std::string cpu_model;
  std::vector<std::string> isa;  // e.g. avx2, avx512f, avx512_vnni, avx512_bf16, avx512_fp16, amx_tile
  int cores = 0;                 // logical CPUs this process may run on
  std::string os;
};

MachineInfo machine_info();

}  // namespace edgebench

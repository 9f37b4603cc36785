#include "harness/machine.h"

#include <sched.h>
#include <sys/utsname.h>

#include <fstream>
#include <set>
#include <sstream>

namespace edgebench {

MachineInfo machine_info() {
  MachineInfo m;
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  std::set<std::string> flags;
  static const std::set<std::string> kInteresting = {
      "sse4_2", "avx", "avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512_vnni",
      "avx512_bf16", "avx512_fp16", "avx_vnni", "amx_tile", "amx_int8", "amx_bf16", "asimd",
      "asimddp", "fphp", "asimdhp", "i8mm", "bf16", "sve"};
  while (std::getline(f, line)) {
    auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (m.cpu_model.empty() && (key == "model name" || key == "Model")) m.cpu_model = value;
    if (flags.empty() && (key == "flags" || key == "Features")) {
      std::istringstream s(value);
      std::string flag;
      while (s >> flag)
        if (kInteresting.count(flag)) flags.insert(flag);
    }
  }
  m.isa.assign(flags.begin(), flags.end());
  cpu_set_t set;
  CPU_ZERO(&set);
  m.cores = sched_getaffinity(0, sizeof set, &set) == 0 ? CPU_COUNT(&set) : 1;
  utsname u{};
  if (uname(&u) == 0) m.os = std::string(u.sysname) + " " + u.release + " " + u.machine;
  return m;
}

}  // namespace edgebench

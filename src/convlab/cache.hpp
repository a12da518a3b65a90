// Cache sizes of this machine, read at run time from sysfs
// (/sys/devices/system/cpu/cpu0/cache/index*), with sysconf as a fallback and
// the seed question's figures (32 KiB L1, 64-byte lines) as the last resort.
#pragma once

#include <cstdint>
#include <string>

namespace convlab {

struct CacheInfo {
  int64_t l1d_bytes = 32 * 1024;
  int64_t l2_bytes = 1024 * 1024;
  int64_t l3_bytes = 8 * 1024 * 1024;
  int64_t line_bytes = 64;
  std::string source = "defaults";  // "sysfs", "sysconf" or "defaults"
};

const CacheInfo& cache_info();  // read once

// The first line of a small text file (sysfs, procfs); empty when unreadable.
std::string read_first_line(const std::string& path);

}  // namespace convlab

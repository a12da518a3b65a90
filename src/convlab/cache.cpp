#include "convlab/cache.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace convlab {

std::string read_first_line(const std::string& path) {
  std::ifstream in(path);
  std::string s;
  std::getline(in, s);
  return s;
}

namespace {

// "48K" / "2048K" / "1M" -> bytes; 0 when unreadable.
int64_t parse_size(const std::string& s) {
  if (s.empty()) return 0;
  std::size_t used = 0;
  int64_t v = 0;
  try {
    v = std::stoll(s, &used);
  } catch (...) {
    return 0;
  }
  const char unit = used < s.size() ? s[used] : ' ';
  if (unit == 'K') v *= 1024;
  if (unit == 'M') v *= 1024 * 1024;
  if (unit == 'G') v *= int64_t(1024) * 1024 * 1024;
  return v;
}

CacheInfo probe() {
  CacheInfo info;
  bool any = false;
  const std::filesystem::path base = "/sys/devices/system/cpu/cpu0/cache";
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(base, ec)) {
    if (e.path().filename().string().rfind("index", 0) != 0) continue;
    const std::string type = read_first_line(e.path() / "type");
    const std::string level = read_first_line(e.path() / "level");
    const int64_t size = parse_size(read_first_line(e.path() / "size"));
    const int64_t line = parse_size(read_first_line(e.path() / "coherency_line_size"));
    if (size <= 0 || type == "Instruction") continue;
    if (level == "1") info.l1d_bytes = size;
    if (level == "2") info.l2_bytes = size;
    if (level == "3") info.l3_bytes = size;
    if (line > 0) info.line_bytes = line;
    any = true;
  }
  if (any) {
    info.source = "sysfs";
    return info;
  }
  const long l1 = sysconf(_SC_LEVEL1_DCACHE_SIZE), l2 = sysconf(_SC_LEVEL2_CACHE_SIZE),
             l3 = sysconf(_SC_LEVEL3_CACHE_SIZE), line = sysconf(_SC_LEVEL1_DCACHE_LINESIZE);
  if (l1 > 0) {
    info.l1d_bytes = l1;
    if (l2 > 0) info.l2_bytes = l2;
    if (l3 > 0) info.l3_bytes = l3;
    if (line > 0) info.line_bytes = line;
    info.source = "sysconf";
  }
  return info;
}

}  // namespace

const CacheInfo& cache_info() {
  static const CacheInfo info = probe();
  return info;
}

}  // namespace convlab

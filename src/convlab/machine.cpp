#include "convlab/machine.hpp"

#include <cpuid.h>
#include <fmt/core.h>
#include <sched.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>
#include <utility>

#include "convlab/error.hpp"
#include "convlab/timing.hpp"

namespace convlab {

namespace {

std::string cpu_model() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("model name", 0) == 0) {
      const auto colon = line.find(':');
      if (colon != std::string::npos) {
        const auto start = line.find_first_not_of(' ', colon + 1);
        return start == std::string::npos ? "" : line.substr(start);
      }
    }
  return "unknown";
}

// The "key : value" lines of /proc/cpuinfo's first processor.
std::map<std::string, std::string> cpuinfo_first_processor() {
  std::map<std::string, std::string> out;
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::string key = line.substr(0, colon);
    key.erase(key.find_last_not_of(" \t") + 1);
    const auto start = line.find_first_not_of(' ', colon + 1);
    out[key] = start == std::string::npos ? "" : line.substr(start);
  }
  return out;
}

// XCR0, the register state the OS kernel saves and so lets programs use
// (0 when the CPU has no XGETBV).
uint64_t os_enabled_state() {
  unsigned a = 0, b = 0, c = 0, d = 0;
  if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_OSXSAVE)) return 0;
  uint32_t lo = 0, hi = 0;
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

CpuIdentity cpu_identity() {
  CpuIdentity id;
  const auto info = cpuinfo_first_processor();
  auto get = [&](const char* key) {
    const auto it = info.find(key);
    return it == info.end() ? std::string() : it->second;
  };
  auto number = [&](const char* key) { return std::atoi(get(key).c_str()); };
  id.vendor = get("vendor_id");
  id.family = number("cpu family");
  id.model = number("model");
  id.stepping = number("stepping");
  std::set<std::string> flags;
  std::istringstream words(get("flags"));
  for (std::string w; words >> w;) flags.insert(w);
  for (const char* f : CpuIdentity::kIsaFlags)
    if (flags.count(f)) id.isa_flags.push_back(f);
  const uint64_t xcr0 = os_enabled_state();
  id.os_avx512 = (xcr0 & 0xE6) == 0xE6;                  // SSE, AVX, opmask, ZMM_Hi256, Hi16_ZMM
  id.os_amx = (xcr0 & (uint64_t(3) << 17)) == (uint64_t(3) << 17);  // XTILECFG, XTILEDATA
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0)
    for (int c = 0; c < CPU_SETSIZE; ++c)
      if (CPU_ISSET(c, &set)) id.affinity.push_back(c);
  id.placement = "not pinned: the OS scheduler places convlab's threads (probes, oneTBB) on the affinity CPUs";
  for (const char* var : {"OMP_PROC_BIND", "OMP_PLACES", "GOMP_CPU_AFFINITY"})
    if (const char* v = std::getenv(var); v && *v) id.placement += fmt::format("; oneDNN's OpenMP: {}={}", var, v);
  return id;
}

// Cores = distinct (package, core) pairs among the online CPUs in sysfs.
std::pair<int, int> cores_and_packages() {
  std::set<std::pair<std::string, std::string>> cores;
  std::set<std::string> packages;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator("/sys/devices/system/cpu", ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() < 4 || name.rfind("cpu", 0) != 0 ||
        !std::all_of(name.begin() + 3, name.end(), [](char c) { return c >= '0' && c <= '9'; }))
      continue;
    const std::string pkg = read_first_line(e.path() / "topology/physical_package_id");
    const std::string core = read_first_line(e.path() / "topology/core_id");
    if (pkg.empty() || core.empty()) continue;  // offline CPUs have no topology
    cores.insert({pkg, core});
    packages.insert(pkg);
  }
  return {static_cast<int>(cores.size()), static_cast<int>(packages.size())};
}

std::string utc_now() {
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::json spread_json(const Spread& s) {
  return {{"median", s.median}, {"min", s.min}, {"max", s.max}, {"samples", s.samples}};
}

Spread spread_from(const nlohmann::json& j) {
  return Spread::of(j.at("samples").get<std::vector<double>>());
}

// {"avx512": [{"threads": 1, "median": ..., ...}, ...], ...}
nlohmann::json table_json(const std::map<std::string, std::map<int, Spread>>& t) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, per_threads] : t) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [threads, s] : per_threads) {
      nlohmann::json row = spread_json(s);
      row["threads"] = threads;
      rows.push_back(row);
    }
    out[key] = rows;
  }
  return out;
}

// A whole number of type T, or an Error naming the field: nlohmann's get<int>()
// converts 1e300 (a float) or 4294967297 (past int) without a word, and the
// first is undefined behaviour (found by fuzzing the reader).
template <class T>
T whole(const nlohmann::json& v, const std::string& field) {
  bool fits = false;
  if (v.is_number_unsigned()) fits = v.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max());
  else if (v.is_number_integer())
    fits = v.get<int64_t>() >= std::numeric_limits<T>::min() && v.get<int64_t>() <= std::numeric_limits<T>::max();
  if (!fits) throw Error("machine", "", "malformed machine description: " + field + " = " + v.dump().substr(0, 40) +
                                            " is not a whole number that fits");
  return v.get<T>();
}
template <class T>
T whole_or(const nlohmann::json& object, const char* key, T fallback) {
  return object.contains(key) ? whole<T>(object[key], key) : fallback;
}

std::map<std::string, std::map<int, Spread>> table_from(const nlohmann::json& j) {
  std::map<std::string, std::map<int, Spread>> out;
  for (const auto& [key, rows] : j.items())
    for (const auto& row : rows) out[key][whole<int>(row.at("threads"), "threads")] = spread_from(row);
  return out;
}

// {"copy": [{"threads": 1, "bytes": 32768, "median": ..., ...}, ...], ...}
nlohmann::json sweep_json(const std::map<std::string, std::map<int, std::map<int64_t, Spread>>>& t) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [kernel, per_threads] : t) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [threads, sizes] : per_threads)
      for (const auto& [bytes, s] : sizes) {
        nlohmann::json row = spread_json(s);
        row["threads"] = threads;
        row["bytes"] = bytes;
        rows.push_back(row);
      }
    out[kernel] = rows;
  }
  return out;
}

std::map<std::string, std::map<int, std::map<int64_t, Spread>>> sweep_from(const nlohmann::json& j) {
  std::map<std::string, std::map<int, std::map<int64_t, Spread>>> out;
  for (const auto& [kernel, rows] : j.items())
    for (const auto& row : rows)
      out[kernel][whole<int>(row.at("threads"), "threads")][whole<int64_t>(row.at("bytes"), "bytes")] = spread_from(row);
  return out;
}

std::optional<Spread> lookup(const std::map<std::string, std::map<int, Spread>>& t,
                             const std::string& key, int threads) {
  const auto k = t.find(key);
  if (k == t.end()) return std::nullopt;
  const auto s = k->second.find(threads);
  if (s == k->second.end()) return std::nullopt;
  return s->second;
}

}  // namespace

Spread Spread::of(std::vector<double> samples) {
  const Summary s = summarize(samples);
  return {s.median, s.min, s.max, std::move(samples)};
}

std::optional<Spread> MachineInfo::peak(Isa isa, int threads) const {
  return lookup(fma_gflops, to_string(isa), threads);
}

std::optional<Spread> MachineInfo::bandwidth(StreamKernel kernel, int threads) const {
  return lookup(stream_gbps, to_string(kernel), threads);
}

std::vector<int64_t> bandwidth_sweep_bytes() {
  std::vector<int64_t> out;
  for (int64_t b = int64_t(32) << 10; b <= (int64_t(128) << 20); b *= 4) out.push_back(b);
  return out;
}

std::optional<double> MachineInfo::bandwidth_roof(int threads, int64_t bytes) const {
  std::optional<double> best;
  auto consider = [&](double gbps) {
    if (!best || gbps > *best) best = gbps;
  };
  for (const auto& [kernel, per_threads] : stream_gbps)
    if (const auto s = per_threads.find(threads); s != per_threads.end()) consider(s->second.median);
  for (const auto& [kernel, per_threads] : sweep_gbps)
    if (const auto sizes = per_threads.find(threads); sizes != per_threads.end())
      for (const auto& [footprint, s] : sizes->second)
        if (footprint >= bytes) consider(s.median);
  return best;
}

MachineInfo describe_machine() {
  MachineInfo m;
  m.cpu_model = cpu_model();
  m.identity = cpu_identity();
  m.hardware_threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  std::tie(m.cores, m.packages) = cores_and_packages();
  m.caches = cache_info();
  m.compiler = CONVLAB_COMPILER;
  m.build_type = CONVLAB_BUILD_TYPE;
  m.baseline_flags = CONVLAB_BASELINE_FLAGS_STR;
  m.date = utc_now();
  return m;
}

MachineInfo measure_machine(const MachineOptions& o) {
  if (o.reps < 1) throw Error("reps", std::to_string(o.reps), "must be >= 1");
  if (!(o.fma_seconds > 0)) throw Error("seconds", fmt::format("{}", o.fma_seconds), "must be > 0");
  MachineInfo m = describe_machine();
  m.reps = o.reps;
  m.fma_seconds = o.fma_seconds;
  std::vector<int> threads = o.threads;
  if (threads.empty())
    for (int t = 1; t <= m.hardware_threads; ++t) threads.push_back(t);
  for (int t : threads)
    if (t < 1) throw Error("threads", std::to_string(t), "must be >= 1");
  const std::vector<Isa> isas = o.isas.empty() ? available_isas() : o.isas;
  for (Isa isa : isas)
    if (static_cast<int>(isa) > static_cast<int>(detected_isa()))
      throw Error("isa", to_string(isa), fmt::format("this CPU runs at most {}", to_string(detected_isa())));
  auto say = [&](const std::string& line) {
    if (o.progress) o.progress(line);
  };

  // FMA peak: each repetition visits every (ISA, threads) once.
  std::map<std::string, std::map<int, std::vector<double>>> fma;
  const int fma_total = o.reps * static_cast<int>(isas.size() * threads.size());
  int step = 0;
  for (int r = 0; r < o.reps; ++r)
    for (Isa isa : isas)
      for (int t : threads) {
        const double g = measure_fma_gflops(isa, t, o.fma_seconds);
        fma[to_string(isa)][t].push_back(g);
        say(fmt::format("[{}/{}] fp32 FMA peak, {} x {} thread{}: {:.1f} GFLOP/s", ++step, fma_total,
                        to_string(isa), t, t == 1 ? "" : "s", g));
      }
  for (auto& [isa, per] : fma)
    for (auto& [t, v] : per) m.fma_gflops[isa][t] = Spread::of(std::move(v));

  // Streaming bandwidth: the arrays are large (first touch takes a while), so
  // one thread count at a time, copy and triad alternating within it.
  if (o.stream) {
    const int64_t elems = o.stream_elems > 0 ? o.stream_elems : StreamBench::default_elems();
    m.stream_array_bytes = elems * 4;
    const int stream_total = o.reps * 2 * static_cast<int>(threads.size());
    step = 0;
    for (int t : threads) {
      say(fmt::format("streaming: allocating 3 x {} MiB for {} thread{}", (elems * 4) >> 20, t,
                      t == 1 ? "" : "s"));
      StreamBench bench(t, elems);
      bench.gbps(StreamKernel::copy);  // warm-up: page tables, frequency
      std::vector<double> copy, triad;
      for (int r = 0; r < o.reps; ++r) {
        copy.push_back(bench.gbps(StreamKernel::copy));
        say(fmt::format("[{}/{}] stream copy, {} thread{}: {:.1f} GB/s", ++step, stream_total, t,
                        t == 1 ? "" : "s", copy.back()));
        triad.push_back(bench.gbps(StreamKernel::triad));
        say(fmt::format("[{}/{}] stream triad, {} thread{}: {:.1f} GB/s", ++step, stream_total, t,
                        t == 1 ? "" : "s", triad.back()));
      }
      m.stream_gbps["copy"][t] = Spread::of(std::move(copy));
      m.stream_gbps["triad"][t] = Spread::of(std::move(triad));
    }
    // The sweep: per working set, passes repeated to fill sweep_seconds.
    const int sweep_total = o.reps * 2 * static_cast<int>(threads.size() * o.sweep_bytes.size());
    step = 0;
    for (int t : threads)
      for (const int64_t bytes : o.sweep_bytes)
        for (StreamKernel kernel : {StreamKernel::copy, StreamKernel::triad}) {
          const int64_t elems = std::max<int64_t>(bytes / StreamBench::footprint(kernel, 1), t);
          StreamBench bench(t, elems);
          const double one = bench.gbps(kernel, 1);  // warm-up, and the pass count
          const double pass_seconds = static_cast<double>(StreamBench::footprint(kernel, elems)) / (one * 1e9);
          const int passes = static_cast<int>(std::clamp(o.sweep_seconds / pass_seconds, 1.0, 1e6));
          std::vector<double> samples;
          for (int r = 0; r < o.reps; ++r) samples.push_back(bench.gbps(kernel, passes));
          step += o.reps;
          say(fmt::format("[{}/{}] bandwidth sweep, {} over {} KiB, {} thread{}: {:.1f} GB/s", step, sweep_total,
                          to_string(kernel), bytes >> 10, t, t == 1 ? "" : "s", Spread::of(samples).median));
          // Keyed by the nominal working set (triad rounds it down to whole 12-byte elements).
          m.sweep_gbps[to_string(kernel)][t][bytes] = Spread::of(std::move(samples));
        }
  }
  return m;
}

nlohmann::json MachineInfo::to_json() const {
  return {
      {"convlab_machine", 1},
      {"date", date},
      {"cpu", {{"model", cpu_model}, {"vendor", identity.vendor}, {"family", identity.family},
               {"model_number", identity.model}, {"stepping", identity.stepping},
               {"isa_flags", identity.isa_flags}, {"os_enables_avx512", identity.os_avx512},
               {"os_enables_amx", identity.os_amx}, {"hardware_threads", hardware_threads}, {"cores", cores},
               {"packages", packages}, {"detected_isa", to_string(detected_isa())}}},
      {"placement", {{"affinity_cpus", identity.affinity}, {"threads", identity.placement}}},
      {"caches", {{"l1d_bytes", caches.l1d_bytes}, {"l2_bytes", caches.l2_bytes},
                  {"l3_bytes", caches.l3_bytes}, {"line_bytes", caches.line_bytes},
                  {"source", caches.source}}},
      {"build", {{"compiler", compiler}, {"build_type", build_type}, {"baseline_flags", baseline_flags}}},
      {"settings", {{"reps", reps}, {"fma_seconds_per_sample", fma_seconds},
                    {"fma_chains_per_thread", {{"avx512", fma_chains(Isa::avx512)},
                                               {"avx2", fma_chains(Isa::avx2)},
                                               {"sse42", fma_chains(Isa::sse42)}}},
                    {"stream_array_bytes", stream_array_bytes}}},
      {"fma_peak_gflops", table_json(fma_gflops)},
      {"stream_gbps", table_json(stream_gbps)},
      {"bandwidth_sweep_gbps", sweep_json(sweep_gbps)},
  };
}

MachineInfo MachineInfo::from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("convlab_machine"))
    throw Error("machine", "", "not a convlab machine description (no \"convlab_machine\" key)");
  MachineInfo m;
  try {
    m.date = j.value("date", "");
    const auto& cpu = j.at("cpu");
    m.cpu_model = cpu.at("model").get<std::string>();
    m.hardware_threads = whole<int>(cpu.at("hardware_threads"), "hardware_threads");
    m.cores = whole<int>(cpu.at("cores"), "cores");
    m.packages = whole<int>(cpu.at("packages"), "packages");
    // Identity and placement: absent from descriptions written before they were recorded.
    m.identity.vendor = cpu.value("vendor", "");
    m.identity.family = whole_or<int>(cpu, "family", 0);
    m.identity.model = whole_or<int>(cpu, "model_number", 0);
    m.identity.stepping = whole_or<int>(cpu, "stepping", 0);
    m.identity.isa_flags = cpu.value("isa_flags", std::vector<std::string>{});
    m.identity.os_avx512 = cpu.value("os_enables_avx512", false);
    m.identity.os_amx = cpu.value("os_enables_amx", false);
    if (j.contains("placement")) {
      if (j["placement"].contains("affinity_cpus"))
        for (const auto& cpu_id : j["placement"].at("affinity_cpus")) m.identity.affinity.push_back(whole<int>(cpu_id, "affinity_cpus"));
      m.identity.placement = j["placement"].value("threads", "");
    }
    const auto& c = j.at("caches");
    m.caches.l1d_bytes = whole<int64_t>(c.at("l1d_bytes"), "l1d_bytes");
    m.caches.l2_bytes = whole<int64_t>(c.at("l2_bytes"), "l2_bytes");
    m.caches.l3_bytes = whole<int64_t>(c.at("l3_bytes"), "l3_bytes");
    m.caches.line_bytes = whole<int64_t>(c.at("line_bytes"), "line_bytes");
    m.caches.source = c.at("source").get<std::string>();
    const auto& b = j.at("build");
    m.compiler = b.at("compiler").get<std::string>();
    m.build_type = b.at("build_type").get<std::string>();
    m.baseline_flags = b.at("baseline_flags").get<std::string>();
    const auto& s = j.at("settings");
    m.reps = whole<int>(s.at("reps"), "reps");
    m.fma_seconds = s.at("fma_seconds_per_sample").get<double>();
    m.stream_array_bytes = whole<int64_t>(s.at("stream_array_bytes"), "stream_array_bytes");
    m.fma_gflops = table_from(j.at("fma_peak_gflops"));
    m.stream_gbps = table_from(j.at("stream_gbps"));
    if (j.contains("bandwidth_sweep_gbps")) m.sweep_gbps = sweep_from(j["bandwidth_sweep_gbps"]);
  } catch (const nlohmann::json::exception& e) {
    throw Error("machine", "", std::string("malformed machine description: ") + e.what());
  }
  return m;
}

void save_machine(const MachineInfo& info, const std::filesystem::path& path) {
  std::ofstream out(path);
  if (!out) throw Error("json", path.string(), "cannot open for writing");
  out << info.to_json().dump(2) << '\n';
  if (!out) throw Error("json", path.string(), "write failed");
}

MachineInfo load_machine(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw Error("machine", path.string(), "cannot open (run `convlab machine --json FILE` first)");
  nlohmann::json j;
  try {
    in >> j;
  } catch (const nlohmann::json::exception& e) {
    throw Error("machine", path.string(), std::string("not valid JSON: ") + e.what());
  }
  try {
    return MachineInfo::from_json(j);
  } catch (const Error& e) {
    throw Error("machine", path.string(), e.what());
  }
}

}  // namespace convlab

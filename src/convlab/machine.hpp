// The machine's roofs, measured once and kept as JSON (`convlab machine
// --json FILE`) so that the benchmark matrix, the plots and the studies all
// compare against the same figures.
//
//   fp32 FMA peak: probe.hpp's FMA chains (fma_chains(isa) independent
//     chains per thread, distinct run-time starting values) for every
//     ISA the dispatcher can use x every thread count 1..all. SSE4.2 has no
//     FMA: its "peak" is the mul + add pair, counted as 2 FLOPs per lane.
//   streaming bandwidth: STREAM copy and triad (probe.hpp's StreamBench) for
//     every thread count, on arrays of at least twice the last-level cache;
//     and the same kernels swept over working sets from 32 KiB to 128 MiB,
//     so that a kernel whose data stays in a cache is compared with the
//     bandwidth of that cache, not of DRAM (bandwidth_roof). The sweep needs
//     no cache sizes: a VM may report them wrong.
//   identity: vendor, family/model/stepping, the ISA flags the lab's figures
//     depend on (as /proc/cpuinfo lists them), whether the OS kernel enables
//     the AVX-512 and AMX register state (XCR0), and the run's thread placement
//     (the CPUs the process may use; nothing is pinned).
//   topology and build: CPU model, hardware threads, cores (sysfs), caches
//     (cache.hpp), compiler, build type and baseline flags.
//
// Every figure is a Spread over `reps` samples. The samples rotate over ISAs
// and thread counts inside each repetition so that machine drift (other
// processes, frequency) hits all of them alike.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "convlab/cache.hpp"
#include "convlab/isa.hpp"
#include "convlab/probe.hpp"

namespace convlab {

// Median, min and max of the samples, and the samples themselves.
struct Spread {
  double median = 0, min = 0, max = 0;
  std::vector<double> samples;
  static Spread of(std::vector<double> samples);
};

// Working sets of the bandwidth sweep: 32 KiB x 4^k up to 128 MiB.
std::vector<int64_t> bandwidth_sweep_bytes();

struct MachineOptions {
  int reps = 7;                  // samples per figure
  double fma_seconds = 0.2;      // length of one FMA sample
  std::vector<int> threads;      // empty: 1..hardware threads
  std::vector<Isa> isas;         // empty: every available ISA, best first
  bool stream = true;            // measure streaming bandwidth
  int64_t stream_elems = 0;      // floats per array; 0: StreamBench::default_elems()
  std::vector<int64_t> sweep_bytes = bandwidth_sweep_bytes();  // working sets of the sweep
  double sweep_seconds = 0.01;   // length of one sweep sample (passes are repeated to fill it)
  // Called with one line per sample (what is measured, k of n, the value).
  std::function<void(const std::string&)> progress;
};

// What a figure depends on besides the code: the processor and how the run's
// threads were placed on it.
struct CpuIdentity {
  std::string vendor;                  // "GenuineIntel", "AuthenticAMD"
  int family = 0, model = 0, stepping = 0;
  std::vector<std::string> isa_flags;  // of kIsaFlags, those the CPU lists
  bool os_avx512 = false;              // XCR0 enables opmask + zmm state
  bool os_amx = false;                 // XCR0 enables the tile state
  std::vector<int> affinity;           // CPUs this process may run on
  std::string placement;               // how threads land on them
  // Flags that change what the lab can reach: the ISA passes, the FMA units,
  // and what oneDNN may use beside them.
  static constexpr const char* kIsaFlags[] = {"sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw",
                                              "avx512vl", "avx512_bf16", "avx512_fp16", "avx512_vnni",
                                              "amx_tile", "amx_bf16", "amx_int8"};
};

struct MachineInfo {
  // Topology and build.
  std::string cpu_model;
  CpuIdentity identity;
  int hardware_threads = 0;
  int cores = 0;
  int packages = 0;
  CacheInfo caches;
  std::string compiler, build_type, baseline_flags;
  std::string date;  // UTC, ISO 8601, when measured

  // Measurements: per ISA name ("avx512"...) or stream kernel ("copy",
  // "triad"), per thread count.
  std::map<std::string, std::map<int, Spread>> fma_gflops;
  std::map<std::string, std::map<int, Spread>> stream_gbps;
  // Per kernel, per thread count, per working set (bytes one pass moves).
  std::map<std::string, std::map<int, std::map<int64_t, Spread>>> sweep_gbps;
  int64_t stream_array_bytes = 0;
  int reps = 0;
  double fma_seconds = 0;

  std::optional<Spread> peak(Isa isa, int threads) const;
  std::optional<Spread> bandwidth(StreamKernel kernel, int threads) const;
  // The roof of a kernel that moves `bytes` per call on `threads` threads:
  // the best median bandwidth (copy or triad) measured on any working set at
  // least as large, DRAM STREAM included. Bandwidth falls as data leaves a
  // cache, so this is the bandwidth of the level `bytes` fits in, or above.
  std::optional<double> bandwidth_roof(int threads, int64_t bytes) const;

  nlohmann::json to_json() const;
  // Throws convlab::Error naming "machine" (and the missing key) on a file
  // that is not a convlab machine description.
  static MachineInfo from_json(const nlohmann::json& j);
};

// Topology and build only (fast, no measurement).
MachineInfo describe_machine();
// Topology, build and every measurement the options ask for.
MachineInfo measure_machine(const MachineOptions& options);

void save_machine(const MachineInfo& info, const std::filesystem::path& path);
// Throws convlab::Error naming "machine" with the path when unreadable.
MachineInfo load_machine(const std::filesystem::path& path);

}  // namespace convlab

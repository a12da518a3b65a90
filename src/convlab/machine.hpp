// The machine's roofs, measured once and kept as JSON (`convlab machine
// --json FILE`) so that the benchmark matrix, the plots and the studies all
// compare against the same figures.
//
//   fp32 FMA peak: probe.hpp's FMA chains (kAccumulators independent
//     accumulators per thread, distinct run-time starting values) for every
//     ISA the dispatcher can use x every thread count 1..all. SSE4.2 has no
//     FMA: its "peak" is the mul + add pair, counted as 2 FLOPs per lane.
//   streaming bandwidth: STREAM copy and triad (probe.hpp's StreamBench) for
//     every thread count, on arrays of at least twice the last-level cache.
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

struct MachineOptions {
  int reps = 7;                  // samples per figure
  double fma_seconds = 0.2;      // length of one FMA sample
  std::vector<int> threads;      // empty: 1..hardware threads
  std::vector<Isa> isas;         // empty: every available ISA, best first
  bool stream = true;            // measure streaming bandwidth
  int64_t stream_elems = 0;      // floats per array; 0: StreamBench::default_elems()
  // Called with one line per sample (what is measured, k of n, the value).
  std::function<void(const std::string&)> progress;
};

struct MachineInfo {
  // Topology and build.
  std::string cpu_model;
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
  int64_t stream_array_bytes = 0;
  int reps = 0;
  double fma_seconds = 0;

  std::optional<Spread> peak(Isa isa, int threads) const;
  std::optional<Spread> bandwidth(StreamKernel kernel, int threads) const;

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

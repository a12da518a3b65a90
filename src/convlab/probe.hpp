// Machine probes: the roofs every measurement is compared against.
//   fp32 FMA peak: each thread runs kAccumulators independent FMA chains
//     (distinct starting values so the compiler cannot merge them; enough
//     chains to cover FMA latency x ports on current x86), in the ISA given.
//   streaming bandwidth: STREAM-style copy (a = b) and triad (a = b + s*c)
//     over arrays much larger than the last-level cache, counting the bytes
//     the kernel reads and writes once each.
// Each call is ONE measurement; callers repeat and take medians.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"

namespace convlab {

inline constexpr int kAccumulators = 16;

// GFLOP/s of `threads` threads running FMA chains for about `seconds`.
double measure_fma_gflops(Isa isa, int threads, double seconds = 0.2);
// The same FMA chains for `iterations` loop trips on the calling thread
// (a probe to run inside someone else's threads); returns the FLOPs done.
double run_fma_chains(Isa isa, int64_t iterations);

enum class StreamKernel { copy, triad };
const char* to_string(StreamKernel k);

// Three arrays of `elems` floats, first-touched by the threads that will
// stream them (static split), kept for repeated measurements.
class StreamBench {
 public:
  StreamBench(int threads, int64_t elems = default_elems());
  ~StreamBench();
  StreamBench(const StreamBench&) = delete;
  StreamBench& operator=(const StreamBench&) = delete;

  // GB/s (1e9 bytes/s) of one pass, counting each array read or written once:
  // copy a = b moves 8 bytes per element, triad a = b + s*c moves 12.
  double gbps(StreamKernel kernel);
  int64_t elems() const { return n_; }
  // Per array: twice the last-level cache and at least 256 MiB, so that
  // every pass comes from DRAM.
  static int64_t default_elems();

 private:
  int threads_;
  int64_t n_;
  float *a_, *b_, *c_;
};

}  // namespace convlab

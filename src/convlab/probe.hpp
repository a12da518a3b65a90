// Machine probes: the roofs every measurement is compared against.
//   fp32 FMA peak: each thread runs fma_chains(isa) independent FMA chains
//     (starting values read from memory, so the compiler can neither fold nor
//     merge them), in the ISA given. The chain count is derived from the ISA's
//     register file: every chain and the loop's two constants live in vector
//     registers, so nothing spills, and there are more chains than FMA
//     latency x FMA ports on current x86 cores (4-5 cycles x 2 ports), so
//     the FMA units never wait for a result.
//   streaming bandwidth: STREAM-style copy (a = b) and triad (a = b + s*c)
//     in the CPU's widest vectors, over arrays much larger than the
//     last-level cache (or of any size, for the bandwidth of a cache),
//     counting the bytes the kernel reads and writes once each.
// Each call is ONE measurement; callers repeat and take medians.
#pragma once

#include <cstdint>
#include <span>

#include "convlab/isa.hpp"

namespace convlab {

// Architectural vector registers: 32 zmm with AVX-512, 16 ymm/xmm otherwise.
constexpr int vector_registers(Isa isa) { return isa == Isa::avx512 ? 32 : 16; }
// The loop's constants (multiplier and addend) held in registers beside the chains.
inline constexpr int kFmaConstants = 2;
// Independent chains per thread: the whole register file less the constants.
constexpr int fma_chains(Isa isa) { return vector_registers(isa) - kFmaConstants; }
// The most FMA latency x ports of a current x86 core (Haswell: 5 x 2): the
// chains must cover it for the probe to reach the peak.
inline constexpr int kFmaLatencyTimesPorts = 10;

// GFLOP/s of `threads` threads running FMA chains for about `seconds`.
double measure_fma_gflops(Isa isa, int threads, double seconds = 0.2);
// The same FMA chains for `iterations` loop trips on the calling thread
// (a probe to run inside someone else's threads); returns the FLOPs done.
double run_fma_chains(Isa isa, int64_t iterations);
// The probe's loop with explicit starting values (fma_chains(isa) of them),
// run on the calling thread; returns the sum of every chain's final value
// (what the probe keeps so that no chain is dead code).
float fma_chains_result(Isa isa, int64_t iterations, std::span<const float> starts);

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

  // GB/s (1e9 bytes/s) of `passes` passes, counting each array read or
  // written once per pass: copy a = b moves 8 bytes per element, triad
  // a = b + s*c moves 12. Several passes let cache-sized arrays be timed.
  double gbps(StreamKernel kernel, int passes = 1);
  // Bytes one pass of `kernel` reads and writes over `elems` elements.
  static int64_t footprint(StreamKernel kernel, int64_t elems) { return (kernel == StreamKernel::copy ? 8 : 12) * elems; }
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

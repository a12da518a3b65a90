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

enum class StreamKernel { copy, triad };
const char* to_string(StreamKernel k);
// GB/s (1e9 bytes/s) of one pass over arrays of `elems` floats each, split
// statically over `threads` threads (first touch by the same split).
double measure_stream_gbps(StreamKernel kernel, int threads, int64_t elems);

}  // namespace convlab

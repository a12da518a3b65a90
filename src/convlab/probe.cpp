// CONVLAB_MULTIARCH_FILE: the FMA loop is compiled once per ISA.
#include "convlab/probe.hpp"
#include "convlab/simd.hpp"

#include <type_traits>

namespace convlab::probe_detail {
struct FmaLoop {
  // starts: fma_chains() values; *result: the sum of the chains at the end.
  template <class Arch>
  void operator()(Arch, int64_t iterations, const float* starts, float* result) const;
};
template <class Arch>
constexpr Isa isa_of() {
  if constexpr (std::is_same_v<Arch, simd::Avx512>) return Isa::avx512;
  else if constexpr (std::is_same_v<Arch, simd::Avx2>) return Isa::avx2;
  else return Isa::sse42;
}
}  // namespace convlab::probe_detail
CONVLAB_DECLARE_KERNEL(convlab::probe_detail::FmaLoop, int64_t, const float*, float*);

namespace convlab::probe_detail {
// `passes` passes of copy (a = b) or triad (a = b + 3c) over [lo, hi), in the
// widest vectors of the ISA, so that a cache-sized working set is measured at
// the bandwidth a SIMD kernel can draw from that cache.
struct StreamPasses {
  template <class Arch>
  void operator()(Arch, bool triad, float* a, const float* b, const float* c, int64_t lo, int64_t hi,
                  int passes) const;
};
}  // namespace convlab::probe_detail
CONVLAB_DECLARE_KERNEL(convlab::probe_detail::StreamPasses, bool, float*, const float*, const float*, int64_t,
                       int64_t, int);

#if CONVLAB_ARCH_PASS

template <class Arch>
void convlab::probe_detail::FmaLoop::operator()(Arch, int64_t iterations, const float* starts,
                                                float* result) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int kChains = fma_chains(isa_of<Arch>());
  static_assert(kChains + kFmaConstants <= vector_registers(isa_of<Arch>()), "the chains would spill");
  // acc = acc * m + c converges to c / (1 - m) = 1: no overflow, no denormals.
  // The starting values come from memory: with compile-time constants GCC
  // folds any chain whose start is the fixed point 1.0 out of the loop.
  const B m(0.999f), c(0.001f);
  B acc[kChains];
#pragma GCC unroll 32
  for (int k = 0; k < kChains; ++k) acc[k] = B(starts[k]);
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 32
    for (int k = 0; k < kChains; ++k) acc[k] = xsimd::fma(acc[k], m, c);
  }
  B total = acc[0];
#pragma GCC unroll 32
  for (int k = 1; k < kChains; ++k) total += acc[k];
  *result = xsimd::hadd(total) / static_cast<float>(B::size);
}
CONVLAB_DEFINE_KERNEL(convlab::probe_detail::FmaLoop, int64_t, const float*, float*);

template <class Arch>
void convlab::probe_detail::StreamPasses::operator()(Arch, bool triad, float* a, const float* b, const float* c,
                                                     int64_t lo, int64_t hi, int passes) const {
  using B = xsimd::batch<float, Arch>;
  constexpr int64_t W = B::size;
  const B s(3.0f);
  for (int pass = 0; pass < passes; ++pass) {
    int64_t i = lo;
    if (triad) {
      for (; i + W <= hi; i += W) (B::load_unaligned(b + i) + s * B::load_unaligned(c + i)).store_unaligned(a + i);
      for (; i < hi; ++i) a[i] = b[i] + 3.0f * c[i];
    } else {
      for (; i + W <= hi; i += W) B::load_unaligned(b + i).store_unaligned(a + i);
      for (; i < hi; ++i) a[i] = b[i];
    }
    __asm__ volatile("" ::: "memory");  // every pass is done: none may be merged away
  }
}
CONVLAB_DEFINE_KERNEL(convlab::probe_detail::StreamPasses, bool, float*, const float*, const float*, int64_t,
                      int64_t, int);

#else  // baseline pass

#include <algorithm>
#include <barrier>
#include <thread>
#include <vector>

#include "convlab/cache.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/timing.hpp"

#include <fmt/core.h>

namespace convlab {

namespace {

// Runs body(t) on `threads` threads released together; returns the time from
// the first thread's start to the last thread's end, as the threads see it
// (the releasing thread may be descheduled for longer than a short body runs).
template <class Body>
double run_together(int threads, Body body) {
  std::barrier start(threads);
  std::vector<double> begin(static_cast<std::size_t>(threads)), end(static_cast<std::size_t>(threads));
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      begin[static_cast<std::size_t>(t)] = now_seconds();
      body(t);
      end[static_cast<std::size_t>(t)] = now_seconds();
    });
  for (auto& th : pool) th.join();
  return *std::max_element(end.begin(), end.end()) - *std::min_element(begin.begin(), begin.end());
}

// Distinct starting values per chain (a chain that starts at the fixed point
// 1.0 would still be computed: the values come from memory at run time).
std::vector<float> chain_starts(Isa isa, int salt) {
  std::vector<float> starts(static_cast<std::size_t>(fma_chains(isa)));
  for (std::size_t k = 0; k < starts.size(); ++k) starts[k] = 0.5f + 0.01f * static_cast<float>(k) + 0.001f * salt;
  return starts;
}

double flops_per_iteration(Isa isa) { return 2.0 * fma_chains(isa) * vector_floats(isa); }

}  // namespace

float fma_chains_result(Isa isa, int64_t iterations, std::span<const float> starts) {
  if (static_cast<int>(starts.size()) != fma_chains(isa))
    throw Error("starts", std::to_string(starts.size()),
                fmt::format("the {} probe runs {} chains", to_string(isa), fma_chains(isa)));
  float result = 0;
  simd::dispatch(isa, probe_detail::FmaLoop{}, iterations, starts.data(), &result);
  return result;
}

double measure_fma_gflops(Isa isa, int threads, double seconds) {
  if (threads < 1) throw Error("threads", std::to_string(threads), "must be >= 1");
  // Calibrate the iteration count on one thread, then run all threads.
  const std::vector<float> starts = chain_starts(isa, 0);
  int64_t iters = 1 << 14;
  for (;;) {
    const double t0 = now_seconds();
    fma_chains_result(isa, iters, starts);
    const double dt = now_seconds() - t0;
    if (dt >= seconds / 4 || iters > (int64_t(1) << 40)) {
      iters = static_cast<int64_t>(static_cast<double>(iters) * seconds / std::max(dt, 1e-9));
      break;
    }
    iters *= 4;
  }
  std::vector<std::vector<float>> per_thread;
  for (int t = 0; t < threads; ++t) per_thread.push_back(chain_starts(isa, t));
  const double wall = run_together(threads, [&](int t) { fma_chains_result(isa, iters, per_thread[t]); });
  return flops_per_iteration(isa) * static_cast<double>(iters) * threads / wall * 1e-9;
}

double run_fma_chains(Isa isa, int64_t iterations) {
  fma_chains_result(isa, iterations, chain_starts(isa, 0));
  return flops_per_iteration(isa) * static_cast<double>(iterations);
}

const char* to_string(StreamKernel k) { return k == StreamKernel::copy ? "copy" : "triad"; }

StreamBench::StreamBench(int threads, int64_t elems) : threads_(threads), n_(elems) {
  if (threads < 1) throw Error("threads", std::to_string(threads), "must be >= 1");
  if (elems < threads) throw Error("elems", std::to_string(elems), "must be >= threads");
  const std::size_t bytes = static_cast<std::size_t>(n_) * 4;
  a_ = static_cast<float*>(memory::allocate(bytes));
  b_ = static_cast<float*>(memory::allocate(bytes));
  c_ = static_cast<float*>(memory::allocate(bytes));
  run_together(threads_, [&](int t) {  // first touch by the thread that will stream it
    const int64_t lo = n_ * t / threads_, hi = n_ * (t + 1) / threads_;
    for (int64_t i = lo; i < hi; ++i) a_[i] = 0.0f, b_[i] = 1.0f, c_[i] = 2.0f;
  });
}

StreamBench::~StreamBench() {
  const std::size_t bytes = static_cast<std::size_t>(n_) * 4;
  memory::deallocate(a_, bytes);
  memory::deallocate(b_, bytes);
  memory::deallocate(c_, bytes);
}

int64_t StreamBench::default_elems() {
  const int64_t llc = std::max(cache_info().l3_bytes, cache_info().l2_bytes);
  return std::max<int64_t>(2 * llc, int64_t(256) << 20) / 4;
}

double StreamBench::gbps(StreamKernel kernel, int passes) {
  if (passes < 1) throw Error("passes", std::to_string(passes), "must be >= 1");
  const Isa isa = detected_isa();
  const double wall = run_together(threads_, [&](int t) {
    const int64_t lo = n_ * t / threads_, hi = n_ * (t + 1) / threads_;
    simd::dispatch(isa, probe_detail::StreamPasses{}, kernel == StreamKernel::triad, a_, b_, c_, lo, hi, passes);
  });
  volatile float keep = a_[n_ / 2];
  (void)keep;
  return static_cast<double>(footprint(kernel, n_)) * passes / wall * 1e-9;
}

}  // namespace convlab

#endif

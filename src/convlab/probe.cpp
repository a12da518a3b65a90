// CONVLAB_MULTIARCH_FILE: the FMA loop is compiled once per ISA.
#include "convlab/probe.hpp"
#include "convlab/simd.hpp"

namespace convlab::probe_detail {
struct FmaLoop {
  template <class Arch>
  void operator()(Arch, int64_t iterations, float* sink) const;  // *sink: seed in, result out
};
}  // namespace convlab::probe_detail
CONVLAB_DECLARE_KERNEL(convlab::probe_detail::FmaLoop, int64_t, float*);

#if CONVLAB_ARCH_PASS

template <class Arch>
void convlab::probe_detail::FmaLoop::operator()(Arch, int64_t iterations, float* sink) const {
  using B = xsimd::batch<float, Arch>;
  // acc = acc * m + c converges to c / (1 - m) = 1: no overflow, no denormals.
  // The starting values come from memory (*sink, set by the caller at run
  // time): with compile-time constants GCC folds any chain whose start is the
  // fixed point 1.0 out of the loop, and the count of FMAs would be wrong.
  const float seed = *sink;
  const B m(0.999f), c(0.001f);
  B acc[kAccumulators];
#pragma GCC unroll 16
  for (int k = 0; k < kAccumulators; ++k) acc[k] = B(seed + 0.01f * static_cast<float>(k));
  for (int64_t i = 0; i < iterations; ++i) {
#pragma GCC unroll 16
    for (int k = 0; k < kAccumulators; ++k) acc[k] = xsimd::fma(acc[k], m, c);
  }
  B total = acc[0];
#pragma GCC unroll 16
  for (int k = 1; k < kAccumulators; ++k) total += acc[k];
  *sink = xsimd::hadd(total);
}
CONVLAB_DEFINE_KERNEL(convlab::probe_detail::FmaLoop, int64_t, float*);

#else  // baseline pass

#include <algorithm>
#include <barrier>
#include <thread>
#include <vector>

#include "convlab/cache.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/timing.hpp"

namespace convlab {

namespace {

// Runs body(t) on `threads` threads released together; returns the wall time
// from the common start to the last finish.
template <class Body>
double run_together(int threads, Body body) {
  std::barrier start(threads + 1);
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      start.arrive_and_wait();
      body(t);
    });
  start.arrive_and_wait();
  const double t0 = now_seconds();
  for (auto& th : pool) th.join();
  return now_seconds() - t0;
}

}  // namespace

double measure_fma_gflops(Isa isa, int threads, double seconds) {
  if (threads < 1) throw Error("threads", std::to_string(threads), "must be >= 1");
  // Calibrate the iteration count on one thread, then run all threads.
  float sink = 0.5f;
  int64_t iters = 1 << 14;
  for (;;) {
    const double t0 = now_seconds();
    simd::dispatch(isa, probe_detail::FmaLoop{}, iters, &sink);
    const double dt = now_seconds() - t0;
    if (dt >= seconds / 4 || iters > (int64_t(1) << 40)) {
      iters = static_cast<int64_t>(static_cast<double>(iters) * seconds / std::max(dt, 1e-9));
      break;
    }
    iters *= 4;
  }
  std::vector<float> sinks(static_cast<std::size_t>(threads) * 16, 0.5f);
  const double wall = run_together(threads, [&](int t) {
    simd::dispatch(isa, probe_detail::FmaLoop{}, iters, &sinks[static_cast<std::size_t>(t) * 16]);
  });
  const double flops_per_iter = 2.0 * kAccumulators * vector_floats(isa);
  return flops_per_iter * static_cast<double>(iters) * threads / wall * 1e-9;
}

double run_fma_chains(Isa isa, int64_t iterations) {
  float sink = 0.5f;
  simd::dispatch(isa, probe_detail::FmaLoop{}, iterations, &sink);
  return 2.0 * kAccumulators * vector_floats(isa) * static_cast<double>(iterations);
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

double StreamBench::gbps(StreamKernel kernel) {
  const float s = 3.0f;
  float* __restrict a = a_;
  const float* __restrict b = b_;
  const float* __restrict c = c_;
  const double wall = run_together(threads_, [&](int t) {
    const int64_t lo = n_ * t / threads_, hi = n_ * (t + 1) / threads_;
    if (kernel == StreamKernel::copy)
      for (int64_t i = lo; i < hi; ++i) a[i] = b[i];
    else
      for (int64_t i = lo; i < hi; ++i) a[i] = b[i] + s * c[i];
  });
  volatile float keep = a[n_ / 2];
  (void)keep;
  const double bytes = (kernel == StreamKernel::copy ? 8.0 : 12.0) * static_cast<double>(n_);
  return bytes / wall * 1e-9;
}

}  // namespace convlab

#endif

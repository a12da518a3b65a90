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

const char* to_string(StreamKernel k) { return k == StreamKernel::copy ? "copy" : "triad"; }

double measure_stream_gbps(StreamKernel kernel, int threads, int64_t elems) {
  if (threads < 1) throw Error("threads", std::to_string(threads), "must be >= 1");
  if (elems < threads) throw Error("elems", std::to_string(elems), "must be >= threads");
  const std::size_t n = static_cast<std::size_t>(elems);
  float* a = static_cast<float*>(memory::allocate(n * 4));
  float* b = static_cast<float*>(memory::allocate(n * 4));
  float* c = static_cast<float*>(memory::allocate(n * 4));
  auto chunk = [&](int t, std::size_t& lo, std::size_t& hi) {
    lo = n * static_cast<std::size_t>(t) / threads;
    hi = n * static_cast<std::size_t>(t + 1) / threads;
  };
  run_together(threads, [&](int t) {  // first touch by the thread that will stream it
    std::size_t lo, hi;
    chunk(t, lo, hi);
    for (std::size_t i = lo; i < hi; ++i) a[i] = 0.0f, b[i] = 1.0f, c[i] = 2.0f;
  });
  const float s = 3.0f;
  const double wall = run_together(threads, [&](int t) {
    std::size_t lo, hi;
    chunk(t, lo, hi);
    if (kernel == StreamKernel::copy)
      for (std::size_t i = lo; i < hi; ++i) a[i] = b[i];
    else
      for (std::size_t i = lo; i < hi; ++i) a[i] = b[i] + s * c[i];
  });
  volatile float keep = a[n / 2];
  (void)keep;
  memory::deallocate(a, n * 4);
  memory::deallocate(b, n * 4);
  memory::deallocate(c, n * 4);
  const double bytes = (kernel == StreamKernel::copy ? 2.0 : 3.0) * 4.0 * static_cast<double>(n);
  return bytes / wall * 1e-9;
}

}  // namespace convlab

#endif

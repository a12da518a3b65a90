// Timing helpers shared by `convlab run` and the studies. The benchmark
// matrix uses Google Benchmark; these serve quick, interleaved measurements.
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace convlab {

inline double now_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

struct Summary {
  double median = 0, min = 0, max = 0;
  int samples = 0;
};
Summary summarize(std::vector<double> values);

// How many calls of fn make one sample last at least min_seconds (>= 1).
template <class Fn>
int64_t calls_per_sample(Fn&& fn, double min_seconds) {
  int64_t calls = 1;
  for (;;) {
    const double t0 = now_seconds();
    for (int64_t i = 0; i < calls; ++i) fn();
    const double dt = now_seconds() - t0;
    if (dt >= min_seconds || calls >= (int64_t(1) << 30)) return calls;
    const double grow = dt > 0 ? 1.2 * min_seconds / dt : 10.0;
    calls = std::max<int64_t>(calls + 1, static_cast<int64_t>(calls * std::min(grow, 10.0)));
  }
}

// Seconds per call of one sample of `calls` calls.
template <class Fn>
double time_per_call(Fn&& fn, int64_t calls) {
  const double t0 = now_seconds();
  for (int64_t i = 0; i < calls; ++i) fn();
  return (now_seconds() - t0) / static_cast<double>(calls);
}

}  // namespace convlab

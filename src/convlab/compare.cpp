#include "convlab/compare.hpp"

#include <cfloat>
#include <cmath>

#include <fmt/format.h>

#include "convlab/error.hpp"

namespace convlab {

const char* to_string(DataMode m) { return m == DataMode::exact ? "exact" : "bounded"; }

namespace {

// bound_of(i) gives the allowed |error| at element i (0 for exact).
template <class BoundOf>
Verdict compare(std::span<const float> got, std::span<const float> ref, BoundOf bound_of) {
  if (got.size() != ref.size())
    throw Error("output", std::to_string(got.size()),
                "cannot compare with a reference of " + std::to_string(ref.size()) + " elements");
  Verdict v;
  double worst_excess = -1.0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    const double g = got[i], r = ref[i];
    const double bound = bound_of(i);
    double err = 0.0;
    bool ok = true;
    if (std::isnan(r) || std::isnan(g)) {
      ok = std::isnan(r) && std::isnan(g);
      err = ok ? 0.0 : INFINITY;
    } else if (std::isinf(r) || std::isinf(g)) {
      ok = g == r;
      err = ok ? 0.0 : INFINITY;
    } else {
      err = std::fabs(g - r);
      ok = err <= bound;
    }
    if (i == 0 || err > v.max_error) {  // report the bound where the error is largest
      v.max_error = err;
      v.bound = bound;
    }
    if (!ok) {
      ++v.failures;
      if (v.pass || err - bound > worst_excess) {
        worst_excess = err - bound;
        v.detail = fmt::format("element {}: got {:.9g}, reference {:.9g}, |error| {:.3g} > bound {:.3g}",
                               i, got[i], ref[i], err, bound);
      }
      v.pass = false;
    }
  }
  if (!v.pass) v.detail = fmt::format("{} of {} elements wrong; worst {}", v.failures, got.size(), v.detail);
  return v;
}

}  // namespace

Verdict compare_exact(std::span<const float> got, std::span<const float> ref) {
  return compare(got, ref, [](std::size_t) { return 0.0; });
}

Verdict compare_conv2d(const Conv2dParams& p, DataMode mode, std::span<const float> got,
                       std::span<const float> ref, std::span<const double> abs_sum) {
  if (mode == DataMode::exact) return compare_exact(got, ref);
  if (abs_sum.size() != ref.size())
    throw Error("abs_sum", std::to_string(abs_sum.size()), "bounded mode needs one per output");
  const double scale = kConvBoundFactor * FLT_EPSILON * static_cast<double>(p.reduction_length());
  return compare(got, ref, [&](std::size_t i) { return scale * abs_sum[i] + kTiny; });
}

Verdict compare_pool2d(std::span<const float> got, std::span<const float> ref) {
  Verdict v = compare_exact(got, ref);
  if (!v.pass) return v;
  // Pooling is exact to the bit: a zero's sign too (avg_quotient, relu).
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] == 0.0f && std::signbit(got[i]) != std::signbit(ref[i])) {
      v.pass = false;
      ++v.failures;
      if (v.detail.empty())
        v.detail = fmt::format("element {}: got {}0, reference {}0 (the sign of zero differs)", i,
                               std::signbit(got[i]) ? '-' : '+', std::signbit(ref[i]) ? '-' : '+');
    }
  if (!v.pass) v.detail = fmt::format("{} of {} elements wrong; first {}", v.failures, got.size(), v.detail);
  return v;
}

Verdict compare_indices(std::span<const int64_t> got, std::span<const int64_t> ref) {
  Verdict v;
  for (std::size_t i = 0; i < got.size(); ++i)
    if (got[i] != ref[i]) {
      if (v.pass)
        v.detail = fmt::format("index {}: got {}, reference {}", i, got[i], ref[i]);
      v.pass = false;
      ++v.failures;
    }
  if (!v.pass) v.detail = fmt::format("{} of {} indices wrong; first {}", v.failures, got.size(), v.detail);
  return v;
}

}  // namespace convlab

namespace convlab {
Verdict compare_reduction(DataMode mode, std::span<const float> got, std::span<const float> ref,
                          std::span<const double> abs_sum, int64_t reduction_length) {
  if (mode == DataMode::exact) return compare_exact(got, ref);
  if (abs_sum.size() != ref.size())
    throw Error("abs_sum", std::to_string(abs_sum.size()), "bounded mode needs one per output");
  const double scale = kConvBoundFactor * FLT_EPSILON * static_cast<double>(reduction_length > 1 ? reduction_length : 1);
  return compare(got, ref, [&](std::size_t i) { return scale * abs_sum[i] + kTiny; });
}
}  // namespace convlab

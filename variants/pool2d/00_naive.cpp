// pool2d step 00 — naive: the seed's MaxPool2D.forward loop nest, transcribed.
//
// What changed: nothing; this is the starting point. TinyTorch loops
//   `for c: for i: for j: region = x[c, h_start:h_end, w_start:w_end]; out = np.max(region)`.
//   This file keeps that shape (cut the region, then reduce it) and extends it
//   to batch, padding, dilation, ceil_mode and average pooling with PyTorch's
//   divisors, and applies the optional fused ReLU (relu1) to each pooled value.
// Why it is slow (the bottleneck the next step attacks): one scalar output at a
//   time; the reduction runs over a kh x kw region (4 elements for 2x2) with
//   per-window bound arithmetic, so loop overhead dominates and nothing is
//   vectorized.
// Loop nest:
//   for n, for c:                          // seed: for c
//     for oh: for ow:                      // seed: for i, for j
//       region = rows [h0, h1) x cols [w0, w1) of the plane, clipped to the input
//       out[n, c, oh, ow] = max(region)    or  sum(region) / divisor
// Working set: one input plane and one output plane; streaming, so the limit
//   for large tensors is memory bandwidth, not cache capacity.
// Measured here (1 thread, medians of 10): 0.8 GB/s of compulsory traffic on
//   the CIFAR milestone's first pool max:mb32ic32ih30kh2 (about 1/15 of one
//   core's streaming bandwidth). Re-run:
//   build/release/convlab run --variant naive --shape max:mb32ic32ih30kh2
#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "convlab/activation.hpp"
#include "convlab/variant.hpp"

namespace convlab::pool2d {

namespace {

// First index >= 0 on the lattice start + k*step, as a tap number k.
int64_t first_tap_inside(int64_t start, int64_t step) {
  return start >= 0 ? 0 : (-start + step - 1) / step;
}

class NaivePlan final : public PoolPlan {
 public:
  NaivePlan(const Pool2dParams& p, const PlanOptions& o) : PoolPlan(p, o) {}

 private:
  void execute(const float* x, float* y) override {
    const Pool2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow();
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t c = 0; c < p.ic; ++c) {
        const float* plane = x + (n * p.ic + c) * p.ih * p.iw;
        float* out = y + (n * p.ic + c) * OH * OW;
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j) {
            const float v = p.alg == PoolAlg::max ? max_region(p, plane, i, j)
                                                  : avg_region(p, plane, i, j);
            out[i * OW + j] = p.relu ? relu(v) : v;  // fused ReLU (relu1): on the pooled value
          }
      }
  }

  static float max_region(const Pool2dParams& p, const float* plane, int64_t i, int64_t j) {
    const int64_t h_start = i * p.sh - p.ph, w_start = j * p.sw - p.pw;
    const int64_t step_h = p.dh + 1, step_w = p.dw + 1;
    // Taps that land inside the input; padding is -inf, so it never wins.
    const int64_t kh0 = first_tap_inside(h_start, step_h), kw0 = first_tap_inside(w_start, step_w);
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t kh = kh0; kh < p.kh && h_start + kh * step_h < p.ih; ++kh)
      for (int64_t kw = kw0; kw < p.kw && w_start + kw * step_w < p.iw; ++kw) {
        const float v = plane[(h_start + kh * step_h) * p.iw + w_start + kw * step_w];
        if (v > m || std::isnan(v)) m = v;  // np.max propagates NaN
      }
    return m;
  }

  static float avg_region(const Pool2dParams& p, const float* plane, int64_t i, int64_t j) {
    const int64_t h_start = i * p.sh - p.ph, w_start = j * p.sw - p.pw;
    const int64_t h_end = std::min(h_start + p.kh, p.ih + p.ph);
    const int64_t w_end = std::min(w_start + p.kw, p.iw + p.pw);
    const int64_t padded_count = (h_end - h_start) * (w_end - w_start);
    const int64_t h0 = std::max<int64_t>(h_start, 0), w0 = std::max<int64_t>(w_start, 0);
    const int64_t h1 = std::min(h_end, p.ih), w1 = std::min(w_end, p.iw);
    if (h0 >= h1 || w0 >= w1) return 0.0f;
    float sum = 0.0f;
    for (int64_t h = h0; h < h1; ++h)
      for (int64_t w = w0; w < w1; ++w) sum += plane[h * p.iw + w];
    const int64_t divisor =
        p.alg == PoolAlg::avg_include_pad ? padded_count : (h1 - h0) * (w1 - w0);
    return sum / static_cast<float>(divisor);
  }
};

}  // namespace

const PoolVariant& naive() {
  static const LadderPoolVariant<NaivePlan> v{
      "naive", "the seed's loops: per channel, per output pixel, reduce the window region"};
  return v;
}

}  // namespace convlab::pool2d

// pool2d backward step 00 — naive: the definition's loops, one output at a time.
//
// What it is: the gradient of each pooled output goes back to the inputs it
//   came from. Max pooling: the forward's argmax (PyTorch's return_indices,
//   the naive forward's idx1 output) names the one input; where windows
//   overlap, an input collects every output it won. Average pooling: every
//   input of the window clipped to the input gets dy / divisor, the forward's
//   divisor (count_include_pad, ceil_mode overhang, divisor_override), as
//   PyTorch divides first and then adds (avg_pool2d_backward).
// Why this order: scatter from outputs, as TinyTorch's MaxPool2D.backward
//   writes it; dx is zeroed first, then each output adds into it, in output
//   order, in fp32: the sums of integer-valued data are exact.
// Loop nest:
//   dx = 0
//   for n, c: for oh: for ow:
//     max: dx[n, c, idx[n, c, oh, ow]] += dy[n, c, oh, ow]
//     avg: for h, w in window(oh, ow) clipped: dx[n, c, h, w] += dy / divisor
// Working set: one input plane and one output plane; streaming.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512, 1 thread, medians of 5), GB/s
//   of dy + dx + indices: max:mb32ic16ih26kh2 19.4, avg_p:mb32ic16ih26kh2 3.15
//   (the division per output and the window scatter). Re-run: build/release/convlab
//   run --pass bwd --variant pool2d_bwd/naive --shape max:mb32ic16ih26kh2 --reps 5
#include <algorithm>
#include <cstring>
#include <memory>

#include "convlab/backward.hpp"

namespace convlab::pool2d_bwd {

namespace {

class NaivePlan final : public PoolBwdPlan {
 public:
  NaivePlan(const Pool2dParams& p, const PlanOptions& o) : PoolBwdPlan(p, o) {}

 private:
  void execute(const float* dy, const int64_t* indices, float* dx) override {
    const Pool2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), plane = p.ih * p.iw;
    std::fill(dx, dx + p.input_elems(), 0.0f);
    for (int64_t nc = 0; nc < p.mb * p.ic; ++nc) {
      float* in = dx + nc * plane;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t o = (nc * OH + oh) * OW + ow;
          if (!p.is_avg()) {
            in[indices[o]] += dy[o];
            continue;
          }
          const int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
          int64_t h1 = std::min(h0 + p.kh, p.ih + p.ph), w1 = std::min(w0 + p.kw, p.iw + p.pw);
          const int64_t padded_count = (h1 - h0) * (w1 - w0);
          const int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
          h1 = std::min(h1, p.ih), w1 = std::min(w1, p.iw);
          if (hs >= h1 || ws >= w1) continue;
          const int64_t divisor = p.divisor != 0 ? p.divisor
                                  : p.alg == PoolAlg::avg_include_pad ? padded_count : (h1 - hs) * (w1 - ws);
          const float share = dy[o] / static_cast<float>(divisor);
          for (int64_t h = hs; h < h1; ++h)
            for (int64_t w = ws; w < w1; ++w) in[h * p.iw + w] += share;
        }
    }
  }
};

class Naive final : public PoolBwdVariant {
 public:
  std::string_view name() const override { return "naive"; }
  std::string_view summary() const override {
    return "the definition: each output's gradient back to its argmax, or spread over its window";
  }

 protected:
  std::unique_ptr<PoolBwdPlan> make_plan(const Pool2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<NaivePlan>(p, o);
  }
};

}  // namespace

const PoolBwdVariant& naive() {
  static const Naive v;
  return v;
}

}  // namespace convlab::pool2d_bwd

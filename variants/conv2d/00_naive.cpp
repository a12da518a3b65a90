// conv2d step 00 — naive: the seed's loop nest, transcribed.
//
// What changed: nothing; this is the starting point. TinyTorch's
//   Conv2D.forward loops `for out_ch: for in_ch: channel_sum += conv2d_naive(x[in_ch], w[out_ch, in_ch])`
//   and conv2d_naive loops `for i: for j: sum(region * kernel)` over a
//   kh x kw region. This file keeps exactly that order, generalized to batch,
//   groups, stride, padding, dilation and bias.
// Why it is slow (the bottleneck the next step attacks): the innermost loop
//   runs kw (typically 3) iterations, jumps an input row between kernel rows,
//   and nothing in it is contiguous for long enough to vectorize.
// Loop nest:
//   for n, for oc (in its group):
//     out[n, oc, :, :] = 0
//     for ic in group:                                  // seed: for in_ch
//       for oh: for ow:                                  // seed: for i, for j
//         s = 0
//         for kh: for kw: s += x[n, ic, oh*sh-pt+kh*(dh+1), ow*sw-pl+kw*(dw+1)] * w[oc, ic, kh, kw]
//         out[n, oc, oh, ow] += s                       // seed: channel_sum += conv_result
//     out[n, oc, :, :] += bias[oc]
// Working set: one input plane (ih*iw*4 bytes) and one output plane per
//   (oc, ic) pair; a 56x56 plane is 12 KiB, so the planes fit in L1 and the
//   problem is the instruction count, not the cache.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 2.99 GFLOP/s
//   on mb1ic64ih56oc64kh3ph1, 1.4 % of the 221 GFLOP/s FMA peak sampled alongside.
//   Re-run: build/release/convlab run --variant naive --shape mb1ic64ih56oc64kh3ph1 --reps 5 --peak
#include <algorithm>
#include <memory>

#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

class NaivePlan final : public ConvPlan {
 public:
  NaivePlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), w_(w), b_(b) {}

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t oc = 0; oc < p.oc; ++oc) {
        const int64_t group = oc / OCG;
        float* out = y + (n * p.oc + oc) * OH * OW;
        std::fill(out, out + OH * OW, 0.0f);
        for (int64_t c = 0; c < ICG; ++c) {
          const float* plane = x + (n * p.ic + group * ICG + c) * p.ih * p.iw;
          const float* kernel = w_ + (oc * ICG + c) * p.kh * p.kw;
          for (int64_t i = 0; i < OH; ++i)
            for (int64_t j = 0; j < OW; ++j) {
              float s = 0.0f;  // np.sum(region * kernel)
              for (int64_t kh = 0; kh < p.kh; ++kh) {
                const int64_t ih = i * p.sh - p.pt + kh * (p.dh + 1);
                if (ih < 0 || ih >= p.ih) continue;  // zero padding
                for (int64_t kw = 0; kw < p.kw; ++kw) {
                  const int64_t iw = j * p.sw - p.pl + kw * (p.dw + 1);
                  if (iw < 0 || iw >= p.iw) continue;
                  s += plane[ih * p.iw + iw] * kernel[kh * p.kw + kw];
                }
              }
              out[i * OW + j] += s;  // channel_sum += conv_result
            }
        }
        if (b_ != nullptr)
          for (int64_t i = 0; i < OH * OW; ++i) out[i] += b_[oc];
      }
  }

  const float* w_;
  const float* b_;
};

}  // namespace

const ConvVariant& naive() {
  return ladder_step<NaivePlan>("naive", "the seed's loops: per output channel, per input channel, slide the kernel");
}

}  // namespace convlab::conv2d

// conv2d step 01 — reordered: the same multiply-adds as 00, the loops turned
// so that the innermost one walks an output row.
//
// What changed from 00_naive: the order of the loops. The kernel taps (kh, kw)
//   move outside the pixel loops: for one tap the weight is a scalar and the
//   innermost loop is `out_row[ow] += w * in_row[ow*sw + tap]`. The padding
//   test leaves the inner loop: per kernel column the plan finds the output
//   columns that read inside the image (kernel/columns.hpp), and each row
//   tests its input row once.
// Why (the bottleneck): 00's innermost loop is kw (3) iterations with a
//   padding branch each, so loop control and scalar loads dominate. Here it
//   is ow long, unit stride in the output, branch-free: GCC vectorizes it
//   (4-wide SSE with the baseline -march=x86-64-v2, sw = 1).
// Loop nest:
//   for n, for oc: out[n, oc] = bias[oc]
//     for ic in oc's group, for kh, for kw: w = weight[oc, ic, kh, kw]
//       for oh whose input row is inside the image:
//         for ow in valid[kw]: out[n, oc, oh, ow] += w * x[n, ic, ih, ow*sw - pl + kw*(dw+1)]
// Working set: one output and one input plane (2 x 12.25 KiB at 56x56), in L1.
//   What limits it now is a load and a store of the output per multiply-add.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 17.1 GFLOP/s
//   on mb1ic64ih56oc64kh3ph1, 5.7x naive; 8.2 on mb32ic32ih15oc64kh3, whose
//   13-wide rows leave the vector loop 3 iterations and a tail. Re-run:
//   build/release/convlab run --variant naive,reordered --shape mb1ic64ih56oc64kh3ph1 --reps 5 --peak
#include <algorithm>
#include <memory>

#include "conv2d/kernel/columns.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

class ReorderedPlan final : public ConvPlan {
 public:
  ReorderedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), w_(w), b_(b), valid_(p) {}

  // The per-column table is the only memory this plan holds.
  std::size_t packed_weight_bytes() const override { return valid_.bytes(); }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
    const int64_t sw = p.sw;
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t oc = 0; oc < p.oc; ++oc) {
        const int64_t group = oc / OCG;
        float* out = y + (n * p.oc + oc) * OH * OW;
        std::fill(out, out + OH * OW, b_ != nullptr ? b_[oc] : 0.0f);
        for (int64_t c = 0; c < ICG; ++c) {
          const float* plane = x + (n * p.ic + group * ICG + c) * p.ih * p.iw;
          for (int64_t kh = 0; kh < p.kh; ++kh)
            for (int64_t kw = 0; kw < p.kw; ++kw) {
              const float w = w_[((oc * ICG + c) * p.kh + kh) * p.kw + kw];
              const int64_t lo = valid_.begin[kw], hi = valid_.end[kw];
              const int64_t shift = kw * (p.dw + 1) - p.pl;
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1);
                if (ih < 0 || ih >= p.ih) continue;  // zero padding: the whole row
                // Both pointers start at output column lo, which reads a valid input column.
                float* __restrict out_row = out + oh * OW + lo;
                const float* __restrict in_row = plane + ih * p.iw + lo * sw + shift;
                const int64_t len = hi - lo;
                if (sw == 1)  // the common case, split so that it vectorizes
                  for (int64_t i = 0; i < len; ++i) out_row[i] += w * in_row[i];
                else
                  for (int64_t i = 0; i < len; ++i) out_row[i] += w * in_row[i * sw];
              }
            }
        }
      }
  }

  const float* w_;
  const float* b_;
  kernel::ValidColumns valid_;
};

}  // namespace

const ConvVariant& reordered() {
  return ladder_step<ReorderedPlan>("reordered", "taps outside, output row innermost: unit stride, hoisted weight, auto-vectorized");
}

}  // namespace convlab::conv2d

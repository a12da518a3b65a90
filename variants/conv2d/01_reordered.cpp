// conv2d step 01 — reordered: the same multiply-adds, with the loops turned
// so that the innermost one walks an output row.
//
// What changed from 00_naive: the order of the loops and nothing else. The
//   seed's order is out_ch / in_ch / i / j / kh / kw: the innermost loop runs
//   kw (3) times, reads 3 neighbouring input floats, then jumps a whole input
//   row, and the weight is re-read for every output. This step moves the
//   kernel taps (kh, kw) outside the pixel loops: for one tap the weight is a
//   scalar, and the innermost loop is `out_row[ow] += w * in_row[ow*sw + tap]`.
// Why (the bottleneck it attacks): in 00 the innermost loop is 3 iterations
//   long with a padding branch in each, so the CPU spends its time on loop
//   control, branches and scalar loads, and the compiler cannot vectorize a
//   3-long reduction. Here the innermost access has unit stride in the output
//   (and stride sw in the input): one 64-byte line holds 16 consecutive
//   outputs, so every line that is fetched is used completely, and the loop
//   is long (ow = 56 on the ResNet layer), branch-free and independent across
//   iterations — exactly what GCC's auto-vectorizer wants. With the baseline
//   -march=x86-64-v2 it becomes 4-wide SSE mulps/addps (sw = 1).
//   The padding test leaves the inner loop: for each kernel column the plan
//   precomputes the range of output columns whose input column lies inside
//   the image (ow_begin/ow_end per kw), and each row tests its input row once.
// Loop nest:
//   for n, for oc:
//     out[n, oc, :, :] = bias[oc] (or 0)
//     for ic in oc's group, for kh, for kw:
//       w = weight[oc, ic, kh, kw]                         // hoisted scalar
//       for oh with input row ih = oh*sh - ph + kh*(dh+1) inside the image:
//         for ow in [ow_begin[kw], ow_end[kw]):             // unit stride, no branch
//           out[n, oc, oh, ow] += w * x[n, ic, ih, ow*sw - pw + kw*(dw+1)]
// Working set: one output plane (read-modify-written kh*kw*ic times) and one
//   input plane: 2 x 12.25 KiB for a 56x56 plane, which sits in the 48 KiB L1.
//   What now limits it is the instruction mix, not the cache: every
//   multiply-add loads and stores the output (2 memory operations per 4-wide
//   SSE FMA-pair), which is why step 02 tiles and keeps partial sums close.
// Measured here (1 thread, medians of 10 with min-max, all six steps and the
//   FMA peak interleaved in one session; peak 170 GFLOP/s, 151-175):
//     mb1ic64ih56oc64kh3ph1  11.1 GFLOP/s (10.7-11.6), 6.5 % of peak, 5.7x naive's 1.96
//     mb32ic32ih15oc64kh3     5.43 GFLOP/s, 2.8x naive   (13-wide rows: short loops)
//     mb1ic3ih28oc16kh3       8.37 GFLOP/s, 4.4x naive
//     mb1ic16ih13oc32kh3      4.54 GFLOP/s, 2.3x naive   (11-wide rows)
//   The short rows of the small layers show the cost of this order: the
//   vectorized loop runs 2-3 iterations plus a scalar tail per tap.
//   Re-run:
//   flock /tmp/convlab-measure.lock build/release/convlab run --variant naive,reordered
//     --shape mb1ic64ih56oc64kh3ph1 --reps 10 --peak
#include <algorithm>
#include <memory>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

class ReorderedPlan final : public ConvPlan {
 public:
  ReorderedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), w_(w), b_(b), ow_begin_(p.kw), ow_end_(p.kw) {
    // Output columns ow whose input column ow*sw - pw + kw*(dw+1) is in [0, iw).
    const int64_t OW = p.ow();
    for (int64_t kw = 0; kw < p.kw; ++kw) {
      const int64_t shift = kw * (p.dw + 1) - p.pw;  // input column of ow = 0
      int64_t lo = 0, hi = OW;
      while (lo < OW && lo * p.sw + shift < 0) ++lo;
      while (hi > lo && (hi - 1) * p.sw + shift >= p.iw) --hi;
      ow_begin_[kw] = lo;
      ow_end_[kw] = hi;
    }
  }

  // The per-column tables are the only memory this plan holds.
  std::size_t packed_weight_bytes() const override { return (ow_begin_.size() + ow_end_.size()) * sizeof(int64_t); }

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
              const int64_t lo = ow_begin_[kw], hi = ow_end_[kw];
              const int64_t shift = kw * (p.dw + 1) - p.pw;
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t ih = oh * p.sh - p.ph + kh * (p.dh + 1);
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
  std::vector<int64_t, memory::Allocator<int64_t>> ow_begin_, ow_end_;  // per kernel column: valid output columns
};

}  // namespace

const ConvVariant& reordered() {
  static const LadderConvVariant<ReorderedPlan> v{
      "reordered", "taps outside, output row innermost: unit stride, hoisted weight, auto-vectorized"};
  return v;
}

}  // namespace convlab::conv2d

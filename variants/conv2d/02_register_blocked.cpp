// conv2d step 02 — register-blocked: 8 taps summed into an output row per load
// and store of it, in plain C++.
//
// What changed from 01_reordered: 01 loads and stores the output once per
//   tap. Here kernel/taps.hpp sums kTaps = 8 taps (any input channel, kernel
//   row or column) per pass over an output row. To give every tap the same
//   unit-stride inner loop, the image is first copied into a zero-padded,
//   stride-phase-split buffer (kernel/pack.hpp; the copy is timed, and skipped
//   when there is no padding and sw = 1), and a table says where each tap of
//   a pixel is: no padding test and no per-column edge case remain.
// Why (the bottleneck): 01 issues 2 memory operations per 4-wide SSE
//   multiply-add pair; here a pair costs one input load plus 1/8 of an output
//   load and store. Still what GCC vectorizes on its own (SSE mulps/addps).
// Loop nest:
//   for n: pack x[n] (padding, stride phases)
//     for oc, for oh: out[n, oc, oh, :] = bias[oc]
//       for k0 in 0..K step 8:                         // K = ic/g*kh*kw taps
//         for ow: out[n, oc, oh, ow] += sum_{k<8} w[oc, k0+k] * xp[origin(oh) + offset[k0+k] + ow]
// Working set: for one output row, K input rows of ow floats (a 64-channel
//   3x3 layer at 56 wide: 576 x 232 B = 128 KiB, from L2) and the row's
//   weights; nothing is tiled for the cache yet (step 03).
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 28.9 GFLOP/s
//   on mb1ic64ih56oc64kh3ph1, 1.7x reordered; 17.1 on mb32ic32ih15oc64kh3, 2.1x.
//   Re-run: build/release/convlab run --variant reordered,register_blocked --shape mb1ic64ih56oc64kh3ph1 --reps 5
#include <algorithm>
#include <memory>

#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/taps.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

class RegisterBlockedPlan final : public ConvPlan {
  kernel::PaddedInput input_;  // the padded, phase-split image and where each tap of a pixel is in it
  const float* w_;
  const float* b_;

 public:
  RegisterBlockedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), input_(p, 1), w_(w), b_(b) {}

  std::size_t workspace_bytes() const override { return input_.bytes(); }
  std::size_t packed_weight_bytes() const override { return input_.table_bytes(); }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), K = p.reduction_length(), OCG = p.ocg();
    for (int64_t n = 0; n < p.mb; ++n) {
      const float* image = input_.prepare(x, n, 0);
      for (int64_t oc = 0; oc < p.oc; ++oc) {
        const float* planes = image + (oc / OCG) * input_.group_floats();
        const float* w = w_ + oc * K;
        for (int64_t oh = 0; oh < OH; ++oh) {
          float* out = y + ((n * p.oc + oc) * OH + oh) * OW;
          std::fill(out, out + OW, b_ != nullptr ? b_[oc] : 0.0f);
          for (int64_t k = 0; k < K; k += kernel::kTaps)
            kernel::accumulate_taps(out, OW, planes + input_.row_origin(oh), input_.tap_offsets() + k, w + k,
                                    static_cast<int>(std::min<int64_t>(kernel::kTaps, K - k)));
        }
      }
    }
  }

};

}  // namespace

const ConvVariant& register_blocked() {
  return ladder_step<RegisterBlockedPlan>("register_blocked", "8 taps per output load/store over a padded, stride-phase-split copy; plain C++");
}

}  // namespace convlab::conv2d

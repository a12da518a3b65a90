// conv2d branch b2 — depthwise, off step 05: pixels in the lanes where a
// depthwise filter leaves the channel lanes empty.
// What changed from 05_parallel: 04's micro-kernel holds output channels in
//   its lanes and reduces over a group's input channels; a depthwise group
//   (groups = input = output channels) has one of each, so 15 of 16 lanes
//   compute padding and K = kh*kw is too short to pay for the transposed
//   store. Here kernel/depthwise.hpp puts an output row's pixels in the lanes
//   and broadcasts each of the kh*kw weights: every lane useful, no transpose,
//   NCHW in and out. Work items are planes (image, channel) on 05's arena.
// Why (the bottleneck): 05 runs MobileNetV2's depthwise layers at one lane in
//   sixteen; at 9 MACs per output element the layer should instead be bound
//   by its bytes (input + output once), so it is reported in GB/s as well.
// Loop nest:
//   [threads] for plane (n, c): pack the plane (padding, stride phases);
//     for oh: for block of U=4 vectors (of a row, or of 4 rows <= L wide):
//       acc = bias; for k < kh*kw: acc[u] += w[c][k] * x[offset[k] + ...]
// Working set: one padded plane (51 KiB at 112 x 112) is packed and read
//   back from L2 while warm; one output row's taps span kh rows, in L1.
// Supports: groups = input = output channels, any kernel, stride, padding,
//   dilation; refuses the rest with a reason.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 42.2
//   GFLOP/s (18.8 GB/s in + out) on g32mb1ic32ih112oc32kh3ph1, 4.75x parallel,
//   2.1x onednn-best (20.3) in the same run. Re-run:
//   build/release/convlab run --variant parallel,depthwise,onednn-best --shape g32mb1ic32ih112oc32kh3ph1 --reps 5
#include <fmt/core.h>

#include <memory>

#include "conv2d/kernel/depthwise.hpp"
#include "conv2d/kernel/pack.hpp"
#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

class DepthwisePlan final : public ConvPlan {
 public:
  static Support supports(const Conv2dParams& p) { return kernel::depthwise_support(p); }

  DepthwisePlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o),
        input_(p, p.mb),
        weights_(w, w + p.weight_elems()),
        bias_(static_cast<std::size_t>(p.oc), 0.0f),
        rows_(kernel::depthwise_rows(o.isa)),
        arena_(o.threads) {
    if (b != nullptr) bias_.assign(b, b + p.oc);
  }

  std::size_t workspace_bytes() const override { return input_.bytes(); }
  std::size_t packed_weight_bytes() const override {
    return (weights_.size() + bias_.size()) * sizeof(float) + input_.table_bytes();
  }
  std::string describe() const override {
    return fmt::format("{}: {} planes of {} px rows on {} thread(s), input {}", to_string(options().isa),
                       params().mb * params().ic, params().ow(), arena_.threads(),
                       input_.copies() ? "packed per plane (padding/stride phases)" : "read in place");
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), K = p.kh * p.kw, C = p.ic;
    arena_.for_each(p.mb * C, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / C, c = i % C;
        const float* plane = input_.pack_channel(x, n, n, c);
        rows_(plane, input_.tap_offsets(), K, weights_.data() + c * K, bias_[static_cast<std::size_t>(c)],
              y + i * OH * OW, OW, OH, input_.row_origin(1), OW);
      }
    });
  }

  kernel::PaddedInput input_;
  kernel::Buffer<float> weights_, bias_;
  kernel::DepthwiseRows rows_;
  ThreadArena arena_;
};

}  // namespace

const ConvVariant& depthwise() {
  return ladder_step<DepthwisePlan>("depthwise", "branch off 05: pixels in the lanes for groups = channels; kh*kw broadcast taps, no transpose", VariantKind::branch);
}

}  // namespace convlab::conv2d

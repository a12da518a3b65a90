// conv2d step 06 — best: one plan that picks, per shape, the route this
// ladder measured fastest, and says which and why in its description.
// What changed from 05_parallel: nothing is computed differently; the plan
//   asks each route's supports() and a rule (below) which one runs the shape,
//   then plans that one. Every route it may pick sums each output in 04's
//   order (bias, then the taps in (c, kh, kw) order, one FMA each), so the
//   choice never changes a bit of the result, at any thread count.
// Why (the bottleneck): no single route wins every layer. 05's channel lanes
//   waste 15 of 16 lanes on a depthwise layer, where b2 fills them all.
// The rule, from `convlab run --suite mobilenet` at 1 and 2 threads: b2
//   wherever it applies (1.5-5.3x 05 on all six MobileNetV2 depthwise layers,
//   Zen 5 AVX-512), else 05; b1 (im2col) beat neither on any layer there.
// Measured (same VM, 1 thread, medians of 5): 43.6 GFLOP/s on the depthwise
//   g32mb1ic32ih112oc32kh3ph1, 4.9x parallel, 2.1x onednn-best. Re-run:
//   build/release/convlab run --variant parallel,best,onednn-best --suite mobilenet --reps 5
#include <fmt/core.h>

#include <memory>
#include <span>
#include <string>

#include "convlab/registry.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

struct Choice {
  std::string_view route;
  std::string why;
};

Choice choose(const Conv2dParams& p) {
  const ConvVariant* depthwise = find_conv2d_variant("depthwise");
  if (depthwise != nullptr && depthwise->supports(p))
    return {"depthwise", "groups = channels: pixels in the lanes (b2)"};
  return {"parallel", "dense or grouped: channels in the lanes (05)"};
}

class BestPlan final : public ConvPlan {
 public:
  BestPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), choice_(choose(p)) {
    const std::span<const float> weights(w, static_cast<std::size_t>(p.weight_elems()));
    const std::span<const float> bias(b, b == nullptr ? 0 : static_cast<std::size_t>(p.bias_elems()));
    plan_ = find_conv2d_variant(choice_.route)->plan(p, weights, bias, o);
  }

  std::size_t workspace_bytes() const override { return plan_->workspace_bytes(); }
  std::size_t packed_weight_bytes() const override { return plan_->packed_weight_bytes(); }
  std::string describe() const override {
    return fmt::format("chose {} ({}): {}", choice_.route, choice_.why, plan_->describe());
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    plan_->run({x, static_cast<std::size_t>(p.input_elems())}, {y, static_cast<std::size_t>(p.output_elems())});
  }

  Choice choice_;
  std::unique_ptr<ConvPlan> plan_;
};

}  // namespace

const ConvVariant& best() {
  return ladder_step<BestPlan>("best", "per shape, the route measured fastest: 05, or b2 for depthwise; same bits either way");
}

}  // namespace convlab::conv2d

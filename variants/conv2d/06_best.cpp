// conv2d step 06 — best: one plan that picks, per shape, the route this
// ladder measured fastest, and says which and why in its description.
// What changed from 05_parallel: nothing is computed differently; the plan
//   asks each route's supports() and a rule (below) which one runs the shape,
//   then plans that one. Every route it may pick sums each output in 04's
//   order (bias, then the taps in (c, kh, kw) order, one FMA each), so the
//   choice never changes a bit of the result, at any thread count.
// Why (the bottleneck): no single route wins every layer. 05's channel lanes
//   waste 15 of 16 lanes on a depthwise layer (b2 fills them with a row's
//   pixels, b3 with 16 planes' channels); on deep 3 x 3 layers 05's
//   transposed stores and per-call stride-phase copy cost more than b4's
//   re-layout of the activations into nChw{L}c and back.
// The rule, from convlab-bench on the mobilenet and resnet50 suites (Zen 5,
//   AVX-512, 1 and 2 threads): dense layers whose input 05 would copy
//   anyway, with channels that fill a vector and K >= 1024 taps, go to b4
//   (res3a K = 1152: 1.04x/1.18x 05; res4b: 1.01x/1.11x; res2a, K = 576:
//   0.97x/1.04x, so not); depthwise layers go to b2 at stride 1 when rows
//   hold 2+ vectors or the channels fill less than one, else to b3; every
//   other layer to 05 (b1 beat it on none there).
// Measured (same VM, medians of 5): 1.26-3.3x onednn-best on all 9 mobilenet
//   layers at 1 thread, 1.9-3.1x at 2. Re-run:
//   build/release/convlab run --variant best,onednn-best --suite mobilenet --reps 5 --threads 2
#include <fmt/core.h>

#include <memory>
#include <span>
#include <string>

#include "conv2d/kernel/depthwise.hpp"
#include "convlab/isa.hpp"
#include "convlab/registry.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

struct Choice {
  std::string_view route;
  std::string why;
};

// Reductions at least this long make b4's re-layout (input and output, once
// each) a small share of the call: res3a (K = 1152) and res4b (2304) ran
// faster on b4, res2a (576) and CIFAR conv2 (288) on 05.
constexpr int64_t kBlockedMinTaps = 1024;

Choice choose(const Conv2dParams& p, const PlanOptions& o) {
  const int lanes = vector_floats(o.isa);
  if (p.g == 1 && (p.padded() || p.sw != 1) && p.ic >= lanes && p.sw <= 2 &&
      p.reduction_length() >= kBlockedMinTaps)
    return {"blocked", "dense, a long reduction over channels that fill the lanes, and an input 05 would copy anyway: nChw{L}c (b4)"};
  if (!kernel::depthwise_support(p)) return {"parallel", "dense or grouped: output channels in the lanes (05)"};
  if (p.sw == 1 && (p.ow() >= 2 * lanes || p.ic < lanes))
    return {"depthwise", "depthwise, stride 1, rows of 2+ vectors or too few channels to fill a vector: pixels in the lanes (b2)"};
  return {"depthwise_blocked", "depthwise, short or strided rows: a vector of planes' channels in the lanes (b3)"};
}

class BestPlan final : public ConvPlan {
 public:
  BestPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o), choice_(choose(p, o)) {
    const std::span<const float> weights(w, static_cast<std::size_t>(p.weight_elems()));
    const std::span<const float> bias(b, b == nullptr ? 0 : static_cast<std::size_t>(p.bias_elems()));
    plan_ = conv2d_variant(choice_.route).plan(p, weights, bias, o);
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
  return ladder_step<BestPlan>("best", "per shape, the route measured fastest: 05, or b2/b3 for depthwise; same bits either way");
}

}  // namespace convlab::conv2d

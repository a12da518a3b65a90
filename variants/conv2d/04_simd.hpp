// Step 04's plan-time state and loop nest, and its plan. Step 05's plan
// derives from it and runs the loop nest on each of its work items (05
// changes who runs the loops, not what they compute).
#pragma once

#include <cstdint>
#include <string>

#include "conv2d/kernel/micro_kernel.hpp"
#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/tiles.hpp"
#include "convlab/params.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

class SimdConv {
 public:
  // `slots`: images the padded-input workspace holds (04 packs one at a time).
  SimdConv(const Conv2dParams& p, const float* weights, const float* bias, Isa isa, int64_t slots);

  // Output rows [oh0, oh1) x oc blocks [b0, b1) of image n, group g; `image`
  // is image n as input() lays it out.
  void rows(const float* image, float* y, int64_t n, int64_t g, int64_t oh0, int64_t oh1, int64_t b0,
            int64_t b1) const;
  // 04's whole loop nest on the calling thread.
  void run(const float* x, float* y);

  kernel::PaddedInput& input() { return input_; }
  const kernel::PaddedInput& input() const { return input_; }
  int64_t oc_blocks() const { return weights_.oc_blocks; }
  std::size_t workspace_bytes() const { return input_.bytes(); }
  // Repacked weights and bias, plus the tap-offset table built from the shape.
  std::size_t packed_weight_bytes() const { return weights_.bytes() + input_.table_bytes(); }
  std::string describe() const;

 private:
  Conv2dParams p_;
  int64_t oh_, ow_, ocg_;  // divisions done once: rows() runs per group and per work item
  Isa isa_;
  kernel::PackedWeights weights_;
  kernel::PaddedInput input_;
  kernel::RowTiles tiles_;                      // P, and how many tiles of a row are P wide
  kernel::MicroKernel wide_tile_, narrow_tile_;  // P and P - 1 pixels
};

class SimdPlan : public ConvPlan {
 public:
  SimdPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b, int64_t slots = 1)
      : ConvPlan(p, o), conv_(p, w, b, o.isa, slots) {}

  std::size_t workspace_bytes() const override { return conv_.workspace_bytes(); }
  std::size_t packed_weight_bytes() const override { return conv_.packed_weight_bytes(); }
  std::string describe() const override { return conv_.describe(); }

 protected:
  void execute(const float* x, float* y) override { conv_.run(x, y); }

  SimdConv conv_;
};

}  // namespace convlab::conv2d

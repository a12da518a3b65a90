// Step 02's plan: step 03 runs it with strided windows, step 04 on threads.
#pragma once

#include <cstdint>
#include <string>

#include "convlab/variant.hpp"
#include "pool2d/kernel/window.hpp"

namespace convlab::pool2d {

class SimdPoolPlan : public PoolPlan {
 public:
  SimdPoolPlan(const Pool2dParams& p, const PlanOptions& o, bool strided_windows);
  std::string describe() const override;

 protected:
  void execute(const float* x, float* y) override;  // every item on the calling thread
  // Items [first, last) (kernel/window.hpp's numbering) on the calling thread.
  void pool_items(const float* x, float* y, int64_t first, int64_t last) const;

  kernel::Args args_;
};

// Steps 02 and 03 are this plan, without and with strided windows.
template <bool StridedWindows>
class SimdPoolStep final : public SimdPoolPlan {
 public:
  SimdPoolStep(const Pool2dParams& p, const PlanOptions& o) : SimdPoolPlan(p, o, StridedWindows) {}
};

}  // namespace convlab::pool2d

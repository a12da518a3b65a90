// The reduction rung's plan factory with its split made explicit, so that a
// timing can set the deterministic split (the registered rung) against the
// per-thread one it replaced (w1_reduction.cpp's header).
#pragma once

#include <memory>

#include "convlab/backward.hpp"

namespace convlab::conv2d_bwd {

enum class ReductionSplit {
  fixed_chunks,  // the registered rung: chunks fixed by the shape, summed in chunk order
  per_thread,    // one chunk per thread, summed in thread order: bits change with the thread count
};

std::unique_ptr<ConvBwdWeightsPlan> make_reduction_plan(const Conv2dParams& p, const PlanOptions& o,
                                                        ReductionSplit split);

}  // namespace convlab::conv2d_bwd

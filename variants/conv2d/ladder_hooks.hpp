// What of the conv2d ladder the tests (tests/test_conv2d_ladder.cpp) and the
// Q1 study (bench/studies/q1-cache) reach directly: plan-time choices, and the
// cache-tiled plan cut for another machine's caches (defined in
// 03_cache_tiled.cpp and b1_im2col_gemm.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "convlab/params.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

// 03_cache_tiled: the tiles for given L1 and L2 sizes (bytes).
struct CacheTiles {
  int64_t ic_block = 1, oc_tile = 1, oh_tile = 1, ow_tile = 1;
};
CacheTiles choose_cache_tiles(const Conv2dParams& p, int64_t l1_bytes, int64_t l2_bytes);
// Its plan with the tiles cut for those sizes instead of this machine's (the
// Q1 study's tile sweep). Validates p; w and b must outlive the plan.
std::unique_ptr<ConvPlan> cache_tiled_plan(const Conv2dParams& p, const float* w, const float* b,
                                           int64_t l1_bytes, int64_t l2_bytes);

// b1_im2col_gemm: output rows per panel of the column matrix, and the
// workspace: K rows by N = oh*ow columns, N rounded up to whole panels.
int64_t im2col_rows_per_panel(const Conv2dParams& p);
std::size_t im2col_workspace_bytes(const Conv2dParams& p);

// b4_blocked: what its `blocked:compute` row computed, in NCHW, so that a
// test can hold that row to the reference too. `plan` must be a plan of the
// blocked variant that has run; this calls run_compute_only() once.
std::vector<float> blocked_compute_output(ConvPlan& plan);

}  // namespace convlab::conv2d

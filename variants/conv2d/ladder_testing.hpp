// Plan-time choices of the conv2d ladder that tests/test_conv2d_ladder.cpp
// checks directly (defined in 03_cache_tiled.cpp and b1_im2col_gemm.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

#include "convlab/params.hpp"

namespace convlab::conv2d {

// 03_cache_tiled: the tiles for given L1 and L2 sizes (bytes).
struct CacheTiles {
  int64_t ic_block = 1, oc_tile = 1, oh_tile = 1, ow_tile = 1;
};
CacheTiles choose_cache_tiles(const Conv2dParams& p, int64_t l1_bytes, int64_t l2_bytes);

// b1_im2col_gemm: output rows per panel of the column matrix, and the
// workspace: K rows by N = oh*ow columns, N rounded up to whole panels.
int64_t im2col_rows_per_panel(const Conv2dParams& p);
std::size_t im2col_workspace_bytes(const Conv2dParams& p);

}  // namespace convlab::conv2d

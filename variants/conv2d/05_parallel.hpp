// Step 05's split of a convolution into work items, shared with the Q2
// parallelization study (bench/studies/q2-parallel), which times it.
#pragma once

#include <cstdint>

#include "convlab/params.hpp"

namespace convlab::conv2d {

// Below this many FLOPs a parallel plan (05, b4) runs on the calling thread:
// waking a thread costs more.
inline constexpr int64_t kSerialFlops = 4'000'000;

// Items numbered ((n * g + group) * row_tiles + row tile) * ocb_groups + oc-block
// group, so that a thread's contiguous share is a band of rows of one image.
// When the weights outweigh an image's input (deep 14 x 14 and 7 x 7 layers),
// oc blocks are cut first and numbered inside rows instead, so that a share
// is a group of oc blocks whose weights are fetched once for all its rows.
struct ConvSplit {
  static constexpr int64_t kItemsPerThread = 8;

  ConvSplit(const Conv2dParams& p, int64_t oc_blocks, int threads);

  struct Item {
    int64_t n, g, oh0, oh1, b0, b1;  // image, group, output rows, oc blocks
  };
  Item item(int64_t i) const;
  // Input rows [row0, row1) of pack item i = image * pack_bands + band.
  int64_t band_row(int64_t band) const { return band * ih_ / pack_bands; }

  int64_t items = 1;
  int64_t row_tiles = 1, rows_per_tile = 1, ocb_groups = 1, blocks_per_group = 1;
  int64_t pack_bands = 1;  // bands of input rows per image when packing
  bool oc_first = false;   // the weights outweigh an image's input

 private:
  int64_t g_, oh_, ih_, oc_blocks_;
};

}  // namespace convlab::conv2d

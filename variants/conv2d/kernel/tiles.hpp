// The register tile of the SIMD micro-kernel, one table per ISA. The kernel's
// instantiations (micro_kernel.cpp) and the plans that choose a tile
// (tile_pixels) both read it, so the two can never disagree.
//
// A tile is P output pixels x V vectors of L output channels: P*V
// accumulators, V weight vectors and a broadcast must fit the register file
// (32 zmm on AVX-512, 16 ymm/xmm otherwise). AVX-512 at V = 1 stops at 16
// pixels, one 16 x 16 transpose for the store. V = 3 (branch b4 only, whose
// stores need no transpose): with 16 registers, 3 x 4 loads 7 values per 12
// FMAs where 2 x 6 loads 8 and 1 x 12 loads 13.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"

namespace convlab::conv2d::kernel {

struct TileLimits {
  int lanes;             // L: fp32 lanes of a vector
  int widest_pixels[3];  // the widest P for V = 1, 2 and 3
};

constexpr TileLimits tile_limits(Isa isa) {
  switch (isa) {
    case Isa::avx512: return {16, {16, 14, 8}};
    case Isa::avx2: return {8, {12, 6, 4}};
    case Isa::sse42: return {4, {8, 4, 4}};
  }
  return {4, {1, 1, 1}};
}

// P for rows of `row_pixels` pixels: the widest the table allows, then evened
// out so that the row splits into equal tiles (56 -> 4 x 14, 26 -> 2 x 13).
constexpr int tile_pixels(Isa isa, int vectors, int64_t row_pixels) {
  const int64_t widest = tile_limits(isa).widest_pixels[vectors - 1];
  const int64_t tiles = (row_pixels + widest - 1) / widest;
  return static_cast<int>((row_pixels + tiles - 1) / tiles);
}

// A row cut into tiles of P and P - 1 pixels, the P-wide ones first, so that
// no tile is narrower than P - 1: 56 at AVX2's widest 6 -> 6 x 6 + 4 x 5, not
// 9 x 6 and a 2-pixel tile with 4 accumulators that cannot cover the FMA
// latency; 56 at AVX-512's 14 -> 4 x 14.
struct RowTiles {
  int pixels = 1;    // P
  int64_t wide = 1;  // tiles of P pixels; the rest of the row is P - 1 wide
};

constexpr RowTiles even_tiles(int64_t row_pixels, int64_t widest) {
  const int64_t tiles = (row_pixels + widest - 1) / widest;
  const int64_t pixels = (row_pixels + tiles - 1) / tiles;
  return {static_cast<int>(pixels), row_pixels - tiles * (pixels - 1)};
}

// The micro-kernel's tiles for a row: P at most the table's widest for V.
constexpr RowTiles row_tiles(Isa isa, int vectors, int64_t row_pixels) {
  return even_tiles(row_pixels, tile_limits(isa).widest_pixels[vectors - 1]);
}

}  // namespace convlab::conv2d::kernel

// Re-layout between NCHW planes and channel-blocked pixels (nChw{L}c): a
// block of up to L planes becomes rows of pixel vectors, L channels each, and
// back. L columns at a time: L loads, one L x L register transpose
// (transpose.hpp), L stores, so both sides move whole vectors. Branch b4
// converts activations with it; b3 copies its bands with planes_to_pixels.
#pragma once

#include <cstdint>

#include "convlab/isa.hpp"

namespace convlab::conv2d::kernel {

struct Relayout {
  const float* planes;   // NCHW side: channel j's row r starts at planes + j * plane + r * row
  float* planes_out;     // the same, written (pixels -> planes)
  int64_t plane, row;
  const float* pixels;   // blocked side: pixel q of row r at pixels + r * pixel_row + q * L
  float* pixels_out;
  int64_t pixel_row;
  int64_t channels;      // <= L; lanes past them read as zero, or are not written back
  int64_t rows, cols;
};

// planes -> pixels (reads .planes, writes .pixels_out), and pixels -> planes
// (reads .pixels, writes .planes_out, the first `channels` planes only).
void to_pixels(Isa isa, const Relayout& r);
void to_planes(Isa isa, const Relayout& r);

}  // namespace convlab::conv2d::kernel

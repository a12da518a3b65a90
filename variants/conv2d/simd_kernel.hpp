// The register-blocked direct convolution of step 03, shared with 04 (which
// runs it on several threads) and 05 (which feeds it an im2col matrix).
// 03_simd.cpp defines everything declared here: the two kernels below in its
// per-ISA passes, DirectConvSetup in its baseline pass. See 03_simd.cpp's
// header for the design; this file is only the interface between the steps.
//
// Vocabulary:
//   L          fp32 lanes of the ISA's vector (16 AVX-512, 8 AVX2, 4 SSE4.2)
//   oc block   V*L output channels of one group, one register-tile column each
//   tile       P consecutive output pixels x one oc block: P*V accumulators
//   K          the reduction, ic/g * kh * kw taps, in the order (c, kh, kw)
#pragma once

#include <cstdint>

#include "convlab/simd.hpp"

namespace convlab::conv2d::direct {

// One call computes output rows [oh0, oh1) of images [n0, n1) for oc blocks
// [ocb0, ocb1) of group g. Every pointer and stride is in floats.
struct ConvJob {
  const float* x = nullptr;     // input (packed or the caller's), image 0, group 0
  int64_t x_image = 0;          // between images
  int64_t x_group = 0;          // between groups (ic/g planes)
  int64_t x_row = 0;            // between consecutive output rows' tile origins
                                // (consecutive pixels of a row are 1 float apart)
  const int64_t* offsets = nullptr;  // K entries: where tap k of a pixel is, from the pixel's origin
  int64_t taps = 0;             // K
  const float* weights = nullptr;  // [g][oc block][K][V*L], zero past ocg
  const float* bias = nullptr;     // [g][oc block][V*L], zeros when there is none
  float* y = nullptr;           // output, NCHW
  int64_t y_image = 0;          // oc * oh * ow
  int64_t y_plane = 0;          // oh * ow: between output channels
  int64_t y_row = 0;            // between output rows (ow, or the pixel tile for 05)
  int64_t ocg = 0;              // output channels per group
  int64_t oc_blocks = 0;        // per group
  int64_t row_pixels = 0;       // output pixels of a row, cut into tiles of tile_width
  int vectors = 1;              // V
  int tile_width = 1;           // P (the last tile of a row may be narrower)
  // The range this call computes.
  int64_t n0 = 0, n1 = 0, g = 0, ocb0 = 0, ocb1 = 0, oh0 = 0, oh1 = 0;
};

struct ConvRows {
  template <class Arch>
  void operator()(Arch, const ConvJob& job) const;
};

// Copies input planes into the zero-padded, stride-phase-split layout
// [n][c][ih + 2ph][sw phases][phase_len] whose borders the plan zeroed once.
struct PackJob {
  const float* x = nullptr;
  float* xp = nullptr;
  int64_t ih = 0, iw = 0, ph = 0, pw = 0, sw = 1;
  int64_t packed_plane = 0, packed_row = 0, phase_len = 0;
  int64_t plane0 = 0, plane1 = 0;  // range over n*ic + c
  int64_t row0 = 0, row1 = 0;      // input rows of each plane
};

struct PackInput {
  template <class Arch>
  void operator()(Arch, const PackJob& job) const;
};

}  // namespace convlab::conv2d::direct

CONVLAB_DECLARE_KERNEL(convlab::conv2d::direct::ConvRows, const convlab::conv2d::direct::ConvJob&);
CONVLAB_DECLARE_KERNEL(convlab::conv2d::direct::PackInput, const convlab::conv2d::direct::PackJob&);

#if !CONVLAB_ARCH_PASS
#include <cstddef>
#include <string>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/params.hpp"

namespace convlab::conv2d::direct {

template <class T>
using Buffer = std::vector<T, memory::Allocator<T>>;

// The weights and bias in the kernel's order, prepared once in plan():
// [group][oc block][K][V*L] and [group][oc block][V*L], zero past the group's
// channels, with V (vectors per pixel) chosen for the group's channel count.
struct PackedWeights {
  PackedWeights(const Conv2dParams& p, const float* weights, const float* bias, Isa isa);
  int lanes = 1, vectors = 1;
  int64_t oc_blocks = 1;  // per group
  Buffer<float> weights, bias;
  std::size_t bytes() const { return (weights.size() + bias.size()) * sizeof(float); }
  void fill(ConvJob& job, const Conv2dParams& p) const;  // the weight fields of a job
};

// P for rows of `row_pixels` pixels: as wide as the ISA's registers allow
// next to V weight vectors, then evened out so the row splits into equal tiles.
int tile_width(Isa isa, int vectors, int64_t row_pixels);

// Everything the plan of 03 (and 04) prepares once per shape: packed
// weights, the tap offsets, the tile choice, and the padded input workspace
// for `images` images.
class DirectConvSetup {
 public:
  DirectConvSetup(const Conv2dParams& p, const float* weights, const float* bias, Isa isa,
                  int64_t images);

  bool packs_input() const { return packs_input_; }
  // The pack job for images [n0, n1) of x, landing in workspace images from first_workspace_image.
  PackJob pack_job(const float* x, int64_t n0, int64_t n1, int64_t first_workspace_image);
  // The conv job over everything; callers narrow the range fields.
  // x: the caller's input (used as is when nothing is packed).
  ConvJob conv_job(const float* x, float* y) const;
  // 03's whole loop on the calling thread (packing image by image when needed).
  void run_serial(const float* x, float* y);
  // Per-image input pointer when packing: workspace image i.
  const float* packed_image(int64_t i) const { return workspace_.data() + i * packed_image_; }

  int64_t oc_blocks() const { return weights_.oc_blocks; }
  std::size_t workspace_bytes() const { return workspace_.size() * sizeof(float); }
  // Repacked weights and bias, plus the tap-offset table built from the shape.
  std::size_t packed_weight_bytes() const { return weights_.bytes() + offsets_.size() * sizeof(int64_t); }
  std::string describe() const;

 private:
  Conv2dParams p_;
  Isa isa_;
  PackedWeights weights_;
  int tile_width_;
  bool packs_input_;
  int64_t phase_len_, packed_row_, packed_plane_, packed_image_;
  Buffer<float> workspace_;
  Buffer<int64_t> offsets_;
};

}  // namespace convlab::conv2d::direct
#endif

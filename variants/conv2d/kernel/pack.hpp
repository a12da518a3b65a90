// The packers of the conv2d ladder: the input as the kernels read it (steps
// 02 to 05) and the weights in the SIMD micro-kernel's order (04, 05, b1).
// Both are built once by a plan; only the input copy runs (timed) in run().
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "convlab/isa.hpp"
#include "convlab/memory.hpp"
#include "convlab/params.hpp"

namespace convlab::conv2d::kernel {

template <class T>
using Buffer = std::vector<T, memory::Allocator<T>>;

// The input zero-padded and, for stride sw > 1, each padded row split into
// sw column phases ([c][ih + 2ph][sw][phase_len]), so that consecutive output
// pixels of a row read consecutive floats for every tap and no tap needs a
// bounds test. Shapes without padding and with sw = 1 are read in place.
class PaddedInput {
 public:
  // A workspace of `slots` images whose borders are zeroed here, once.
  PaddedInput(const Conv2dParams& p, int64_t slots);

  bool copies() const { return copies_; }
  // K entries: floats from a pixel's origin to tap k = (c, kh, kw) of it, in
  // the weights' order, c counted within the group.
  const int64_t* tap_offsets() const { return offsets_.data(); }
  int64_t row_origin(int64_t oh) const { return oh * sh_ * row_; }  // output row oh's pixel 0
  int64_t group_floats() const { return icg_ * plane_; }

  // Rows [row0, row1) of every channel of image n of x into workspace slot `slot`.
  void pack_rows(const float* x, int64_t n, int64_t slot, int64_t row0, int64_t row1) {
    pack(x, n, slot, row0, row1, 0, p_.ic);
  }
  // Channel c of image n, every row, into slot `slot`; its plane as the kernels read it.
  const float* pack_channel(const float* x, int64_t n, int64_t slot, int64_t c) {
    if (copies_) pack(x, n, slot, 0, p_.ih, c, c + 1);
    return image(x, n, slot) + c * plane_;
  }
  // Image n as the kernels read it: slot `slot` once packed, or x's own image.
  const float* image(const float* x, int64_t n, int64_t slot) const;
  // pack_rows over every row, then image().
  const float* prepare(const float* x, int64_t n, int64_t slot);

  std::size_t bytes() const { return workspace_.size() * sizeof(float); }  // the workspace
  std::size_t table_bytes() const { return offsets_.size() * sizeof(int64_t); }

 private:
  void pack(const float* x, int64_t n, int64_t slot, int64_t row0, int64_t row1, int64_t c0, int64_t c1);

  Conv2dParams p_;
  bool copies_;
  int64_t sh_, icg_, phase_len_, row_, plane_;
  Buffer<float> workspace_;
  Buffer<int64_t> offsets_;
};

// The weights and bias in the SIMD micro-kernel's order, [g][oc block][K][V*L]
// and [g][oc block][V*L], zero past the group's channels, with V (vectors per
// pixel, up to `max_vectors`) the one that wastes the fewest padded lanes on
// the group's channels, the widest among equals.
struct PackedWeights {
  PackedWeights(const Conv2dParams& p, const float* weights, const float* bias, Isa isa, int max_vectors = 2);
  int lanes = 1, vectors = 1;
  int64_t block = 1;      // V * L output channels
  int64_t oc_blocks = 1;  // per group
  int64_t taps = 0;       // K
  Buffer<float> weights, bias;

  const float* block_weights(int64_t g, int64_t b) const {
    return weights.data() + (g * oc_blocks + b) * taps * block;
  }
  const float* block_bias(int64_t g, int64_t b) const { return bias.data() + (g * oc_blocks + b) * block; }
  std::size_t bytes() const { return (weights.size() + bias.size()) * sizeof(float); }
};

// A depthwise shape's weights and bias in blocks of `lanes` channels,
// [block][K][L] and [block][L], zero past the channels (branches b3 and b4).
void pack_depthwise_weights(const Conv2dParams& p, const float* weights, const float* bias, int64_t lanes,
                            Buffer<float>& packed_weights, Buffer<float>& packed_bias);
// The K = kh*kw offsets of tap (kh, kw) from an output pixel's origin, in
// floats, over pixel-major rows of `row_floats` floats (`lanes` per pixel).
Buffer<int64_t> depthwise_taps(const Conv2dParams& p, int64_t row_floats, int64_t lanes);

}  // namespace convlab::conv2d::kernel

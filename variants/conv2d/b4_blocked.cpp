// conv2d branch b4 — blocked: off 05, the activations in nChw{L}c (L = the
// ISA's lanes), so the output channels already sit in the lanes they are
// stored from, and stride 2 reads its pixels where they lie.
// What changed from 05_parallel: the layout, not the kernel's arithmetic.
//   The input is converted once per call into channel blocks of L with a zero
//   border, [n][ic/L][ih + 2ph][iw + 2pw][L]; the output is written as
//   [n][oc/L][oh][ow][L]. 05's micro-kernel body (the same taps, in the same
//   order: bits equal to 05) runs with pixels stride*L floats apart and
//   stores each accumulator as one vector: no L x L transpose per block and
//   no stride-phase copy. run() converts from and to NCHW (timed); the row
//   `blocked:compute` times the convolution alone, as `onednn-best:compute`.
// Why (the bottleneck): 04/05 spend the end of every tile on transposes
//   (1 x 1 layers: K = 32..96 taps per tile, so the store is a large share)
//   and re-pack stride-2 inputs into column phases on every call.
// Why nChw{L}c, not NHWC: a pixel's L channels are one aligned vector and a
//   channel block's rows are contiguous, so a tile's input stays a few KiB;
//   the zero border belongs to the layout (a producer writes the interior
//   once, as a network keeping this layout would), so no tap is tested.
// Loop nest: [threads] pack; [threads] for item = (n, rows, oc blocks):
//   for oh: for tile of P pixels: for oc block: micro-kernel; [threads] unpack
// Supports: groups = 1 (grouped and depthwise shapes take 05, b2, b3) and
//   stride 1 or 2 across (compiled into the kernel's addresses).
// Measured: see the note on issue 17 and `convlab run --variant
//   parallel,blocked,onednn-best --suite resnet50 --reps 5`.
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <utility>

#include "05_parallel.hpp"
#include "conv2d/kernel/micro_kernel.hpp"
#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/tiles.hpp"
#include "conv2d/kernel/depthwise.hpp"
#include "convlab/cache.hpp"
#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

constexpr int64_t kSerialFlops = 4'000'000;  // as 05: below it, waking a thread costs more

class BlockedPlan final : public ConvPlan {
 public:
  static Support supports(const Conv2dParams& p) {
    if (p.g != 1 && !kernel::depthwise_support(p))
      return Support::no(fmt::format("dense (g = 1) or depthwise (g = ic = oc) only; here g{} ic{} oc{}: grouped shapes take 05", p.g, p.ic, p.oc));
    if (p.sw > 2)
      return Support::no(fmt::format("stride 1 or 2 across (here sw = {}): the kernel compiles it into its addresses", p.sw));
    return Support::yes();
  }

  BlockedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o),
        isa_(o.isa),
        depthwise_(p.g != 1),
        L_(vector_floats(o.isa)),
        in_blocks_((p.ic + L_ - 1) / L_),
        oh_(p.oh()),
        ow_(p.ow()),
        in_row_((p.iw + 2 * p.pw) * L_),
        in_plane_((p.ih + 2 * p.ph) * in_row_),
        out_plane_(oh_ * ow_ * L_),
        threads_(depthwise_ || (o.threads > 1 && p.flops() >= kSerialFlops) ? o.threads : 1),
        arena_(threads_) {
    depthwise_ ? plan_depthwise(p, w, b) : plan_dense(p, w, b);
    input_.assign(static_cast<std::size_t>(p.mb * in_blocks_ * in_plane_), 0.0f);
    output_.assign(static_cast<std::size_t>(p.mb * out_blocks_ * out_plane_), 0.0f);
  }

  std::size_t workspace_bytes() const override { return (input_.size() + output_.size()) * sizeof(float); }
  std::size_t packed_weight_bytes() const override {
    return (weights_.size() + bias_.size()) * sizeof(float) + offsets_.size() * sizeof(int64_t);
  }
  std::string describe() const override {
    return fmt::format("{}: nChw{}c with zero borders, {} tile {} px x {} oc, stride {} in the kernel{}; {}",
                       to_string(isa_), L_, depthwise_ ? "depthwise" : "dense", pixels_, block_, params().sw,
                       blocks_outer_ ? ", oc blocks outermost (weights past L2/2)" : "",
                       threads_ == 1 ? std::string("serial") : fmt::format("{} threads over {} items", threads_, items_));
  }

  bool has_compute_only() const override { return true; }
  void run_compute_only() override { depthwise_ ? compute_depthwise() : compute_dense(); }

 private:
  void execute(const float* x, float* y) override {
    pack(x);
    run_compute_only();
    unpack(y);
  }

  // 05's packed weights, [oc block][K][V*L], and a tap (c, kh, kw) in 05's
  // order, so that the sums are 05's to the bit.
  void plan_dense(const Conv2dParams& p, const float* w, const float* b) {
    kernel::PackedWeights packed(p, w, b, isa_);
    weights_ = std::move(packed.weights);
    bias_ = std::move(packed.bias);
    block_ = packed.block;
    vectors_ = packed.vectors;
    oc_tiles_ = packed.oc_blocks;
    out_blocks_ = oc_tiles_ * vectors_;
    offsets_.resize(static_cast<std::size_t>(p.reduction_length()));
    for (int64_t c = 0, k = 0; c < p.ic; ++c)
      for (int64_t kh = 0; kh < p.kh; ++kh)
        for (int64_t kw = 0; kw < p.kw; ++kw, ++k)
          offsets_[static_cast<std::size_t>(k)] =
              (c / L_) * in_plane_ + kh * (p.dh + 1) * in_row_ + kw * (p.dw + 1) * L_ + c % L_;
    pixels_ = kernel::tile_pixels(isa_, vectors_, ow_);
    full_tile_ = kernel::blocked_micro_kernel(isa_, vectors_, pixels_, static_cast<int>(p.sw));
    last_tile_ = kernel::blocked_micro_kernel(isa_, vectors_, last_width(), static_cast<int>(p.sw));
    split_.emplace(p, oc_tiles_, threads_);
    items_ = split_->items;
    // A row of tiles meets every oc block of its item: when their weights
    // overflow half of L2, each row would fetch them from L3, so the oc
    // blocks go outermost and each block's weights stay in L2 for all rows.
    const int64_t item_weights = split_->blocks_per_group * p.reduction_length() * block_ * int64_t{sizeof(float)};
    blocks_outer_ = item_weights > cache_info().l2_bytes / 2;
  }

  // b3's weights, [channel block][K][L], and taps (kh, kw) within a block.
  void plan_depthwise(const Conv2dParams& p, const float* w, const float* b) {
    const int64_t K = p.kh * p.kw;
    block_ = L_;
    out_blocks_ = in_blocks_;
    weights_.assign(static_cast<std::size_t>(in_blocks_ * K * L_), 0.0f);
    bias_.assign(static_cast<std::size_t>(in_blocks_ * L_), 0.0f);
    for (int64_t c = 0; c < p.ic; ++c) {
      for (int64_t k = 0; k < K; ++k) weights_[static_cast<std::size_t>(((c / L_) * K + k) * L_ + c % L_)] = w[c * K + k];
      if (b != nullptr) bias_[static_cast<std::size_t>(c)] = b[c];
    }
    offsets_.resize(static_cast<std::size_t>(K));
    for (int64_t kh = 0, k = 0; kh < p.kh; ++kh)
      for (int64_t kw = 0; kw < p.kw; ++kw, ++k)
        offsets_[static_cast<std::size_t>(k)] = kh * (p.dh + 1) * in_row_ + kw * (p.dw + 1) * L_;
    const int64_t tiles = (ow_ + L_ - 1) / L_;  // rows split evenly into tiles of at most L pixels
    pixels_ = static_cast<int>((ow_ + tiles - 1) / tiles);
    full_dw_ = kernel::depthwise_blocked_tile(isa_, pixels_, static_cast<int>(p.sw));
    last_dw_ = kernel::depthwise_blocked_tile(isa_, last_width(), static_cast<int>(p.sw));
    const int64_t base = p.mb * in_blocks_;
    row_tiles_ = std::clamp<int64_t>((ConvSplit::kItemsPerThread * threads_ + base - 1) / base, 1, oh_);
    items_ = base * row_tiles_;
  }

  int last_width() const { return static_cast<int>(ow_ - (ow_ - 1) / pixels_ * pixels_); }

  // NCHW -> the interior of the bordered blocked copy; channels past ic and
  // the borders stay zero from the plan.
  void pack(const float* x) {
    const Conv2dParams& p = params();
    arena_.for_each(p.mb * in_blocks_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / in_blocks_, cb = i % in_blocks_, c1 = std::min(p.ic, (cb + 1) * L_);
        float* block = input_.data() + i * in_plane_ + p.ph * in_row_ + p.pw * L_;
        for (int64_t c = cb * L_; c < c1; ++c) {
          const float* src = x + (n * p.ic + c) * p.ih * p.iw;
          float* dst = block + c % L_;
          for (int64_t h = 0; h < p.ih; ++h, src += p.iw)
            for (int64_t v = 0; v < p.iw; ++v) dst[h * in_row_ + v * L_] = src[v];
        }
      }
    });
  }

  void compute_dense() {
    const Conv2dParams& p = params();
    const int64_t OW = ow_, P = pixels_, K = p.reduction_length(), V = vectors_, L = L_, block = block_;
    const int64_t row_step = p.sh * in_row_, pixel_step = p.sw * L, out_plane = out_plane_;
    const int64_t* offsets = offsets_.data();
    const float *weights = weights_.data(), *bias = bias_.data();
    const kernel::BlockedMicroKernel full_tile = full_tile_, last_tile = last_tile_;
    const bool blocks_outer = blocks_outer_;
    arena_.for_each(items_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const ConvSplit::Item it = split_->item(i);
        const float* image = input_.data() + it.n * in_blocks_ * in_plane_;
        float* out = output_.data() + it.n * out_blocks_ * out_plane;
        auto row = [&](int64_t oh, int64_t b0, int64_t b1) {
          for (int64_t t0 = 0; t0 < OW; t0 += P) {
            const kernel::BlockedMicroKernel tile = t0 + P < OW ? full_tile : last_tile;
            for (int64_t b = b0; b < b1; ++b)
              tile(image + oh * row_step + t0 * pixel_step, offsets, K, weights + b * K * block, bias + b * block,
                   out + b * V * out_plane + (oh * OW + t0) * L, out_plane);
          }
        };
        if (blocks_outer) {
          for (int64_t b = it.b0; b < it.b1; ++b)
            for (int64_t oh = it.oh0; oh < it.oh1; ++oh) row(oh, b, b + 1);
        } else {
          for (int64_t oh = it.oh0; oh < it.oh1; ++oh) row(oh, it.b0, it.b1);
        }
      }
    });
  }

  void compute_depthwise() {
    const Conv2dParams& p = params();
    const int64_t OW = ow_, P = pixels_, K = p.kh * p.kw, L = L_, row_tiles = row_tiles_;
    const int64_t rows_per_tile = (oh_ + row_tiles - 1) / row_tiles;
    const int64_t row_step = p.sh * in_row_, pixel_step = p.sw * L;
    const int64_t* offsets = offsets_.data();
    const kernel::DepthwiseBlockedTile full_tile = full_dw_, last_tile = last_dw_;
    arena_.for_each(items_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t block = i / row_tiles, cb = block % in_blocks_;  // block = n * in_blocks + cb
        const int64_t oh0 = i % row_tiles * rows_per_tile, oh1 = std::min(oh_, oh0 + rows_per_tile);
        const float* plane = input_.data() + block * in_plane_;
        float* out = output_.data() + block * out_plane_;
        for (int64_t oh = oh0; oh < oh1; ++oh)
          for (int64_t t0 = 0; t0 < OW; t0 += P)
            (t0 + P < OW ? full_tile : last_tile)(plane + oh * row_step + t0 * pixel_step, offsets, K,
                                                  weights_.data() + cb * K * L, bias_.data() + cb * L,
                                                  out + (oh * OW + t0) * L);
      }
    });
  }

  // The blocked output -> NCHW, the real channels only.
  void unpack(float* y) const {
    const Conv2dParams& p = params();
    const int64_t pixels = oh_ * ow_;
    arena_.for_each(p.mb * out_blocks_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / out_blocks_, ob = i % out_blocks_, c1 = std::min(p.oc, (ob + 1) * L_);
        const float* block = output_.data() + i * out_plane_;
        for (int64_t c = ob * L_; c < c1; ++c) {
          const float* src = block + c % L_;
          float* dst = y + (n * p.oc + c) * pixels;
          for (int64_t q = 0; q < pixels; ++q) dst[q] = src[q * L_];
        }
      }
    });
  }

  Isa isa_;
  bool depthwise_;
  int64_t L_, in_blocks_, oh_, ow_, in_row_, in_plane_, out_plane_;
  int threads_;
  ThreadArena arena_;
  int64_t block_ = 1, vectors_ = 1, oc_tiles_ = 1, out_blocks_ = 1;  // output channels per tile, its vectors
  int pixels_ = 1;                                                    // P: the tile width
  int64_t items_ = 1, row_tiles_ = 1;
  bool blocks_outer_ = false;
  std::optional<ConvSplit> split_;  // dense
  kernel::BlockedMicroKernel full_tile_ = nullptr, last_tile_ = nullptr;     // dense
  kernel::DepthwiseBlockedTile full_dw_ = nullptr, last_dw_ = nullptr;       // depthwise
  kernel::Buffer<float> weights_, bias_;
  kernel::Buffer<float> input_, output_;  // the blocked copies run_compute_only() reads and writes
  kernel::Buffer<int64_t> offsets_;
};
}  // namespace

const ConvVariant& blocked() {
  return ladder_step<BlockedPlan>("blocked", "branch off 05: its kernel over nChw{L}c activations; direct stores, strided pixels, a :compute row", VariantKind::branch);
}

}  // namespace convlab::conv2d

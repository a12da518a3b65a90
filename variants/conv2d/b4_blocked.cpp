// conv2d branch b4 — blocked: off 05, the activations in nChw{L}c (L = the
// ISA's lanes): output channels already sit in the lanes they are stored
// from, stride 2 reads its pixels where they lie, depthwise channels fill
// the lanes.
// What changed from 05_parallel: the layout, not the arithmetic. Each work
//   item converts the input rows it reads into its thread's bordered blocked
//   copy ([ic/L][pt + ih + pb][pl + iw + pr][L], register transposes), runs 05's
//   kernel body with pixels stride*L floats apart (dense: the same taps in
//   the same order, so 05's bits) or one vector per pixel (depthwise: b3's
//   sums), stores each accumulator as it is, and converts its rows back.
//   Row `blocked:compute` times the computation alone on whole converted
//   images, beside `onednn-best:compute`.
// Why (the bottleneck): 05 ends every tile with L x L transposes and
//   re-packs stride-2 inputs into column phases per call; depthwise, its
//   channel lanes hold one channel in L.
// Why nChw{L}c, not NHWC: a pixel's L channels are one aligned vector, a
//   block's rows contiguous; the zero border belongs to the layout (a
//   producer writes the interior), so no tap is tested. Converting per item
//   on the thread that reads it: a copy read by the other core had cost
//   more than a 1 x 1 layer's whole computation.
// Loop nest: [threads] for item = (n, rows, oc tiles | channel block):
//   convert its rows in; for oh: for P-pixel tile: for oc tile: micro-kernel;
//   convert its rows out.
// Measured (AMD EPYC (Zen 5) VM, 1 thread, medians of 5): blocked:compute
//   on res2a_branch2b 1.02x onednn-best:compute (AVX-512, 192 GFLOP/s) and
//   1.00x at --isa avx2 (101 GFLOP/s, 96 % of the AVX2 peak); 1.11-1.44x on
//   the six MobileNetV2 depthwise layers (AVX-512). Re-run:
//   build/release/bench/convlab-bench --suite resnet50 --suite mobilenet --variant blocked,onednn-best --threads 1
#include <fmt/core.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "05_parallel.hpp"
#include "conv2d/kernel/depthwise.hpp"
#include "conv2d/kernel/micro_kernel.hpp"
#include "conv2d/kernel/pack.hpp"
#include "conv2d/kernel/relayout.hpp"
#include "conv2d/kernel/tiles.hpp"
#include "convlab/cache.hpp"
#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"
#include "ladder_hooks.hpp"

namespace convlab::conv2d {

namespace {

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
        in_row_(p.padded_iw() * L_),
        in_plane_(p.padded_ih() * in_row_),
        out_plane_(oh_ * ow_ * L_),
        threads_(depthwise_ || (o.threads > 1 && p.flops() >= kSerialFlops) ? o.threads : 1),
        arena_(threads_) {
    depthwise_ ? plan_depthwise(p, w, b) : plan_dense(p, w, b);
    slots_.resize(static_cast<std::size_t>(threads_));
    for (Slot& s : slots_) {
      // A depthwise item reads and writes one channel block; a dense one, all.
      s.in.assign(static_cast<std::size_t>((depthwise_ ? 1 : in_blocks_) * in_plane_), 0.0f);
      s.out.assign(static_cast<std::size_t>((depthwise_ ? 1 : out_blocks_) * out_plane_), 0.0f);
      s.holds.assign(static_cast<std::size_t>(p.ih), 0);
    }
  }

  std::size_t workspace_bytes() const override {
    const Slot& s = slots_[0];
    return slots_.size() * ((s.in.size() + s.out.size()) * sizeof(float) + s.holds.size() * sizeof(int64_t));
  }
  std::size_t packed_weight_bytes() const override {
    return (weights_.size() + bias_.size()) * sizeof(float) + offsets_.size() * sizeof(int64_t);
  }
  std::string describe() const override {
    return fmt::format("{}: nChw{}c with zero borders, {} tile {} px x {} oc, stride {} in the kernel{}; {}",
                       to_string(isa_), L_, depthwise_ ? "depthwise" : "dense", pixels_, block_, params().sw,
                       blocks_outer_ ? ", oc blocks outermost (weights past L2/2)" : "",
                       threads_ == 1 ? std::string("serial") : fmt::format("{} threads over {} items", threads_, items_));
  }

  // The whole-image output of run_compute_only() in NCHW (ladder_hooks.hpp).
  std::vector<float> compute_output() const {
    const Conv2dParams& p = params();
    std::vector<float> y(static_cast<std::size_t>(p.output_elems()));
    for (int64_t n = 0; n < p.mb; ++n) {
      if (!depthwise_) unpack({n, 0, oh_, 0, out_blocks_ / vectors_}, images_out_.data() + n * out_blocks_ * out_plane_, y.data());
      for (int64_t cb = 0; depthwise_ && cb < in_blocks_; ++cb)
        unpack({n, 0, oh_, cb, cb + 1}, images_out_.data() + (n * out_blocks_ + cb) * out_plane_, y.data());
    }
    return y;
  }

  // The computation alone over whole blocked images: on its first call (or a
  // new input) it converts the last run()'s input into them, untimed in a
  // benchmark's steady state, as a network keeping this layout would have it.
  bool has_compute_only() const override { return true; }
  void run_compute_only() override {
    const Conv2dParams& p = params();
    if (p.mb == 0) return;  // an empty batch: run() computed nothing either
    if (last_x_ == nullptr) throw std::logic_error("blocked: run_compute_only() before run()");
    if (images_in_.empty()) {
      images_in_.assign(static_cast<std::size_t>(p.mb * in_blocks_ * in_plane_), 0.0f);
      images_out_.assign(static_cast<std::size_t>(p.mb * out_blocks_ * out_plane_), 0.0f);
    }
    if (converted_ != last_x_) {
      for (int64_t n = 0; n < p.mb; ++n) pack(last_x_, n, images_in_.data() + n * in_blocks_ * in_plane_, 0, p.ih, 0, in_blocks_);
      converted_ = last_x_;
    }
    arena_.for_each(items_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const Item it = item(i);
        const int64_t first = depthwise_ ? it.b0 : 0;  // the blocks compute() is handed start there
        compute(it, images_in_.data() + (it.n * in_blocks_ + first) * in_plane_,
                images_out_.data() + (it.n * out_blocks_ + first) * out_plane_);
      }
    });
  }

 private:
  // Output rows [oh0, oh1) of image n: oc tiles [b0, b1) (dense), or
  // channel block b0 (depthwise, b1 = b0 + 1).
  struct Item {
    int64_t n, oh0, oh1, b0, b1;
  };
  // A thread's blocked copy of one image (dense) or one channel block of one
  // (depthwise), and whose rows its input copy holds (1 + the image, or
  // 1 + image * blocks + block; 0 for none), so that a thread converts each
  // row it reads once per call.
  struct Slot {
    kernel::Buffer<float> in, out;
    kernel::Buffer<int64_t> holds;
  };

  // One parallel loop: each item converts the input rows it reads into its
  // thread's copy (unless already there), computes, and converts its output
  // back, so no thread waits for or reads another's conversion.
  void execute(const float* x, float* y) override {
    last_x_ = x;
    for (Slot& s : slots_) std::fill(s.holds.begin(), s.holds.end(), 0);  // a new input
    const Conv2dParams& p = params();
    arena_.for_each_slot(items_, 1, [&](int64_t begin, int64_t end, int slot) {
      Slot& s = slots_[static_cast<std::size_t>(slot)];
      for (int64_t i = begin; i < end; ++i) {
        const Item it = item(i);
        const int64_t r0 = std::max<int64_t>(0, it.oh0 * p.sh - p.pt);
        const int64_t r1 = std::min(p.ih, (it.oh1 - 1) * p.sh + p.ekh() - p.pt);
        const int64_t cb0 = depthwise_ ? it.b0 : 0, cb1 = depthwise_ ? it.b1 : in_blocks_;
        const int64_t key = 1 + (depthwise_ ? it.n * in_blocks_ + it.b0 : it.n);
        int64_t* holds = s.holds.data();
        for (int64_t r = r0; r < r1;) {  // each run of rows not yet held
          if (holds[r] == key) {
            ++r;
            continue;
          }
          int64_t e = r;
          while (e < r1 && holds[e] != key) holds[e++] = key;
          pack(x, it.n, s.in.data(), r, e, cb0, cb1);
          r = e;
        }
        compute(it, s.in.data(), s.out.data());
        unpack(it, s.out.data(), y);
      }
    });
  }

  // 05's packed weights, [oc tile][K][V*L], and a tap (c, kh, kw) in 05's
  // order, so that the sums are 05's to the bit.
  void plan_dense(const Conv2dParams& p, const float* w, const float* b) {
    // Three vectors per tile where the register file holds 16 (AVX2, SSE):
    // fewer loads per FMA than 05's two (tiles.hpp).
    kernel::PackedWeights packed(p, w, b, isa_, isa_ == Isa::avx512 ? 2 : 3);
    weights_ = std::move(packed.weights);
    bias_ = std::move(packed.bias);
    block_ = packed.block;
    vectors_ = packed.vectors;
    out_blocks_ = packed.oc_blocks * vectors_;
    offsets_.resize(static_cast<std::size_t>(p.reduction_length()));
    for (int64_t c = 0, k = 0; c < p.ic; ++c)
      for (int64_t kh = 0; kh < p.kh; ++kh)
        for (int64_t kw = 0; kw < p.kw; ++kw, ++k)
          offsets_[static_cast<std::size_t>(k)] =
              (c / L_) * in_plane_ + kh * (p.dh + 1) * in_row_ + kw * (p.dw + 1) * L_ + c % L_;
    const kernel::RowTiles tiles = kernel::row_tiles(isa_, vectors_, ow_);
    pixels_ = tiles.pixels;
    wide_tiles_ = tiles.wide;
    wide_tile_ = kernel::blocked_micro_kernel(isa_, vectors_, pixels_, static_cast<int>(p.sw));
    if (pixels_ > 1) narrow_tile_ = kernel::blocked_micro_kernel(isa_, vectors_, pixels_ - 1, static_cast<int>(p.sw));
    split_.emplace(p, packed.oc_blocks, threads_);
    items_ = split_->items;
    // A row of tiles meets every oc tile of its item: when their weights
    // overflow half of L2, each row would fetch them from L3, so the oc
    // tiles go outermost and each tile's weights stay in L2 for all rows.
    const int64_t item_weights = split_->blocks_per_group * p.reduction_length() * block_ * int64_t{sizeof(float)};
    blocks_outer_ = item_weights > cache_info().l2_bytes / 2;
  }

  // b3's weights, [channel block][K][L], and taps (kh, kw) within a block.
  void plan_depthwise(const Conv2dParams& p, const float* w, const float* b) {
    block_ = L_;
    out_blocks_ = in_blocks_;
    kernel::pack_depthwise_weights(p, w, b, L_, weights_, bias_);
    offsets_ = kernel::depthwise_taps(p, in_row_, L_);
    const kernel::RowTiles tiles = kernel::even_tiles(ow_, L_);  // one vector per pixel: up to L accumulators
    pixels_ = tiles.pixels;
    wide_tiles_ = tiles.wide;
    wide_dw_ = kernel::depthwise_blocked_tile(isa_, pixels_, static_cast<int>(p.sw));
    if (pixels_ > 1) narrow_dw_ = kernel::depthwise_blocked_tile(isa_, pixels_ - 1, static_cast<int>(p.sw));
    const int64_t base = std::max<int64_t>(p.mb, 1) * in_blocks_;  // an empty batch plans as one image
    row_tiles_ = std::clamp<int64_t>((ConvSplit::kItemsPerThread * threads_ + base - 1) / base, 1, oh_);
    rows_per_tile_ = (oh_ + row_tiles_ - 1) / row_tiles_;
    row_tiles_ = (oh_ + rows_per_tile_ - 1) / rows_per_tile_;
    items_ = base * row_tiles_;
  }

  Item item(int64_t i) const {
    if (!depthwise_) {
      const ConvSplit::Item it = split_->item(i);
      return {it.n, it.oh0, it.oh1, it.b0, it.b1};
    }
    const int64_t block = i / row_tiles_, oh0 = i % row_tiles_ * rows_per_tile_;
    return {block / in_blocks_, oh0, std::min(oh_, oh0 + rows_per_tile_), block % in_blocks_, block % in_blocks_ + 1};
  }

  // Input rows [r0, r1) of channel blocks [cb0, cb1) of image n, NCHW -> the
  // interior of `image`, a bordered blocked copy starting at block cb0 whose
  // borders and channels past ic stay zero from the plan.
  void pack(const float* x, int64_t n, float* image, int64_t r0, int64_t r1, int64_t cb0, int64_t cb1) const {
    const Conv2dParams& p = params();
    for (int64_t cb = cb0; cb < cb1; ++cb) {
      kernel::Relayout r{};
      r.planes = x + ((n * p.ic + cb * L_) * p.ih + r0) * p.iw;
      r.plane = p.ih * p.iw, r.row = p.iw;
      r.pixels_out = image + (cb - cb0) * in_plane_ + (p.pt + r0) * in_row_ + p.pl * L_;
      r.pixel_row = in_row_;
      r.channels = std::min(L_, p.ic - cb * L_), r.rows = r1 - r0, r.cols = p.iw;
      kernel::to_pixels(isa_, r);
    }
  }

  // The item's outputs; `image` and `out` start at its first channel block
  // (depthwise) or at block 0 (dense).
  void compute(const Item& it, const float* image, float* out) const {
    const Conv2dParams& p = params();
    const int64_t OW = ow_, P = pixels_, L = L_, row_step = p.sh * in_row_, pixel_step = p.sw * L;
    const int64_t* offsets = offsets_.data();
    const float *weights = weights_.data(), *bias = bias_.data();
    if (depthwise_) {
      const int64_t K = p.kh * p.kw, cb = it.b0;
      for (int64_t oh = it.oh0; oh < it.oh1; ++oh)
        for (int64_t i = 0, t0 = 0; t0 < OW; t0 += i++ < wide_tiles_ ? P : P - 1)
          (i < wide_tiles_ ? wide_dw_ : narrow_dw_)(image + oh * row_step + t0 * pixel_step, offsets, K,
                                                    weights + cb * K * L, bias + cb * L, out + (oh * OW + t0) * L);
      return;
    }
    const int64_t K = p.reduction_length(), V = vectors_, block = block_, out_plane = out_plane_;
    const kernel::BlockedMicroKernel wide_tile = wide_tile_, narrow_tile = narrow_tile_;
    const int64_t wide = wide_tiles_;
    auto row = [&](int64_t oh, int64_t b0, int64_t b1) {
      for (int64_t i = 0, t0 = 0; t0 < OW; t0 += i++ < wide ? P : P - 1) {
        const kernel::BlockedMicroKernel tile = i < wide ? wide_tile : narrow_tile;
        for (int64_t b = b0; b < b1; ++b)
          tile(image + oh * row_step + t0 * pixel_step, offsets, K, weights + b * K * block, bias + b * block,
               out + b * V * out_plane + (oh * OW + t0) * L, out_plane);
      }
    };
    if (blocks_outer_) {
      for (int64_t b = it.b0; b < it.b1; ++b)
        for (int64_t oh = it.oh0; oh < it.oh1; ++oh) row(oh, b, b + 1);
    } else {
      for (int64_t oh = it.oh0; oh < it.oh1; ++oh) row(oh, it.b0, it.b1);
    }
  }

  // The item's blocked output -> NCHW rows of y, the real channels only.
  // Its rows are one run of pixels on both sides: one partial vector per
  // run, not per row (masked stores are slow on AMD cores).
  void unpack(const Item& it, const float* out, float* y) const {
    const Conv2dParams& p = params();
    const int64_t per_tile = depthwise_ ? 1 : vectors_, plane = oh_ * ow_, first = depthwise_ ? it.b0 : 0;
    for (int64_t ob = it.b0 * per_tile; ob < it.b1 * per_tile && ob * L_ < p.oc; ++ob) {
      kernel::Relayout r{};
      r.pixels = out + (ob - first) * out_plane_ + it.oh0 * ow_ * L_;
      r.pixel_row = 0;
      r.planes_out = y + (it.n * p.oc + ob * L_) * plane + it.oh0 * ow_;
      r.plane = plane, r.row = 0;
      r.channels = std::min(L_, p.oc - ob * L_), r.rows = 1, r.cols = (it.oh1 - it.oh0) * ow_;
      kernel::to_planes(isa_, r);
    }
  }

  Isa isa_;
  bool depthwise_;
  int64_t L_, in_blocks_, oh_, ow_, in_row_, in_plane_, out_plane_;
  int threads_;
  ThreadArena arena_;
  int64_t block_ = 1, vectors_ = 1, out_blocks_ = 1;  // output channels per tile and its vectors; blocks of L
  int pixels_ = 1;                                    // P: the tile width
  int64_t items_ = 1, row_tiles_ = 1, rows_per_tile_ = 1;
  bool blocks_outer_ = false;
  std::optional<ConvSplit> split_;                                       // dense items
  int64_t wide_tiles_ = 1;                                                  // tiles of P in a row, then P - 1
  kernel::BlockedMicroKernel wide_tile_ = nullptr, narrow_tile_ = nullptr;  // dense
  kernel::DepthwiseBlockedTile wide_dw_ = nullptr, narrow_dw_ = nullptr;  // depthwise
  kernel::Buffer<float> weights_, bias_;
  kernel::Buffer<int64_t> offsets_;
  std::vector<Slot> slots_;  // one per thread
  const float* last_x_ = nullptr;
  const float* converted_ = nullptr;        // the input images_in_ holds
  kernel::Buffer<float> images_in_, images_out_;  // whole blocked images, for run_compute_only()
};

}  // namespace

std::vector<float> blocked_compute_output(ConvPlan& plan) {
  auto* blocked = dynamic_cast<BlockedPlan*>(&plan);
  if (blocked == nullptr) throw std::logic_error("blocked_compute_output: not a plan of the blocked variant");
  blocked->run_compute_only();
  return blocked->compute_output();
}

const ConvVariant& blocked() {
  return ladder_step<BlockedPlan>("blocked", "branch off 05: its kernel over nChw{L}c activations; direct stores, strided pixels, a :compute row", VariantKind::branch);
}

}  // namespace convlab::conv2d

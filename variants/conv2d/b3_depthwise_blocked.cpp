// conv2d branch b3 — depthwise, blocked: off b2, L channels in the lanes
// where b2's pixel lanes go empty.
// What changed from b2_depthwise: the lanes hold channels again, but of L
//   different planes, not of one group: kernel/depthwise_blocked.hpp copies
//   the block's L planes into one pixel-major buffer (channels in the lanes,
//   transposed in registers, padding left as zero borders), computes each
//   output pixel as one vector, and transposes L pixels at a time back into
//   the L NCHW output planes. Work items: (image, block of L channels).
// Why (the bottleneck): on MobileNetV2's 14 x 14 and 7 x 7 layers a row is
//   at most one vector: b2 spends ~40 ns per plane on its padded copy and
//   its calls (b2 on g960mb1ic960ih9oc960kh3, no padding, 81 us against 122
//   us with it) while oneDNN's blocked layout shares that over 16 planes.
// Loop nest, per item: for band of output rows:
//   for its input rows: for L columns: L loads, transpose, L vector stores
//   for L output pixels: acc = bias; for k: acc[q] += w[k] * x[origin[q] + tap k]
//     transpose; for plane: masked store of the L pixels
// Working set: a band of output rows whose padded input rows, (iw+pl+pr)
//   vectors each, fit 96 KiB (a whole 7 x 7 or 14 x 14 plane; 6 rows at 112
//   wide, stride 2), in L2 from copy to last tap.
// Supports: what b2 does (groups = input = output channels).
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 33.1
//   GFLOP/s on g960mb1ic960ih7oc960kh3ph1, 2.07x b2, 1.47x onednn-best. Re-run:
//   build/release/convlab run --variant depthwise,depthwise_blocked,onednn-best --suite mobilenet --reps 5
#include <fmt/core.h>

#include <algorithm>
#include <memory>

#include "conv2d/kernel/depthwise.hpp"
#include "conv2d/kernel/depthwise_blocked.hpp"
#include "conv2d/kernel/pack.hpp"
#include "convlab/parallel.hpp"
#include "convlab/variant.hpp"

namespace convlab::conv2d {

namespace {

constexpr int64_t kBandBytes = 96 * 1024;

class DepthwiseBlockedPlan final : public ConvPlan {
 public:
  DepthwiseBlockedPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b)
      : ConvPlan(p, o),
        lanes_(vector_floats(o.isa)),
        blocks_((p.ic + lanes_ - 1) / lanes_),
        padded_w_(p.padded_iw()),
        ekh_((p.kh - 1) * (p.dh + 1) + 1),
        band_(band_rows(p, padded_w_ * lanes_ * static_cast<int64_t>(sizeof(float)), ekh_)),
        block_floats_(((band_ - 1) * p.sh + ekh_) * padded_w_ * lanes_),
        scratch_(static_cast<std::size_t>(p.mb * blocks_ * block_floats_), 0.0f),
        taps_(kernel::depthwise_taps(p, padded_w_ * lanes_, lanes_)),
        arena_(o.threads) {
    kernel::pack_depthwise_weights(p, w, b, lanes_, weights_, bias_);
  }

  static Support supports(const Conv2dParams& p) { return kernel::depthwise_support(p); }  // b2's shapes
  std::size_t workspace_bytes() const override { return scratch_.size() * sizeof(float); }
  std::size_t packed_weight_bytes() const override {
    return (weights_.size() + bias_.size()) * sizeof(float) + taps_.size() * sizeof(int64_t);
  }
  std::string describe() const override {
    return fmt::format("{}: {} block(s) of {} channels per image, bands of {} output rows, on {} thread(s)",
                       to_string(options().isa), blocks_, lanes_, band_, arena_.threads());
  }

 private:
  void execute(const float* x, float* y) override {
    const Conv2dParams& p = params();
    const int64_t K = p.kh * p.kw, in_plane = p.ih * p.iw, out_plane = p.oh() * p.ow();
    kernel::BlockedArgs base{};
    base.taps = taps_.data();
    base.K = K;
    base.ih = p.ih, base.iw = p.iw, base.oh = p.oh(), base.ow = p.ow();
    base.sh = p.sh, base.sw = p.sw, base.pt = p.pt, base.pl = p.pl, base.padded_w = padded_w_;
    base.ekh = ekh_, base.band = band_;
    arena_.for_each(p.mb * blocks_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        const int64_t n = i / blocks_, c0 = (i % blocks_) * lanes_;
        kernel::BlockedArgs a = base;
        a.x = x + (n * p.ic + c0) * in_plane;
        a.y = y + (n * p.oc + c0) * out_plane;
        a.w = weights_.data() + c0 * K;
        a.bias = bias_.data() + c0;
        a.scratch = scratch_.data() + i * block_floats_;
        a.channels = std::min<int64_t>(lanes_, p.ic - c0);
        simd::dispatch(options().isa, kernel::DepthwiseBlocked{}, a);
      }
    });
  }

  // Output rows per band: as many as keep the band's blocked input rows
  // within kBandBytes (in L2 from copy to last tap), at least one.
  static int64_t band_rows(const Conv2dParams& p, int64_t row_bytes, int64_t ekh) {
    const int64_t rows = kBandBytes / row_bytes;
    return std::clamp<int64_t>(rows < ekh ? 1 : (rows - ekh) / p.sh + 1, 1, p.oh());
  }

  int64_t lanes_, blocks_, padded_w_, ekh_, band_, block_floats_;
  kernel::Buffer<float> scratch_, weights_, bias_;
  kernel::Buffer<int64_t> taps_;
  ThreadArena arena_;
};

}  // namespace

const ConvVariant& depthwise_blocked() {
  return ladder_step<DepthwiseBlockedPlan>("depthwise_blocked", "branch off b2: L planes' channels in the lanes over a blocked copy, for small depthwise planes", VariantKind::branch);
}

}  // namespace convlab::conv2d

// conv2d backward-data step 01 — as_forward: a forward convolution, run by
//   the forward ladder's `parallel` rung (05_parallel.cpp).
// What changed from d0_naive: no backward loop. Read as a gather,
//   dx[i] = sum_t dy~[i + pt - ekh + 1 + t*(dh+1)] * w[KH-1-t]: a FORWARD
//   convolution (stride 1, dilation kept) of dy~ = dy with sh-1 zero rows and
//   sw-1 zero columns inserted, by the weights rotated 180 degrees with oc and
//   ic swapped per group. Padding: ekh-1-pt before, and after what makes the
//   size come out at exactly ih (one-sided; where either is negative, pt >
//   ekh-1 or the stride dropped rows, those rows of dy~ are cropped instead).
//   Plan: rotate the weights, plan the forward. Run: write dy~ (cropped,
//   zero-inserted) unless sh = sw = 1 and nothing is cropped (dy as is), forward.
// Why (d0's bottleneck): the scatter's read-modify-write of dx per product;
//   the forward rung keeps its accumulators in registers near FMA peak, and
//   every improvement of the forward is inherited.
// Cost of the route: at stride s, (s*s-1)/(s*s) of dy~ is zeros the forward
//   multiplies anyway (3/4 of the FLOPs wasted at stride 2), plus the copy.
// Loop nest: [threads] for (n, oc) planes: dy~ = zero-insert(crop(dy))
//            the forward parallel rung's nest on dy~ and rot180(w)^T
// Working set: the forward's tiles; dy~ is sh*sw times dy.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512 VM, 1 thread, median of 5):
//   136 GFLOP/s on mb32ic32ih15oc64kh3 (forward parallel 182 on the same shape:
//   the transposed problem is 13x13 padded by 2, worse tiles), 199 on
//   mb1ic64ih56oc64kh3ph1 (forward 200; dy as is); naive 3.0 / 2.9, oneDNN 90 / 93.
//   Re-run (flock /tmp/convlab-cpu.lock): build/bwd/tests/convlab_tests
//   --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_BackwardTiming'
#include <algorithm>
#include <fmt/core.h>
#include <memory>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/parallel.hpp"
#include "convlab/registry.hpp"
#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

namespace {

// One axis of the transformation: which rows j of the zero-inserted dy
// (dy row oh sits at j = oh*s) the forward reads, and its padding around them.
struct Axis {
  int64_t j_lo = 0, len = 0;   // the kept rows of dy~: [j_lo, j_lo + len)
  int64_t pad_before = 0, pad_after = 0;
  Axis(int64_t in, int64_t out, int64_t s, int64_t p_before, int64_t ek) {
    // The forward's padded input q = 0 .. in + ek - 2 is dy~ row q + p_before - ek + 1.
    const int64_t first = p_before - ek + 1;
    j_lo = std::max<int64_t>(0, first);
    const int64_t j_hi = std::min((out - 1) * s, p_before + in - 1);
    len = std::max<int64_t>(0, j_hi - j_lo + 1);
    pad_before = j_lo - first;
    pad_after = in + ek - 1 - pad_before - len;
  }
  bool identity(int64_t out, int64_t s) const { return s == 1 && j_lo == 0 && len == out; }
};

class AsForwardPlan final : public ConvBwdDataPlan {
 public:
  AsForwardPlan(const Conv2dParams& p, const PlanOptions& o, const float* w)
      : ConvBwdDataPlan(p, o), h_(p.ih, p.oh(), p.sh, p.pt, p.ekh()), w_(p.iw, p.ow(), p.sw, p.pl, p.ekw()),
        arena_(o.threads) {
    empty_ = h_.len == 0 || w_.len == 0;  // every dy element fell on padding: dx = 0
    if (empty_) return;
    copy_ = !(h_.identity(p.oh(), p.sh) && w_.identity(p.ow(), p.sw));
    // The forward: dy~ in, dx out; channels swapped, same groups and dilation.
    f_ = Conv2dParams{.mb = p.mb, .ic = p.oc, .ih = h_.len, .iw = w_.len, .oc = p.ic, .kh = p.kh, .kw = p.kw,
                      .sh = 1, .sw = 1, .pt = h_.pad_before, .pb = h_.pad_after, .pl = w_.pad_before,
                      .pr = w_.pad_after, .dh = p.dh, .dw = p.dw, .g = p.g, .bias = false};
    // rot180 and transpose per group: wf[g][c][o][KH-1-kh][KW-1-kw] = w[g][o][c][kh][kw].
    const int64_t ICG = p.icg(), OCG = p.ocg(), KK = p.kh * p.kw;
    rotated_.resize(static_cast<std::size_t>(p.weight_elems()));
    for (int64_t gi = 0; gi < p.g; ++gi)
      for (int64_t o = 0; o < OCG; ++o)
        for (int64_t c = 0; c < ICG; ++c)
          for (int64_t k = 0; k < KK; ++k)
            rotated_[((gi * ICG + c) * OCG + o) * KK + (KK - 1 - k)] = w[((gi * OCG + o) * ICG + c) * KK + k];
    if (copy_) dyt_.resize(static_cast<std::size_t>(f_.input_elems()));
    forward_ = conv2d_variant("parallel").plan(f_, rotated_, {}, o);
  }

  std::size_t workspace_bytes() const override {
    return dyt_.size() * sizeof(float) + (forward_ ? forward_->workspace_bytes() : 0);
  }
  std::string describe() const override {
    if (empty_) return "dy falls on padding only: dx = 0";
    return fmt::format("forward parallel on {}dy~ {}x{} pad {}/{}/{}/{}", copy_ ? "copied " : "",
                       h_.len, w_.len, f_.pt, f_.pb, f_.pl, f_.pr);
  }

 private:
  void execute(const float* dy, float* dx) override {
    const Conv2dParams& p = params();
    if (empty_) {
      std::fill(dx, dx + p.input_elems(), 0.0f);
      return;
    }
    const float* in = dy;
    if (copy_) {
      const int64_t OH = p.oh(), OW = p.ow(), H = h_.len, W = w_.len;
      float* out = dyt_.data();
      arena_.for_each(p.mb * p.oc, 1, [&](int64_t b, int64_t e) {
        for (int64_t plane = b; plane < e; ++plane) {
          const float* src = dy + plane * OH * OW;
          float* dst = out + plane * H * W;
          std::fill(dst, dst + H * W, 0.0f);
          for (int64_t r = 0; r < H; ++r) {
            const int64_t j = h_.j_lo + r;
            if (j % p.sh != 0) continue;  // an inserted zero row
            const float* srow = src + (j / p.sh) * OW;
            float* drow = dst + r * W;
            // Columns: dy~ column jw = w_.j_lo + q holds dy column jw / sw when sw divides it.
            int64_t q = (p.sw - w_.j_lo % p.sw) % p.sw;
            for (int64_t ow = (w_.j_lo + q) / p.sw; q < W; q += p.sw, ++ow) drow[q] = srow[ow];
          }
        }
      });
      in = out;
    }
    forward_->run({in, static_cast<std::size_t>(f_.input_elems())}, {dx, static_cast<std::size_t>(p.input_elems())});
  }

  Axis h_, w_;
  ThreadArena arena_;
  bool empty_ = false, copy_ = false;
  Conv2dParams f_;
  std::vector<float, memory::Allocator<float>> rotated_, dyt_;
  std::unique_ptr<ConvPlan> forward_;
};

}  // namespace

const ConvBwdDataVariant& data_as_forward() {
  return bwd_data_step<AsForwardPlan>(
      "as_forward", "a forward convolution of zero-inserted dy with rot180(w)^T, run by the forward's parallel rung");
}

}  // namespace convlab::conv2d_bwd

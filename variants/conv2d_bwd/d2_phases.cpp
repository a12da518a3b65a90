// conv2d backward-data step 02 — phases: at stride s > 1, sh*sw forward
//   convolutions, one per phase of dx, none of them multiplying a zero.
// What changed from d1_as_forward: d1 convolves dy with sh-1 zero rows and
//   sw-1 zero columns inserted, so (s*s-1)/(s*s) of its products are zeros.
//   Here dx is split by phase: along one axis (stride s, padding p, kernel K),
//   dx row i with i + p = s*a + r only receives dy[a - t] * w[s*t + r],
//   t < T_r = ceil((K - r) / s): a stride-1 forward convolution of dy by the
//   sub-kernel of taps r, r+s, ... (rotated), T_r - 1 - a_lo rows of padding
//   before. Plan: per phase (rh, rw), the sub-kernel rot180(w)^T and a forward
//   `parallel` plan over dy's window (dy itself when nothing is cropped). Run:
//   per phase, crop dy if needed, forward into the phase's buffer, scatter
//   into dx's rows s*a + rh - pt, columns s*b + rw - pl (rows no dy reaches,
//   and phases with no tap, s > K, are zeros). Stride 1 or dilation: d1 as is.
// Why (d1's bottleneck at stride 2): 3/4 of its FMAs multiply inserted zeros,
//   and its input dy~ is 4x dy; here every FMA is useful work, at the price
//   of sh*sw smaller forwards (shorter reductions: K/s taps per axis) and a
//   scatter pass over dx.
// Loop nest: for phase (rh, rw):
//              [threads] for (n, oc) planes: window of dy (when cropped)
//              the forward parallel rung's nest (dy window, sub-kernel) -> buf
//              [threads] for (n, c) planes: dx[.., s*a + rh - pt, s*b + rw - pl] = buf
// Working set: the forward's tiles on each phase; buffers of dx's size / (sh*sw).
// Measured (AMD EPYC family 26 (Zen 5), AVX-512 VM shared with other jobs,
//   1 thread, best of 15 interleaved rounds, GFLOP/s of the forward's flops):
//   res3a mb1ic128ih56oc128kh3sh2ph1 172 (d1 49, oneDNN 125, forward parallel
//   178: 0.96x); resnet conv1 (ic 3, sh2) 27 (d1 7.6, oneDNN 93: the phase
//   forwards have 3 output channels, 3 of 16 lanes). Re-run:
//   flock /tmp/convlab-cpu.lock build/bwd/tests/convlab_tests
//   --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_SuiteTiming'
#include <algorithm>
#include <fmt/core.h>
#include <memory>
#include <vector>

#include "convlab/memory.hpp"
#include "convlab/parallel.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

const ConvBwdDataVariant& data_as_forward();

namespace {

using FloatVec = std::vector<float, memory::Allocator<float>>;

// One axis of one phase r: dx rows i = s*a + r - p for a in [a_min, a_max];
// the forward computes a in [c_lo, c_hi] (rows some dy reaches) from dy rows
// [lo, hi] padded by before/after, with T taps.
struct PhaseAxis {
  int64_t r = 0, T = 0, a_min = 0, a_max = -1, c_lo = 0, c_hi = -1, lo = 0, hi = -1, before = 0, after = 0;
  PhaseAxis(int64_t in, int64_t out, int64_t s, int64_t p, int64_t K, int64_t r_) : r(r_) {
    T = K > r ? (K - r + s - 1) / s : 0;
    a_min = (p - r + s - 1) / s;  // p - r > -s: the numerator is >= 0
    const int64_t num = in - 1 + p - r;
    a_max = num < 0 ? -1 : num / s;
    if (T == 0) return;
    c_lo = a_min;
    c_hi = std::min(a_max, out + T - 2);
    if (c_hi < c_lo) return;
    lo = std::max<int64_t>(0, c_lo - T + 1);
    hi = std::min(out - 1, c_hi);
    before = lo - (c_lo - T + 1);
    after = c_hi - hi;
  }
  bool computes() const { return T > 0 && c_hi >= c_lo; }
  int64_t len() const { return c_hi - c_lo + 1; }
  bool covers_all() const { return computes() && c_lo == a_min && c_hi == a_max; }
  bool whole(int64_t out) const { return lo == 0 && hi == out - 1; }
};

class PhasesPlan final : public ConvBwdDataPlan {
 public:
  PhasesPlan(const Conv2dParams& p, const PlanOptions& o, const float* w) : ConvBwdDataPlan(p, o), arena_(o.threads) {
    if ((p.sh == 1 && p.sw == 1) || p.dh != 0 || p.dw != 0) {
      fallback_ = data_as_forward().plan(p, {w, static_cast<std::size_t>(p.weight_elems())}, o);
      return;
    }
    if (p.mb == 0) return;
    const int64_t ICG = p.icg(), OCG = p.ocg();
    zero_ = false;
    for (int64_t rh = 0; rh < p.sh; ++rh)
      for (int64_t rw = 0; rw < p.sw; ++rw) {
        Phase ph{PhaseAxis(p.ih, p.oh(), p.sh, p.pt, p.kh, rh), PhaseAxis(p.iw, p.ow(), p.sw, p.pl, p.kw, rw)};
        if (!ph.h.covers_all() || !ph.w.covers_all()) zero_ = true;
        if (!ph.h.computes() || !ph.w.computes()) continue;
        const int64_t Th = ph.h.T, Tw = ph.w.T;
        ph.f = Conv2dParams{.mb = p.mb, .ic = p.oc, .ih = ph.h.hi - ph.h.lo + 1, .iw = ph.w.hi - ph.w.lo + 1,
                            .oc = p.ic, .kh = Th, .kw = Tw, .sh = 1, .sw = 1, .pt = ph.h.before,
                            .pb = ph.h.after, .pl = ph.w.before, .pr = ph.w.after, .dh = 0, .dw = 0, .g = p.g,
                            .bias = false};
        // wf[g][c][o][th][tw] = w[g][o][c][sh*(Th-1-th) + rh][sw*(Tw-1-tw) + rw]
        ph.weights.resize(static_cast<std::size_t>(p.g * ICG * OCG * Th * Tw));
        for (int64_t gi = 0; gi < p.g; ++gi)
          for (int64_t c = 0; c < ICG; ++c)
            for (int64_t oo = 0; oo < OCG; ++oo)
              for (int64_t th = 0; th < Th; ++th)
                for (int64_t tw = 0; tw < Tw; ++tw)
                  ph.weights[(((gi * ICG + c) * OCG + oo) * Th + th) * Tw + tw] =
                      w[(((gi * OCG + oo) * ICG + c) * p.kh + p.sh * (Th - 1 - th) + rh) * p.kw + p.sw * (Tw - 1 - tw) +
                        rw];
        ph.crop = !ph.h.whole(p.oh()) || !ph.w.whole(p.ow());
        ph.forward = conv2d_variant("parallel").plan(ph.f, ph.weights, {}, o);
        window_ = std::max(window_, ph.crop ? ph.f.input_elems() : 0);
        out_ = std::max(out_, ph.f.output_elems());
        phases_.push_back(std::move(ph));
      }
    dyw_.resize(static_cast<std::size_t>(window_));
    buf_.resize(static_cast<std::size_t>(out_));
  }

  std::size_t workspace_bytes() const override {
    if (fallback_) return fallback_->workspace_bytes();
    std::size_t b = (dyw_.size() + buf_.size()) * sizeof(float);
    for (const auto& ph : phases_) b += ph.weights.size() * sizeof(float) + ph.forward->workspace_bytes();
    return b;
  }
  std::string describe() const override {
    if (fallback_) return "stride 1 or dilation: " + fallback_->describe();
    std::string s = fmt::format("{} phases{}:", phases_.size(), zero_ ? ", dx zeroed first" : "");
    for (const auto& ph : phases_)
      s += fmt::format(" {}x{} taps on {}x{}{};", ph.h.T, ph.w.T, ph.f.ih, ph.f.iw, ph.crop ? " (cropped)" : "");
    return s;
  }

 private:
  struct Phase {
    PhaseAxis h, w;
    Conv2dParams f{};
    bool crop = false;
    FloatVec weights;
    std::unique_ptr<ConvPlan> forward;
  };

  void execute(const float* dy, float* dx) override {
    const Conv2dParams& p = params();
    if (fallback_) {
      fallback_->run({dy, static_cast<std::size_t>(p.output_elems())}, {dx, static_cast<std::size_t>(p.input_elems())});
      return;
    }
    if (p.mb == 0) return;
    const int64_t OH = p.oh(), OW = p.ow(), IH = p.ih, IW = p.iw;
    if (zero_)
      arena_.for_each(p.mb * p.ic, 1, [&](int64_t b, int64_t e) {
        std::fill(dx + b * IH * IW, dx + e * IH * IW, 0.0f);
      });
    for (const Phase& ph : phases_) {
      const float* in = dy;
      const int64_t H = ph.f.ih, W = ph.f.iw;
      if (ph.crop) {
        float* dst = dyw_.data();
        arena_.for_each(p.mb * p.oc, 1, [&](int64_t b, int64_t e) {
          for (int64_t plane = b; plane < e; ++plane)
            for (int64_t r = 0; r < H; ++r) {
              const float* src = dy + (plane * OH + ph.h.lo + r) * OW + ph.w.lo;
              std::copy(src, src + W, dst + (plane * H + r) * W);
            }
        });
        in = dst;
      }
      const int64_t Ah = ph.h.len(), Aw = ph.w.len();
      ph.forward->run({in, static_cast<std::size_t>(ph.f.input_elems())},
                      {buf_.data(), static_cast<std::size_t>(ph.f.output_elems())});
      const int64_t i0 = p.sh * ph.h.c_lo + ph.h.r - p.pt, j0 = p.sw * ph.w.c_lo + ph.w.r - p.pl;
      arena_.for_each(p.mb * p.ic, 1, [&](int64_t b, int64_t e) {
        for (int64_t plane = b; plane < e; ++plane)
          for (int64_t a = 0; a < Ah; ++a) {
            const float* src = buf_.data() + (plane * Ah + a) * Aw;
            float* dst = dx + (plane * IH + i0 + p.sh * a) * IW + j0;
            for (int64_t c = 0; c < Aw; ++c) dst[c * p.sw] = src[c];
          }
      });
    }
  }

  ThreadArena arena_;
  std::unique_ptr<ConvBwdDataPlan> fallback_;
  bool zero_ = true;
  int64_t window_ = 0, out_ = 0;
  std::vector<Phase> phases_;
  FloatVec dyw_, buf_;
};

}  // namespace

const ConvBwdDataVariant& data_phases() {
  return bwd_data_step<PhasesPlan>(
      "phases", "stride > 1: one forward convolution per phase of dx on dy itself (no inserted zeros), scattered into dx");
}

}  // namespace convlab::conv2d_bwd

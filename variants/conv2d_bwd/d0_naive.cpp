// conv2d backward-data step 00 — naive: the definition's loops, scattering.
//
// What changed: nothing; the starting point. The forward computes
//   y[n,oc,oh,ow] = sum x[n,ic,ih,iw]*w[oc,ic,kh,kw]; differentiating, every
//   (oh, ow, kh, kw) term sends dy[n,oc,oh,ow]*w[oc,ic,kh,kw] back to the
//   x element it read. A student writes exactly that: walk the forward's loops
//   and scatter into dx (+=), after zeroing it.
// Why it is slow (the bottleneck the next step attacks): the innermost loop
//   runs kw (typically 3) iterations with a read-modify-write of dx at a
//   stride of (dw+1); nothing is contiguous for long enough to vectorize,
//   and every product costs a load and a store of dx besides the FMA.
// Loop nest:
//   dx = 0
//   for n, for oc, for c in oc's group, for oh, for ow:
//     for kh, for kw: dx[n, g*icg+c, oh*sh-pt+kh*(dh+1), ow*sw-pl+kw*(dw+1)] += dy[n,oc,oh,ow]*w[oc,c,kh,kw]
// Working set: one dx plane and one dy plane per (oc, c) pair (a 56x56 plane
//   is 12 KiB): L1-resident; the cost is the instruction count.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512 VM, 1 thread, median of 5):
//   3.0 GFLOP/s on mb32ic32ih15oc64kh3, 2.9 on mb1ic64ih56oc64kh3ph1 (the
//   forward's parallel rung: 182 and 200 in the same run). Re-run (flock
//   /tmp/convlab-cpu.lock): build/bwd/tests/convlab_tests --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_BackwardTiming'
#include <algorithm>

#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

namespace {

class NaivePlan final : public ConvBwdDataPlan {
 public:
  NaivePlan(const Conv2dParams& p, const PlanOptions& o, const float* w) : ConvBwdDataPlan(p, o), w_(w) {}

 private:
  void execute(const float* dy, float* dx) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
    std::fill(dx, dx + p.input_elems(), 0.0f);
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t oc = 0; oc < p.oc; ++oc) {
        const int64_t group = oc / OCG;
        const float* grad = dy + (n * p.oc + oc) * OH * OW;
        for (int64_t c = 0; c < ICG; ++c) {
          float* plane = dx + (n * p.ic + group * ICG + c) * p.ih * p.iw;
          const float* kernel = w_ + (oc * ICG + c) * p.kh * p.kw;
          for (int64_t oh = 0; oh < OH; ++oh)
            for (int64_t ow = 0; ow < OW; ++ow) {
              const float g = grad[oh * OW + ow];
              for (int64_t kh = 0; kh < p.kh; ++kh) {
                const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1);
                if (ih < 0 || ih >= p.ih) continue;  // the forward read padding here
                for (int64_t kw = 0; kw < p.kw; ++kw) {
                  const int64_t iw = ow * p.sw - p.pl + kw * (p.dw + 1);
                  if (iw < 0 || iw >= p.iw) continue;
                  plane[ih * p.iw + iw] += g * kernel[kh * p.kw + kw];
                }
              }
            }
        }
      }
  }

  const float* w_;
};

}  // namespace

const ConvBwdDataVariant& data_naive() {
  return bwd_data_step<NaivePlan>("naive", "the definition's loops: scatter dy*w into dx");
}

}  // namespace convlab::conv2d_bwd

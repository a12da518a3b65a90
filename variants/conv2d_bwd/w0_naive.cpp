// conv2d backward-weights step 00 — naive: the definition's loops.
//
// What changed: nothing; the starting point. dw[oc,c,kh,kw] is the sum over
//   the batch and every output position of x (at the position that tap read
//   in the forward) times dy; db[oc] the sum of dy. One float accumulator per
//   weight, the reduction in (n, oh, ow) order.
// Why it is slow (the bottleneck the next step attacks): each weight walks
//   all of x and dy once (oc*icg*kh*kw passes over N*OH*OW elements), the
//   inner loop strides x by sw with a bounds test per element, and one
//   accumulator makes it a chain of dependent adds (one FMA per 4 cycles).
// Loop nest:
//   for oc, for c, for kh, for kw:
//     s = 0; for n, for oh, for ow: s += x[n, g*icg+c, oh*sh-pt+kh*(dh+1), ow*sw-pl+kw*(dw+1)] * dy[n,oc,oh,ow]
//     dw[oc,c,kh,kw] = s
//   for oc: db[oc] = sum over n, oh, ow of dy[n,oc,oh,ow]
// Working set: per weight the whole batch's x plane c and dy plane oc
//   (mb*ih*iw*4 bytes each): L2 for small batches, memory for large ones.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512 VM, 1 thread, median of 5):
//   3.2 GFLOP/s on mb32ic32ih15oc64kh3, 3.5 on mb1ic64ih56oc64kh3ph1 (the
//   forward's parallel rung: 182 and 200 in the same run). Re-run (flock
//   /tmp/convlab-cpu.lock): build/bwd/tests/convlab_tests --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_BackwardTiming'
#include "kernel/ladder.hpp"

namespace convlab::conv2d_bwd {

namespace {

class NaivePlan final : public ConvBwdWeightsPlan {
 public:
  NaivePlan(const Conv2dParams& p, const PlanOptions& o) : ConvBwdWeightsPlan(p, o) {}

 private:
  void execute(const float* x, const float* dy, float* dw, float* db) override {
    const Conv2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
    for (int64_t oc = 0; oc < p.oc; ++oc) {
      const int64_t group = oc / OCG;
      for (int64_t c = 0; c < ICG; ++c)
        for (int64_t kh = 0; kh < p.kh; ++kh)
          for (int64_t kw = 0; kw < p.kw; ++kw) {
            float s = 0.0f;
            for (int64_t n = 0; n < p.mb; ++n) {
              const float* plane = x + (n * p.ic + group * ICG + c) * p.ih * p.iw;
              const float* grad = dy + (n * p.oc + oc) * OH * OW;
              for (int64_t oh = 0; oh < OH; ++oh) {
                const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1);
                if (ih < 0 || ih >= p.ih) continue;  // padding: a zero term
                for (int64_t ow = 0; ow < OW; ++ow) {
                  const int64_t iw = ow * p.sw - p.pl + kw * (p.dw + 1);
                  if (iw < 0 || iw >= p.iw) continue;
                  s += plane[ih * p.iw + iw] * grad[oh * OW + ow];
                }
              }
            }
            dw[((oc * ICG + c) * p.kh + kh) * p.kw + kw] = s;
          }
      if (db != nullptr) {
        float s = 0.0f;
        for (int64_t n = 0; n < p.mb; ++n)
          for (int64_t i = 0; i < OH * OW; ++i) s += dy[(n * p.oc + oc) * OH * OW + i];
        db[oc] = s;
      }
    }
  }
};

}  // namespace

const ConvBwdWeightsVariant& weights_naive() {
  return bwd_weights_step<NaivePlan>("naive", "the definition's loops: one accumulator per weight over n, oh, ow");
}

}  // namespace convlab::conv2d_bwd

// pool2d step 00 — naive: the seed's MaxPool2D.forward loop nest, transcribed.
//
// What changed: nothing; this is the starting point. TinyTorch loops
//   `for c: for i: for j: region = x[c, h_start:h_end, w_start:w_end]; out = np.max(region)`.
//   This file keeps that shape (clip the region, then reduce it), extended to
//   batch, padding, dilation, ceil_mode, average pooling with PyTorch's
//   divisors (divN overrides them), the optional fused ReLU (relu1) and the
//   argmax indices (idx1, only here): kernel/window.hpp holds the formula for
//   one output, the same that later steps use at the edges.
// Why it is slow (the bottleneck the next step attacks): one scalar output at a
//   time, and every window clips itself against the input: loop control and
//   bound arithmetic per element, nothing vectorized.
// Loop nest:
//   for n, for c:                          // seed: for c
//     for oh: for ow:                      // seed: for i, for j
//       out[n, c, oh, ow] = max or average of the window clipped to the input
// Working set: one input plane and one output plane; streaming, so the limit
//   for large tensors is memory bandwidth, not cache capacity.
// Measured (AMD EPYC (Zen 5), AVX-512 VM, 1 thread, medians of 5): 1.0 GB/s of
//   compulsory traffic on CIFAR's first pool max:mb32ic32ih30kh2. Re-run:
//   build/release/convlab run --variant naive --shape max:mb32ic32ih30kh2 --reps 5 --bandwidth
#include <memory>

#include "convlab/variant.hpp"
#include "pool2d/kernel/window.hpp"

namespace convlab::pool2d {

namespace {

class NaivePlan final : public PoolPlan {
 public:
  static constexpr bool kWritesIndices = true;  // max_pool2d's return_indices (idx1)
  NaivePlan(const Pool2dParams& p, const PlanOptions& o) : PoolPlan(p, o), args_(kernel::whole_problem(p)) {}

 private:
  void execute(const float* x, float* y) override { loops(x, y, nullptr); }
  void execute_with_indices(const float* x, float* y, int64_t* indices) override { loops(x, y, indices); }

  void loops(const float* x, float* y, int64_t* indices) {
    const Pool2dParams& p = params();
    const int64_t OH = p.oh(), OW = p.ow();
    for (int64_t n = 0; n < p.mb; ++n)
      for (int64_t c = 0; c < p.ic; ++c) {
        const float* plane = x + (n * p.ic + c) * p.ih * p.iw;
        const int64_t out = (n * p.ic + c) * OH * OW;
        for (int64_t i = 0; i < OH; ++i)
          for (int64_t j = 0; j < OW; ++j) {
            if (indices == nullptr) {
              y[out + i * OW + j] = kernel::window_value(args_, plane, i, j);
            } else {
              const kernel::ArgMax m = kernel::window_argmax(args_, plane, i, j);
              y[out + i * OW + j] = m.value;
              indices[out + i * OW + j] = m.index;
            }
          }
      }
  }

  kernel::Args args_;
};

}  // namespace

const PoolVariant& naive() {
  return ladder_step<NaivePlan>("naive", "the seed's loops: per channel, per output pixel, reduce the window region");
}

}  // namespace convlab::pool2d

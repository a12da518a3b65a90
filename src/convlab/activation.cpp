// CONVLAB_MULTIARCH_FILE: the ReLU loop is compiled once per ISA.
// A streaming map, one compare and one select per vector: memory-bound on any
// tensor that leaves L2, so the only goals are full-width loads and stores and
// no scalar loop on the body.
#include "convlab/activation.hpp"

namespace convlab::activation_detail {
struct ReluLoop {
  template <class Arch>
  void operator()(Arch, const float* in, float* out, int64_t n) const;
};
struct ReluBackwardLoop {
  template <class Arch>
  void operator()(Arch, const float* y, const float* dy, float* dx, int64_t n) const;
};
}  // namespace convlab::activation_detail
CONVLAB_DECLARE_KERNEL(convlab::activation_detail::ReluLoop, const float*, float*, int64_t);
CONVLAB_DECLARE_KERNEL(convlab::activation_detail::ReluBackwardLoop, const float*, const float*, float*, int64_t);

#if CONVLAB_ARCH_PASS

template <class Arch>
void convlab::activation_detail::ReluLoop::operator()(Arch, const float* in, float* out,
                                                       int64_t n) const {
  using B = simd::floats<Arch>;
  constexpr int64_t V = B::size;
  int64_t i = 0;
  for (; i + 2 * V <= n; i += 2 * V) {  // two vectors per trip: two loads in flight
    const B a = B::load_unaligned(in + i), b = B::load_unaligned(in + i + V);
    simd::relu<Arch>(a).store_unaligned(out + i);
    simd::relu<Arch>(b).store_unaligned(out + i + V);
  }
  for (; i < n; ++i) out[i] = simd::relu(Arch{}, in[i]);
}
CONVLAB_DEFINE_KERNEL(convlab::activation_detail::ReluLoop, const float*, float*, int64_t);

// The backward: dy where y > 0 or y is NaN (!(y <= 0)), else +0.
template <class Arch>
void convlab::activation_detail::ReluBackwardLoop::operator()(Arch, const float* y, const float* dy, float* dx,
                                                               int64_t n) const {
  using B = simd::floats<Arch>;
  constexpr int64_t V = B::size;
  const B zero(0.0f);
  int64_t i = 0;
  for (; i + V <= n; i += V) {
    const B yv = B::load_unaligned(y + i), g = B::load_unaligned(dy + i);
    xsimd::select(!(yv <= zero), g, zero).store_unaligned(dx + i);
  }
  for (; i < n; ++i) dx[i] = y[i] <= 0.0f ? 0.0f : dy[i];
}
CONVLAB_DEFINE_KERNEL(convlab::activation_detail::ReluBackwardLoop, const float*, const float*, float*, int64_t);

#else  // baseline pass

#include <string>

#include "convlab/error.hpp"

namespace convlab {

void relu(std::span<const float> in, std::span<float> out, Isa isa) {
  if (in.size() != out.size())
    throw Error("output", std::to_string(out.size()) + " floats",
                "relu needs an output as long as its input (" + std::to_string(in.size()) + ")");
  const bool same = in.data() == out.data();
  const bool overlap = in.data() < out.data() + out.size() && out.data() < in.data() + in.size();
  if (overlap && !same)
    throw Error("output", "overlapping input", "relu runs in place or on disjoint buffers");
  if (in.empty()) return;
  simd::dispatch(isa, activation_detail::ReluLoop{}, in.data(), out.data(),
                 static_cast<int64_t>(in.size()));
}

void relu_inplace(std::span<float> x, Isa isa) { relu(x, x, isa); }

void relu_backward(std::span<const float> y, std::span<const float> dy, std::span<float> dx) {
  if (dy.size() != y.size() || dx.size() != y.size())
    throw Error(dy.size() != y.size() ? "dy" : "dx", std::to_string(dy.size() != y.size() ? dy.size() : dx.size()),
                "relu_backward needs y, dy and dx of one size (" + std::to_string(y.size()) + ")");
  // PyTorch's threshold_backward on the result: the gradient passes where y > 0
  // (and where y is NaN), and is 0 elsewhere.
  if (y.empty()) return;
  simd::dispatch(default_isa(), activation_detail::ReluBackwardLoop{}, y.data(), dy.data(), dx.data(),
                 static_cast<int64_t>(y.size()));
}

}  // namespace convlab

#endif

#include "conv2d/kernel/pack.hpp"

#include <cstring>

#include "conv2d/kernel/tiles.hpp"

namespace convlab::conv2d::kernel {

PaddedInput::PaddedInput(const Conv2dParams& p, int64_t slots)
    : p_(p), copies_(p.padded() || p.sw != 1), sh_(p.sh), icg_(p.icg()) {
  phase_len_ = copies_ ? (p.padded_iw() + p.sw - 1) / p.sw : p.iw;
  row_ = p.sw * phase_len_;
  plane_ = p.padded_ih() * row_;
  if (copies_) workspace_.assign(static_cast<std::size_t>(slots * p.ic * plane_), 0.0f);
  offsets_.resize(static_cast<std::size_t>(p.reduction_length()));
  for (int64_t c = 0, k = 0; c < p.icg(); ++c)
    for (int64_t kh = 0; kh < p.kh; ++kh)
      for (int64_t kw = 0; kw < p.kw; ++kw, ++k) {
        const int64_t col = kw * (p.dw + 1);  // padded column of pixel 0's tap
        offsets_[static_cast<std::size_t>(k)] =
            c * plane_ + kh * (p.dh + 1) * row_ + (col % p.sw) * phase_len_ + col / p.sw;
      }
}

void PaddedInput::pack(const float* x, int64_t n, int64_t slot, int64_t row0, int64_t row1, int64_t c0,
                       int64_t c1) {
  const int64_t iw = p_.iw, sw = p_.sw;
  for (int64_t c = c0; c < c1; ++c) {
    const float* src = x + ((n * p_.ic + c) * p_.ih + row0) * iw;
    float* dst = workspace_.data() + (slot * p_.ic + c) * plane_ + (p_.pt + row0) * row_;
    for (int64_t i = row0; i < row1; ++i, src += iw, dst += row_) {
      if (sw == 1) {
        std::memcpy(dst + p_.pl, src, static_cast<std::size_t>(iw) * sizeof(float));
        continue;
      }
      // Phase r holds padded columns r, r + sw, ...: source columns r + j*sw - pl
      // inside [0, iw), one strided read stream per phase and no divisions.
      for (int64_t r = 0; r < sw; ++r) {
        const int64_t first = r >= p_.pl ? 0 : (p_.pl - r + sw - 1) / sw;
        const int64_t end = (iw + p_.pl - r + sw - 1) / sw;
        float* __restrict phase = dst + r * phase_len_;
        for (int64_t j = first; j < end; ++j) phase[j] = src[r + j * sw - p_.pl];
      }
    }
  }
}

const float* PaddedInput::image(const float* x, int64_t n, int64_t slot) const {
  return copies_ ? workspace_.data() + slot * p_.ic * plane_ : x + n * p_.ic * p_.ih * p_.iw;
}

const float* PaddedInput::prepare(const float* x, int64_t n, int64_t slot) {
  if (copies_) pack_rows(x, n, slot, 0, p_.ih);
  return image(x, n, slot);
}

PackedWeights::PackedWeights(const Conv2dParams& p, const float* w, const float* b, Isa isa, int max_vectors)
    : lanes(tile_limits(isa).lanes), taps(p.reduction_length()) {
  const int64_t ocg = p.ocg(), L = lanes, K = taps;
  auto waste = [&](int64_t v) { return (ocg + v * L - 1) / (v * L) * v * L - ocg; };
  for (int v = 2; v <= max_vectors; ++v)
    if (ocg > (v - 1) * L && waste(v) <= waste(vectors)) vectors = v;
  block = vectors * L;
  oc_blocks = (ocg + block - 1) / block;
  weights.assign(static_cast<std::size_t>(p.g * oc_blocks * K * block), 0.0f);
  bias.assign(static_cast<std::size_t>(p.g * oc_blocks * block), 0.0f);
  for (int64_t g = 0; g < p.g; ++g)
    for (int64_t oc = 0; oc < ocg; ++oc) {
      const int64_t packed = g * oc_blocks + oc / block, lane = oc % block;
      const float* src = w + (g * ocg + oc) * K;
      for (int64_t k = 0; k < K; ++k) weights[static_cast<std::size_t>((packed * K + k) * block + lane)] = src[k];
      if (b != nullptr) bias[static_cast<std::size_t>(packed * block + lane)] = b[g * ocg + oc];
    }
}

void pack_depthwise_weights(const Conv2dParams& p, const float* w, const float* b, int64_t L,
                            Buffer<float>& weights, Buffer<float>& bias) {
  const int64_t K = p.kh * p.kw, blocks = (p.ic + L - 1) / L;
  weights.assign(static_cast<std::size_t>(blocks * K * L), 0.0f);
  bias.assign(static_cast<std::size_t>(blocks * L), 0.0f);
  for (int64_t c = 0; c < p.ic; ++c) {
    for (int64_t k = 0; k < K; ++k) weights[static_cast<std::size_t>(((c / L) * K + k) * L + c % L)] = w[c * K + k];
    if (b != nullptr) bias[static_cast<std::size_t>(c)] = b[c];
  }
}

Buffer<int64_t> depthwise_taps(const Conv2dParams& p, int64_t row_floats, int64_t L) {
  Buffer<int64_t> taps(static_cast<std::size_t>(p.kh * p.kw));
  for (int64_t kh = 0, k = 0; kh < p.kh; ++kh)
    for (int64_t kw = 0; kw < p.kw; ++kw, ++k)
      taps[static_cast<std::size_t>(k)] = kh * (p.dh + 1) * row_floats + kw * (p.dw + 1) * L;
  return taps;
}

}  // namespace convlab::conv2d::kernel

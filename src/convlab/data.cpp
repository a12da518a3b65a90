#include "convlab/data.hpp"

#include <cmath>
#include <random>

#include "convlab/error.hpp"

namespace convlab {

void fill_integers(std::span<float> out, int range, uint64_t seed) {
  std::mt19937_64 rng(seed);
  const uint64_t span = 2 * static_cast<uint64_t>(range) + 1;
  for (float& v : out) v = static_cast<float>(static_cast<int64_t>(rng() % span) - range);
}

void fill_reals(std::span<float> out, uint64_t seed) {
  std::mt19937_64 rng(seed);
  for (float& v : out) v = static_cast<float>(static_cast<double>(rng() >> 11) * 0x1p-53 * 2.0 - 1.0);
}

int exact_integer_range(const Conv2dParams& p) {
  const double terms = static_cast<double>(p.reduction_length()) + 1.0;
  const int r = static_cast<int>(std::floor(std::sqrt((double(1 << 24) - 1.0) / terms)));
  if (r < 1)
    throw Error("reduction", std::to_string(p.reduction_length()),
                "too long for exact integer checking in fp32");
  return std::min(r, 4);
}

ConvData make_conv2d_data(const Conv2dParams& p, DataMode mode, uint64_t seed) {
  validate(p);
  ConvData d{Tensor({p.mb, p.ic, p.ih, p.iw}), Tensor({p.oc, p.icg(), p.kh, p.kw}),
             Tensor({p.bias_elems()})};
  if (mode == DataMode::exact) {
    const int r = exact_integer_range(p);
    fill_integers(d.input.span(), r, seed);
    fill_integers(d.weights.span(), r, seed + 1);
    fill_integers(d.bias.span(), r, seed + 2);
  } else {
    fill_reals(d.input.span(), seed);
    fill_reals(d.weights.span(), seed + 1);
    fill_reals(d.bias.span(), seed + 2);
  }
  return d;
}

Tensor make_pool2d_input(const Pool2dParams& p, DataMode mode, uint64_t seed) {
  validate(p);
  Tensor t({p.mb, p.ic, p.ih, p.iw});
  // Pooling involves no products: integers up to 2^10 keep every window sum exact.
  if (mode == DataMode::exact)
    fill_integers(t.span(), 1000, seed);
  else
    fill_reals(t.span(), seed);
  return t;
}

}  // namespace convlab

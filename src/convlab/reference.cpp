#include "convlab/reference.hpp"

#include <cmath>
#include <limits>
#include <string>

#include "convlab/activation.hpp"
#include "convlab/error.hpp"

namespace convlab {

namespace {

void require_size(const char* field, std::size_t got, int64_t want) {
  if (static_cast<int64_t>(got) != want)
    throw Error(field, std::to_string(got) + " floats",
                "buffer size does not match the shape (expected " + std::to_string(want) + ")");
}

}  // namespace

void reference_conv2d(const Conv2dParams& p, std::span<const float> x, std::span<const float> w,
                      std::span<const float> b, std::span<float> y, std::span<double> abs_sum) {
  validate(p);
  require_size("input", x.size(), p.input_elems());
  require_size("weights", w.size(), p.weight_elems());
  require_size("bias", b.size(), p.bias_elems());
  require_size("output", y.size(), p.output_elems());
  if (!abs_sum.empty()) require_size("abs_sum", abs_sum.size(), p.output_elems());

  const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
  for (int64_t n = 0; n < p.mb; ++n)
    for (int64_t oc = 0; oc < p.oc; ++oc) {
      const int64_t group = oc / OCG;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = p.bias ? double(b[oc]) : 0.0;
          double mag = p.bias ? std::fabs(double(b[oc])) : 0.0;
          for (int64_t c = 0; c < ICG; ++c)
            for (int64_t kh = 0; kh < p.kh; ++kh)
              for (int64_t kw = 0; kw < p.kw; ++kw) {
                const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1);
                const int64_t iw = ow * p.sw - p.pl + kw * (p.dw + 1);
                if (ih < 0 || ih >= p.ih || iw < 0 || iw >= p.iw) continue;  // zero padding
                const int64_t ic = group * ICG + c;
                const double xv = x[((n * p.ic + ic) * p.ih + ih) * p.iw + iw];
                const double wv = w[((oc * ICG + c) * p.kh + kh) * p.kw + kw];
                acc += xv * wv;
                mag += std::fabs(xv * wv);
              }
          const int64_t at = ((n * p.oc + oc) * OH + oh) * OW + ow;
          y[at] = static_cast<float>(acc);
          if (!abs_sum.empty()) abs_sum[at] = mag;
        }
    }
}

void reference_pool2d(const Pool2dParams& p, std::span<const float> x, std::span<float> y,
                      std::span<int64_t> indices) {
  validate(p);
  require_size("input", x.size(), p.input_elems());
  require_size("output", y.size(), p.output_elems());
  require_size("indices", indices.size(), p.indices ? p.output_elems() : 0);

  const int64_t OH = p.oh(), OW = p.ow();
  for (int64_t n = 0; n < p.mb; ++n)
    for (int64_t c = 0; c < p.ic; ++c) {
      const float* plane = x.data() + (n * p.ic + c) * p.ih * p.iw;
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          const int64_t h0 = oh * p.sh - p.ph;
          const int64_t w0 = ow * p.sw - p.pw;
          float result = 0.0f;
          if (p.alg == PoolAlg::max) {
            float m = -std::numeric_limits<float>::infinity();
            int64_t at = -1;  // PyTorch: the first tap inside the input, until a larger one
            for (int64_t kh = 0; kh < p.kh; ++kh)
              for (int64_t kw = 0; kw < p.kw; ++kw) {
                const int64_t ih = h0 + kh * (p.dh + 1);
                const int64_t iw = w0 + kw * (p.dw + 1);
                if (ih < 0 || ih >= p.ih || iw < 0 || iw >= p.iw) continue;  // -inf padding
                const float v = plane[ih * p.iw + iw];
                if (at < 0) at = ih * p.iw + iw;
                if (v > m || std::isnan(v)) m = v, at = ih * p.iw + iw;
              }
            result = m;
            if (p.indices) indices[((n * p.ic + c) * OH + oh) * OW + ow] = at;
          } else {
            // Window clipped to the padded input gives the count_include_pad divisor...
            int64_t h1 = std::min(h0 + p.kh, p.ih + p.ph);
            int64_t w1 = std::min(w0 + p.kw, p.iw + p.pw);
            const int64_t padded_count = (h1 - h0) * (w1 - w0);
            // ...and clipped to the input, the taps that exist.
            const int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
            h1 = std::min(h1, p.ih);
            w1 = std::min(w1, p.iw);
            if (hs < h1 && ws < w1) {
              float sum = 0.0f;
              for (int64_t ih = hs; ih < h1; ++ih)
                for (int64_t iw = ws; iw < w1; ++iw) sum += plane[ih * p.iw + iw];
              const int64_t divisor =
                  p.divisor != 0 ? p.divisor
                  : p.alg == PoolAlg::avg_include_pad ? padded_count : (h1 - hs) * (w1 - ws);
              result = avg_quotient(sum, static_cast<float>(divisor));
            }
          }
          y[((n * p.ic + c) * OH + oh) * OW + ow] = p.relu ? relu(result) : result;
        }
    }
}

}  // namespace convlab

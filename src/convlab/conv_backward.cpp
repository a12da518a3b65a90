// The conv2d backward pass's non-virtual entry points (backward.hpp: size
// checks, then execute) and its two oracles. The references are the
// definitions' loops, never optimized: double accumulation rounded once, with
// the per-element sum of |products| that scales the rounding-error bound.
#include <cmath>
#include <string>

#include "convlab/backward.hpp"
#include "convlab/error.hpp"

namespace convlab {

namespace {

void check_size(const char* field, std::size_t got, int64_t want, const char* shape) {
  if (static_cast<int64_t>(got) != want)
    throw Error(field, std::to_string(got) + " floats",
                std::string("buffer size does not match ") + shape + " (expected " + std::to_string(want) + ")");
}

void check_abs_size(const char* field, std::size_t got, int64_t want) {
  if (got != 0 && static_cast<int64_t>(got) != want)
    throw Error(field, std::to_string(got) + " doubles",
                "must be empty or one per element (expected " + std::to_string(want) + ")");
}

}  // namespace

// --- plans and variants ---------------------------------------------------------
void ConvBwdDataPlan::run(std::span<const float> dy, std::span<float> dx) {
  check_size("dy", dy.size(), params_.output_elems(), "mb*oc*oh*ow");
  check_size("dx", dx.size(), params_.input_elems(), "mb*ic*ih*iw");
  if (params_.mb == 0) return;  // an empty batch: dx is empty too
  execute(dy.data(), dx.data());
}

std::unique_ptr<ConvBwdDataPlan> ConvBwdDataVariant::plan(const Conv2dParams& p, std::span<const float> weights,
                                                          const PlanOptions& options) const {
  validate(p);
  validate(options);
  check_size("weights", weights.size(), p.weight_elems(), "oc*(ic/g)*kh*kw");
  const Support s = supports(p);
  if (!s) throw Error("variant", std::string(name()), "does not support this shape: " + s.reason);
  return make_plan(p, weights.data(), options);
}

void ConvBwdWeightsPlan::run(std::span<const float> x, std::span<const float> dy, std::span<float> dw,
                             std::span<float> db) {
  check_size("x", x.size(), params_.input_elems(), "mb*ic*ih*iw");
  check_size("dy", dy.size(), params_.output_elems(), "mb*oc*oh*ow");
  check_size("dw", dw.size(), params_.weight_elems(), "oc*(ic/g)*kh*kw");
  check_size("db", db.size(), params_.bias_elems(), params_.bias ? "oc" : "no bias (empty)");
  if (params_.mb == 0) {  // an empty batch: PyTorch's gradients are zero
    for (float& v : dw) v = 0.0f;
    for (float& v : db) v = 0.0f;
    return;
  }
  execute(x.data(), dy.data(), dw.data(), params_.bias ? db.data() : nullptr);
}

std::unique_ptr<ConvBwdWeightsPlan> ConvBwdWeightsVariant::plan(const Conv2dParams& p,
                                                                const PlanOptions& options) const {
  validate(p);
  validate(options);
  const Support s = supports(p);
  if (!s) throw Error("variant", std::string(name()), "does not support this shape: " + s.reason);
  return make_plan(p, options);
}

// --- the oracles -------------------------------------------------------------------
// dx[n, ic, ih, iw] = sum over oc in ic's group, kh, kw with
//   ih = oh*sh - pt + kh*(dh+1), iw = ow*sw - pl + kw*(dw+1) (oh, ow integers in range)
// of dy[n, oc, oh, ow] * w[oc, ic % icg, kh, kw].
void reference_conv2d_bwd_data(const Conv2dParams& p, std::span<const float> dy, std::span<const float> w,
                               std::span<float> dx, std::span<double> abs_sum) {
  validate(p);
  check_size("dy", dy.size(), p.output_elems(), "mb*oc*oh*ow");
  check_size("weights", w.size(), p.weight_elems(), "oc*(ic/g)*kh*kw");
  check_size("dx", dx.size(), p.input_elems(), "mb*ic*ih*iw");
  check_abs_size("abs_sum", abs_sum.size(), p.input_elems());

  const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
  for (int64_t n = 0; n < p.mb; ++n)
    for (int64_t ic = 0; ic < p.ic; ++ic) {
      const int64_t group = ic / ICG, c = ic % ICG;
      for (int64_t ih = 0; ih < p.ih; ++ih)
        for (int64_t iw = 0; iw < p.iw; ++iw) {
          double acc = 0.0, mag = 0.0;
          for (int64_t o = 0; o < OCG; ++o) {
            const int64_t oc = group * OCG + o;
            for (int64_t kh = 0; kh < p.kh; ++kh) {
              const int64_t th = ih + p.pt - kh * (p.dh + 1);  // = oh*sh
              if (th < 0 || th % p.sh != 0 || th / p.sh >= OH) continue;
              for (int64_t kw = 0; kw < p.kw; ++kw) {
                const int64_t tw = iw + p.pl - kw * (p.dw + 1);
                if (tw < 0 || tw % p.sw != 0 || tw / p.sw >= OW) continue;
                const double dyv = dy[((n * p.oc + oc) * OH + th / p.sh) * OW + tw / p.sw];
                const double wv = w[((oc * ICG + c) * p.kh + kh) * p.kw + kw];
                acc += dyv * wv;
                mag += std::fabs(dyv * wv);
              }
            }
          }
          const int64_t at = ((n * p.ic + ic) * p.ih + ih) * p.iw + iw;
          dx[at] = static_cast<float>(acc);
          if (!abs_sum.empty()) abs_sum[at] = mag;
        }
    }
}

// dw[oc, c, kh, kw] = sum over n, oh, ow of x[n, g*icg + c, ih, iw] * dy[n, oc, oh, ow]
// (ih, iw as above, zero outside the input); db[oc] = sum over n, oh, ow of dy.
void reference_conv2d_bwd_weights(const Conv2dParams& p, std::span<const float> x, std::span<const float> dy,
                                  std::span<float> dw, std::span<float> db, std::span<double> dw_abs_sum,
                                  std::span<double> db_abs_sum) {
  validate(p);
  check_size("x", x.size(), p.input_elems(), "mb*ic*ih*iw");
  check_size("dy", dy.size(), p.output_elems(), "mb*oc*oh*ow");
  check_size("dw", dw.size(), p.weight_elems(), "oc*(ic/g)*kh*kw");
  check_size("db", db.size(), p.bias_elems(), p.bias ? "oc" : "no bias (empty)");
  check_abs_size("dw_abs_sum", dw_abs_sum.size(), p.weight_elems());
  check_abs_size("db_abs_sum", db_abs_sum.size(), p.bias_elems());

  const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
  for (int64_t oc = 0; oc < p.oc; ++oc) {
    const int64_t group = oc / OCG;
    for (int64_t c = 0; c < ICG; ++c)
      for (int64_t kh = 0; kh < p.kh; ++kh)
        for (int64_t kw = 0; kw < p.kw; ++kw) {
          double acc = 0.0, mag = 0.0;
          for (int64_t n = 0; n < p.mb; ++n)
            for (int64_t oh = 0; oh < OH; ++oh) {
              const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1);
              if (ih < 0 || ih >= p.ih) continue;
              for (int64_t ow = 0; ow < OW; ++ow) {
                const int64_t iw = ow * p.sw - p.pl + kw * (p.dw + 1);
                if (iw < 0 || iw >= p.iw) continue;
                const double xv = x[((n * p.ic + group * ICG + c) * p.ih + ih) * p.iw + iw];
                const double dyv = dy[((n * p.oc + oc) * OH + oh) * OW + ow];
                acc += xv * dyv;
                mag += std::fabs(xv * dyv);
              }
            }
          const int64_t at = ((oc * ICG + c) * p.kh + kh) * p.kw + kw;
          dw[at] = static_cast<float>(acc);
          if (!dw_abs_sum.empty()) dw_abs_sum[at] = mag;
        }
    if (p.bias) {
      double acc = 0.0, mag = 0.0;
      for (int64_t n = 0; n < p.mb; ++n)
        for (int64_t i = 0; i < OH * OW; ++i) {
          const double v = dy[(n * p.oc + oc) * OH * OW + i];
          acc += v;
          mag += std::fabs(v);
        }
      db[oc] = static_cast<float>(acc);
      if (!db_abs_sum.empty()) db_abs_sum[oc] = mag;
    }
  }
}

}  // namespace convlab

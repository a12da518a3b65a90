// pool2d_bwd's entry points (backward.hpp) and its oracle.
#include <algorithm>
#include <string>

#include "convlab/backward.hpp"
#include "convlab/error.hpp"

namespace convlab {

namespace {

void check_size(const char* field, std::size_t got, int64_t want, const char* formula) {
  if (static_cast<int64_t>(got) != want)
    throw Error(field, std::to_string(got) + " elements",
                "size does not match the shape (" + std::string(formula) + " = " + std::to_string(want) + ")");
}

void check_indices(const Pool2dParams& p, std::span<const float> dy, std::span<const int64_t> indices,
                   std::span<float> dx) {
  check_size("dy", dy.size(), p.output_elems(), "mb*ic*oh*ow");
  check_size("dx", dx.size(), p.input_elems(), "mb*ic*ih*iw");
  check_size("indices", indices.size(), p.is_avg() ? 0 : p.output_elems(),
             p.is_avg() ? "none for average pooling" : "mb*ic*oh*ow, the forward's idx1 output");
  const int64_t plane = p.ih * p.iw;
  for (std::size_t i = 0; i < indices.size(); ++i)
    if (indices[i] < 0 || indices[i] >= plane)
      throw Error("indices", std::to_string(indices[i]),
                  "at " + std::to_string(i) + " is outside its input plane of " + std::to_string(plane));
}

}  // namespace

void PoolBwdPlan::run(std::span<const float> dy, std::span<const int64_t> indices, std::span<float> dx) {
  check_indices(params_, dy, indices, dx);
  if (params_.relu)
    throw Error("relu", "1", "the backward of a fused ReLU is not pooling's: run relu_backward first");
  execute(dy.data(), indices.data(), dx.data());
}

std::unique_ptr<PoolBwdPlan> PoolBwdVariant::plan(const Pool2dParams& p, const PlanOptions& options) const {
  validate(p);
  validate(options);
  if (p.relu) throw Error("relu", "1", "the backward of a fused ReLU is not pooling's: run relu_backward first");
  const Support s = supports(p);
  if (!s) throw Error("variant", std::string(name()), "does not support this shape: " + s.reason);
  return make_plan(p, options);
}

// Each output's gradient goes back to the input it came from: max pooling's
// argmax (summed where windows overlap), or, for average pooling, every input
// of its window clipped to the input, divided by the forward's divisor.
void reference_pool2d_bwd(const Pool2dParams& p, std::span<const float> dy, std::span<const int64_t> indices,
                          std::span<float> dx) {
  validate(p);
  check_indices(p, dy, indices, dx);
  const int64_t OH = p.oh(), OW = p.ow(), plane = p.ih * p.iw;
  std::vector<double> acc(static_cast<std::size_t>(p.input_elems()), 0.0);
  for (int64_t nc = 0; nc < p.mb * p.ic; ++nc)
    for (int64_t oh = 0; oh < OH; ++oh)
      for (int64_t ow = 0; ow < OW; ++ow) {
        const int64_t o = (nc * OH + oh) * OW + ow;
        if (!p.is_avg()) {
          acc[static_cast<std::size_t>(nc * plane + indices[static_cast<std::size_t>(o)])] += dy[static_cast<std::size_t>(o)];
          continue;
        }
        const int64_t h0 = oh * p.sh - p.ph, w0 = ow * p.sw - p.pw;
        int64_t h1 = std::min(h0 + p.kh, p.ih + p.ph), w1 = std::min(w0 + p.kw, p.iw + p.pw);
        const int64_t padded_count = (h1 - h0) * (w1 - w0);
        const int64_t hs = std::max<int64_t>(h0, 0), ws = std::max<int64_t>(w0, 0);
        h1 = std::min(h1, p.ih), w1 = std::min(w1, p.iw);
        if (hs >= h1 || ws >= w1) continue;
        const int64_t divisor = p.divisor != 0 ? p.divisor
                                : p.alg == PoolAlg::avg_include_pad ? padded_count : (h1 - hs) * (w1 - ws);
        const double share = double(dy[static_cast<std::size_t>(o)]) / double(divisor);
        for (int64_t h = hs; h < h1; ++h)
          for (int64_t w = ws; w < w1; ++w) acc[static_cast<std::size_t>(nc * plane + h * p.iw + w)] += share;
      }
  for (std::size_t i = 0; i < acc.size(); ++i) dx[i] = static_cast<float>(acc[i]);
}

}  // namespace convlab

#include "convlab/variant.hpp"

#include <string>

#include "convlab/error.hpp"

namespace convlab {

namespace {

void check_size(const char* field, std::size_t got, int64_t want, const std::string& shape) {
  if (static_cast<int64_t>(got) != want)
    throw Error(field, std::to_string(got) + " floats",
                "buffer size does not match " + shape + " (expected " + std::to_string(want) +
                    ")");
}

}  // namespace

void validate(const PlanOptions& o) {
  if (o.threads < 1)
    throw Error("threads", std::to_string(o.threads), "must be >= 1");
  if (static_cast<int>(o.isa) > static_cast<int>(detected_isa()))
    throw Error("isa", to_string(o.isa),
                std::string("this CPU offers at most ") + to_string(detected_isa()));
}

void ConvPlan::run(std::span<const float> input, std::span<float> output) {
  check_size("input", input.size(), params_.input_elems(), "mb*ic*ih*iw");
  check_size("output", output.size(), params_.output_elems(), "mb*oc*oh*ow");
  if (params_.mb == 0) return;  // an empty batch: PyTorch's empty output, nothing to compute
  execute(input.data(), output.data());
}

std::unique_ptr<ConvPlan> ConvVariant::plan(const Conv2dParams& params,
                                            std::span<const float> weights,
                                            std::span<const float> bias,
                                            const PlanOptions& options) const {
  validate(params);
  validate(options);
  check_size("weights", weights.size(), params.weight_elems(), "oc*(ic/g)*kh*kw");
  check_size("bias", bias.size(), params.bias_elems(), params.bias ? "oc" : "no bias (empty)");
  const Support s = supports(params);
  if (!s)
    throw Error("variant", std::string(name()), "does not support this shape: " + s.reason);
  return make_plan(params, weights.data(), params.bias ? bias.data() : nullptr, options);
}

void PoolPlan::run(std::span<const float> input, std::span<float> output,
                   std::span<int64_t> indices) {
  check_size("input", input.size(), params_.input_elems(), "mb*ic*ih*iw");
  check_size("output", output.size(), params_.output_elems(), "mb*ic*oh*ow");
  check_size("indices", indices.size(), params_.indices ? params_.output_elems() : 0,
             params_.indices ? "mb*ic*oh*ow (idx1)" : "none without idx1 (empty)");
  if (params_.mb == 0) return;  // an empty batch: PyTorch's empty output, nothing to compute
  if (params_.indices) execute_with_indices(input.data(), output.data(), indices.data());
  else execute(input.data(), output.data());
}

void PoolPlan::execute_with_indices(const float*, float*, int64_t*) {
  throw Error("idx", "1", "this plan writes no indices (its variant's supports() should have said so)");
}

std::unique_ptr<PoolPlan> PoolVariant::plan(const Pool2dParams& params,
                                            const PlanOptions& options) const {
  validate(params);
  validate(options);
  const Support s = supports(params);
  if (!s)
    throw Error("variant", std::string(name()), "does not support this shape: " + s.reason);
  return make_plan(params, options);
}

const char* to_string(VariantKind kind) {
  switch (kind) {
    case VariantKind::ladder: return "ladder";
    case VariantKind::branch: return "branch";
    case VariantKind::baseline: return "baseline";
  }
  return "?";
}

}  // namespace convlab

// The backward ladders' registration helpers, as variant.hpp's ladder_step is
// the forward's: a rung is its plan, a name and a one-line summary.
//   const ConvBwdDataVariant& naive_data() { return bwd_data_step<NaivePlan>("naive", "..."); }
// A plan takes every valid shape unless it has a static supports(params).
#pragma once

#include <memory>
#include <string_view>

#include "convlab/backward.hpp"

namespace convlab::conv2d_bwd {

template <class Plan>
class LadderBwdDataVariant final : public ConvBwdDataVariant {
 public:
  constexpr LadderBwdDataVariant(std::string_view name, std::string_view summary) : name_(name), summary_(summary) {}
  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  Support supports(const Conv2dParams& p) const override {
    if constexpr (requires { Plan::supports(p); }) return Plan::supports(p);
    else return Support::yes();
  }

 protected:
  std::unique_ptr<ConvBwdDataPlan> make_plan(const Conv2dParams& p, const float* w,
                                             const PlanOptions& o) const override {
    return std::make_unique<Plan>(p, o, w);
  }

 private:
  std::string_view name_, summary_;
};

template <class Plan>
class LadderBwdWeightsVariant final : public ConvBwdWeightsVariant {
 public:
  constexpr LadderBwdWeightsVariant(std::string_view name, std::string_view summary)
      : name_(name), summary_(summary) {}
  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }

 protected:
  std::unique_ptr<ConvBwdWeightsPlan> make_plan(const Conv2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<Plan>(p, o);
  }

 private:
  std::string_view name_, summary_;
};

template <class Plan>
const ConvBwdDataVariant& bwd_data_step(std::string_view name, std::string_view summary) {
  static const LadderBwdDataVariant<Plan> v{name, summary};
  return v;
}
template <class Plan>
const ConvBwdWeightsVariant& bwd_weights_step(std::string_view name, std::string_view summary) {
  static const LadderBwdWeightsVariant<Plan> v{name, summary};
  return v;
}

}  // namespace convlab::conv2d_bwd

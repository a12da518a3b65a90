// The one interface every implementation sits behind, in two phases as in
// oneDNN and XNNPACK:
//
//   1. variant.supports(params) -> yes, or no with a reason;
//   2. plan = variant.plan(params, weights, bias, options)   // once per shape:
//        weight repacking, workspace allocation, tile choice
//   3. plan->run(input, output)                                // many times, timed
//
// Work that depends only on the shape or the weights belongs in plan(); input
// and output repacking belongs in run(). The non-virtual entry points validate
// everything (shape, buffer sizes, options) before a variant's code runs, so a
// variant may assume a valid problem and correctly sized buffers.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "convlab/isa.hpp"
#include "convlab/params.hpp"

namespace convlab {

struct PlanOptions {
  int threads = 1;             // a parallel variant uses exactly this many; serial ones ignore it
  Isa isa = default_isa();     // SIMD steps dispatch to this ISA (or the best below it)
};

// Answer of supports(): a reason whenever the answer is no.
struct Support {
  bool ok = true;
  std::string reason;
  static Support yes() { return {}; }
  static Support no(std::string why) { return {false, std::move(why)}; }
  explicit operator bool() const { return ok; }
};

enum class VariantKind {
  ladder,    // a step of convlab's own ladder (variants/conv2d, variants/pool2d)
  branch,    // convlab's own, off a ladder step (b<N>_*.cpp): another route, not the next rung
  baseline,  // a production library behind the same interface (variants/baselines)
};

// ---------------------------------------------------------------------------
class ConvPlan {
 public:
  virtual ~ConvPlan() = default;
  ConvPlan(const ConvPlan&) = delete;
  ConvPlan& operator=(const ConvPlan&) = delete;

  const Conv2dParams& params() const { return params_; }
  const PlanOptions& options() const { return options_; }

  // Checks the buffer sizes (convlab::Error naming "input"/"output"), then runs.
  void run(std::span<const float> input, std::span<float> output);

  // What a plan allocates it allocates through convlab::memory (so the
  // counting allocator sees it) and reports here, split in two; a test holds
  // every ladder variant to counted == workspace_bytes() + packed_weight_bytes().
  // Scratch memory run() uses (im2col columns, padded input copies, tap lists...).
  virtual std::size_t workspace_bytes() const { return 0; }
  // Persistent memory the plan holds besides the caller's weights: repacked
  // weights and the index tables built from the shape.
  virtual std::size_t packed_weight_bytes() const { return 0; }
  // One line on the choices the plan made (tiles, grain...), for reports.
  virtual std::string describe() const { return {}; }

  // Optional split of run(), for plans that convert activations between NCHW
  // and an internal layout around their computation (oneDNN's blocked
  // formats, as a framework that keeps them would not pay per layer):
  // run_compute_only() repeats only the computation, reading the input as the
  // last run() converted it and writing the plan's internal output, without
  // the conversions. The benchmark times it as an extra row named
  // "<variant>:compute". Precondition: run() was called and its input is
  // still alive. Plans without such a split (the default) answer false.
  virtual bool has_compute_only() const { return false; }
  virtual void run_compute_only() {}

 protected:
  ConvPlan(const Conv2dParams& p, const PlanOptions& o) : params_(p), options_(o) {}
  // Buffers are exactly params().input_elems() / output_elems() long.
  virtual void execute(const float* input, float* output) = 0;

 private:
  Conv2dParams params_;
  PlanOptions options_;
};

class ConvVariant {
 public:
  virtual ~ConvVariant() = default;
  virtual std::string_view name() const = 0;     // e.g. "naive"; unique among conv2d variants
  virtual std::string_view summary() const = 0;  // one line: what this step changes
  virtual VariantKind kind() const { return VariantKind::ladder; }
  virtual Support supports(const Conv2dParams&) const { return Support::yes(); }

  // Validates params, buffer sizes (weights: weight_elems(), bias: bias_elems()
  // or empty) and options, asks supports(), then calls make_plan. The weights
  // and bias must outlive the plan: a plan that does not repack reads them in place.
  std::unique_ptr<ConvPlan> plan(const Conv2dParams& params, std::span<const float> weights,
                                 std::span<const float> bias,
                                 const PlanOptions& options = {}) const;

 protected:
  // bias is nullptr when params.bias is false.
  virtual std::unique_ptr<ConvPlan> make_plan(const Conv2dParams& params, const float* weights,
                                              const float* bias,
                                              const PlanOptions& options) const = 0;
};

// ---------------------------------------------------------------------------
class PoolPlan {
 public:
  virtual ~PoolPlan() = default;
  PoolPlan(const PoolPlan&) = delete;
  PoolPlan& operator=(const PoolPlan&) = delete;

  const Pool2dParams& params() const { return params_; }
  const PlanOptions& options() const { return options_; }

  // indices: output_elems() int64 when params().indices (idx1), else empty.
  void run(std::span<const float> input, std::span<float> output,
           std::span<int64_t> indices = {});

  virtual std::size_t workspace_bytes() const { return 0; }
  virtual std::string describe() const { return {}; }

 protected:
  PoolPlan(const Pool2dParams& p, const PlanOptions& o) : params_(p), options_(o) {}
  virtual void execute(const float* input, float* output) = 0;
  // Called instead of execute() for idx1 problems; only plans whose variant
  // accepts idx1 (a ladder plan with `static constexpr bool kWritesIndices`)
  // override it.
  virtual void execute_with_indices(const float* input, float* output, int64_t* indices);

 private:
  Pool2dParams params_;
  PlanOptions options_;
};

class PoolVariant {
 public:
  virtual ~PoolVariant() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual VariantKind kind() const { return VariantKind::ladder; }
  virtual Support supports(const Pool2dParams&) const { return Support::yes(); }

  std::unique_ptr<PoolPlan> plan(const Pool2dParams& params, const PlanOptions& options = {}) const;

 protected:
  virtual std::unique_ptr<PoolPlan> make_plan(const Pool2dParams& params,
                                              const PlanOptions& options) const = 0;
};

// A ladder step (or branch) is its plan: a name, a one-line summary, and every
// shape supported unless the plan says otherwise. These two templates are the
// whole variant for such a step,
// so a step's file holds only its plan and one registration line (ladder_step).
template <class Plan>
class LadderConvVariant final : public ConvVariant {
 public:
  constexpr LadderConvVariant(std::string_view name, std::string_view summary,
                             VariantKind kind = VariantKind::ladder)
      : name_(name), summary_(summary), kind_(kind) {}
  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  VariantKind kind() const override { return kind_; }
  // A branch that takes only some shapes says which through a static
  // Plan::supports(params); a ladder step takes every valid shape.
  Support supports(const Conv2dParams& p) const override {
    if constexpr (requires { Plan::supports(p); }) return Plan::supports(p);
    else return Support::yes();
  }

 protected:
  std::unique_ptr<ConvPlan> make_plan(const Conv2dParams& p, const float* w, const float* b,
                                      const PlanOptions& o) const override {
    return std::make_unique<Plan>(p, o, w, b);
  }

 private:
  std::string_view name_, summary_;
  VariantKind kind_;
};

template <class Plan>
class LadderPoolVariant final : public PoolVariant {
 public:
  constexpr LadderPoolVariant(std::string_view name, std::string_view summary,
                             VariantKind kind = VariantKind::ladder)
      : name_(name), summary_(summary), kind_(kind) {}
  std::string_view name() const override { return name_; }
  std::string_view summary() const override { return summary_; }
  VariantKind kind() const override { return kind_; }
  Support supports(const Pool2dParams& p) const override {
    if constexpr (requires { Plan::kWritesIndices; }) return Support::yes();
    else if (p.indices)
      return Support::no("writes no indices (idx1: max_pool2d's return_indices); the naive and interior_edge steps do");
    return Support::yes();
  }

 protected:
  std::unique_ptr<PoolPlan> make_plan(const Pool2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<Plan>(p, o);
  }

 private:
  std::string_view name_, summary_;
  VariantKind kind_;
};

// A step's registration, its file's last line:
//   const ConvVariant& naive() { return ladder_step<NaivePlan>("naive", "what it changes"); }
template <class Plan>
const auto& ladder_step(std::string_view name, std::string_view summary, VariantKind kind = VariantKind::ladder) {
  using V = std::conditional_t<std::is_base_of_v<ConvPlan, Plan>, LadderConvVariant<Plan>, LadderPoolVariant<Plan>>;
  static const V variant{name, summary, kind};
  return variant;
}

const char* to_string(VariantKind kind);  // "ladder" / "branch" / "baseline"

// Throws convlab::Error naming "threads" or "isa" when options are unusable.
void validate(const PlanOptions& options);

}  // namespace convlab

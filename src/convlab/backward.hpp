// The backward pass, behind the same two-phase interface as the forward
// (variant.hpp): supports() with a reason, plan() once per shape, run() many
// times. Three operations, each its own list of variants (registry_backward.hpp):
//
//   conv2d_bwd_data     dx = dL/dx from dy = dL/dy and the weights
//   conv2d_bwd_weights  dw = dL/dw and db = dL/db from x and dy
//   pool2d_bwd          dx from dy (max: through the forward's argmax indices,
//                       PyTorch's return_indices; avg: spread over each window)
//
// Semantics are PyTorch's (torch.nn.grad.conv2d_input/_weight, max_pool2d /
// avg_pool2d backward), for every parameter the forward takes. Layouts are the
// forward's: x and dx NCHW, dy N x OC x OH x OW, w and dw OIHW (grouped: [oc][ic/g]).
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>

#include "convlab/params.hpp"
#include "convlab/variant.hpp"

namespace convlab {

// ---------------------------------------------------------------------------
class ConvBwdDataPlan {
 public:
  virtual ~ConvBwdDataPlan() = default;
  ConvBwdDataPlan(const ConvBwdDataPlan&) = delete;
  ConvBwdDataPlan& operator=(const ConvBwdDataPlan&) = delete;
  const Conv2dParams& params() const { return params_; }
  const PlanOptions& options() const { return options_; }
  // dy: output_elems(), dx: input_elems() (overwritten). Checks sizes, then runs.
  void run(std::span<const float> dy, std::span<float> dx);
  virtual std::size_t workspace_bytes() const { return 0; }
  virtual std::string describe() const { return {}; }

 protected:
  ConvBwdDataPlan(const Conv2dParams& p, const PlanOptions& o) : params_(p), options_(o) {}
  virtual void execute(const float* dy, float* dx) = 0;

 private:
  Conv2dParams params_;
  PlanOptions options_;
};

class ConvBwdDataVariant {
 public:
  virtual ~ConvBwdDataVariant() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual VariantKind kind() const { return VariantKind::ladder; }
  virtual Support supports(const Conv2dParams&) const { return Support::yes(); }
  // weights: weight_elems(); must outlive the plan.
  std::unique_ptr<ConvBwdDataPlan> plan(const Conv2dParams& p, std::span<const float> weights,
                                        const PlanOptions& options = {}) const;

 protected:
  virtual std::unique_ptr<ConvBwdDataPlan> make_plan(const Conv2dParams& p, const float* weights,
                                                     const PlanOptions& options) const = 0;
};

// ---------------------------------------------------------------------------
class ConvBwdWeightsPlan {
 public:
  virtual ~ConvBwdWeightsPlan() = default;
  ConvBwdWeightsPlan(const ConvBwdWeightsPlan&) = delete;
  ConvBwdWeightsPlan& operator=(const ConvBwdWeightsPlan&) = delete;
  const Conv2dParams& params() const { return params_; }
  const PlanOptions& options() const { return options_; }
  // x: input_elems(), dy: output_elems(), dw: weight_elems(), db: bias_elems()
  // (empty without bias); dw and db are overwritten.
  void run(std::span<const float> x, std::span<const float> dy, std::span<float> dw, std::span<float> db);
  virtual std::size_t workspace_bytes() const { return 0; }
  virtual std::string describe() const { return {}; }

 protected:
  ConvBwdWeightsPlan(const Conv2dParams& p, const PlanOptions& o) : params_(p), options_(o) {}
  // db is nullptr without bias.
  virtual void execute(const float* x, const float* dy, float* dw, float* db) = 0;

 private:
  Conv2dParams params_;
  PlanOptions options_;
};

class ConvBwdWeightsVariant {
 public:
  virtual ~ConvBwdWeightsVariant() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual VariantKind kind() const { return VariantKind::ladder; }
  virtual Support supports(const Conv2dParams&) const { return Support::yes(); }
  std::unique_ptr<ConvBwdWeightsPlan> plan(const Conv2dParams& p, const PlanOptions& options = {}) const;

 protected:
  virtual std::unique_ptr<ConvBwdWeightsPlan> make_plan(const Conv2dParams& p,
                                                        const PlanOptions& options) const = 0;
};

// ---------------------------------------------------------------------------
class PoolBwdPlan {
 public:
  virtual ~PoolBwdPlan() = default;
  PoolBwdPlan(const PoolBwdPlan&) = delete;
  PoolBwdPlan& operator=(const PoolBwdPlan&) = delete;
  const Pool2dParams& params() const { return params_; }
  const PlanOptions& options() const { return options_; }
  // dy: output_elems(); indices: output_elems() for max (the forward's idx1
  // output), empty for avg; dx: input_elems() (overwritten).
  void run(std::span<const float> dy, std::span<const int64_t> indices, std::span<float> dx);
  virtual std::string describe() const { return {}; }

 protected:
  PoolBwdPlan(const Pool2dParams& p, const PlanOptions& o) : params_(p), options_(o) {}
  virtual void execute(const float* dy, const int64_t* indices, float* dx) = 0;

 private:
  Pool2dParams params_;
  PlanOptions options_;
};

class PoolBwdVariant {
 public:
  virtual ~PoolBwdVariant() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view summary() const = 0;
  virtual VariantKind kind() const { return VariantKind::ladder; }
  virtual Support supports(const Pool2dParams&) const { return Support::yes(); }
  std::unique_ptr<PoolBwdPlan> plan(const Pool2dParams& p, const PlanOptions& options = {}) const;

 protected:
  virtual std::unique_ptr<PoolBwdPlan> make_plan(const Pool2dParams& p, const PlanOptions& options) const = 0;
};

// ---------------------------------------------------------------------------
// The oracles: the definitions' loops, never optimized, accumulating in
// double and rounding once. abs_sum (optional) receives per element the sum of
// |products| of its reduction, the scale of the rounding-error bound.
void reference_conv2d_bwd_data(const Conv2dParams& p, std::span<const float> dy, std::span<const float> w,
                               std::span<float> dx, std::span<double> abs_sum = {});
void reference_conv2d_bwd_weights(const Conv2dParams& p, std::span<const float> x, std::span<const float> dy,
                                  std::span<float> dw, std::span<float> db, std::span<double> dw_abs_sum = {},
                                  std::span<double> db_abs_sum = {});
// indices: the forward's argmax (max pooling), empty for avg.
void reference_pool2d_bwd(const Pool2dParams& p, std::span<const float> dy, std::span<const int64_t> indices,
                          std::span<float> dx);

}  // namespace convlab

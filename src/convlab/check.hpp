// The cross-check shared by `convlab check` and the tests: build inputs,
// run the reference once, then run any number of variants against it.
// The output buffer is pre-filled with a sentinel (catches elements a
// variant never writes) and fenced by guard zones (catches writes outside it).
// The backward pass's ops (backward.hpp) have their own cases, ConvBwdCase and
// PoolBwdCase, with the same rows, sentinels and guards.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "convlab/backward.hpp"
#include "convlab/compare.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/variant.hpp"

namespace convlab {

struct CheckRow {
  std::string op;        // conv2d, pool2d, conv2d_bwd_data, conv2d_bwd_weights or pool2d_bwd
  std::string variant;
  std::string shape;     // canonical descriptor
  DataMode mode = DataMode::exact;
  PlanOptions options;
  bool supported = true; // false: skipped, see detail
  bool pass = false;     // false for skipped rows too
  double max_error = 0.0;
  double bound = 0.0;
  std::string detail;    // why it failed or was skipped
};

class ConvCase {
 public:
  ConvCase(const Conv2dParams& p, DataMode mode, uint64_t seed = 1);
  CheckRow check(const ConvVariant& v, const PlanOptions& options = {}) const;
  // Runs a variant and returns its output (for determinism tests).
  std::vector<float> output_of(const ConvVariant& v, const PlanOptions& options) const;
  const Conv2dParams& params() const { return p_; }
  std::span<const float> reference() const { return ref_.span(); }

 private:
  Conv2dParams p_;
  DataMode mode_;
  ConvData data_;
  Tensor ref_;
  std::vector<double> abs_sum_;
};

class PoolCase {
 public:
  PoolCase(const Pool2dParams& p, DataMode mode, uint64_t seed = 1);
  // For hand-made inputs (NaN, -inf...): the input is used as given.
  PoolCase(const Pool2dParams& p, Tensor input);
  CheckRow check(const PoolVariant& v, const PlanOptions& options = {}) const;
  std::vector<float> output_of(const PoolVariant& v, const PlanOptions& options) const;
  const Pool2dParams& params() const { return p_; }
  std::span<const float> reference() const { return ref_.span(); }
  std::span<const float> input() const { return input_.span(); }

 private:
  Pool2dParams p_;
  DataMode mode_;
  Tensor input_;
  Tensor ref_;
  std::vector<int64_t> ref_indices_;  // idx1: the reference's argmax indices
};

// --- the backward pass ------------------------------------------------------------
// Whether a pool2d_bwd variant takes the shape: never one with a fused ReLU
// (relu1; its backward is relu_backward's, then pooling's), else supports().
Support pool2d_bwd_supports(const PoolBwdVariant& v, const Pool2dParams& p);

// Both conv2d gradients of one shape: x, w and dy generated (exact: small
// integers keeping every partial sum of either reduction below 2^24, as
// tests/test_conv_backward.cpp), dx, dw, db and their abs sums from the
// oracles. A variant's dx (dw, db) must equal the oracle's exactly, or lie
// within compare_reduction's bound for its own reduction (dx: oc/g*kh*kw terms,
// dw and db: mb*oh*ow terms).
class ConvBwdCase {
 public:
  ConvBwdCase(const Conv2dParams& p, DataMode mode, uint64_t seed = 1);
  CheckRow check(const ConvBwdDataVariant& v, const PlanOptions& options = {}) const;
  // One row for both outputs: it passes when dw and db both do; max error and
  // bound are the output nearest its bound's, named in detail when it fails.
  CheckRow check(const ConvBwdWeightsVariant& v, const PlanOptions& options = {}) const;
  const Conv2dParams& params() const { return p_; }
  std::span<const float> dx_reference() const { return dx_; }
  std::span<const float> dw_reference() const { return dw_; }
  std::span<const float> db_reference() const { return db_; }

 private:
  Conv2dParams p_;
  DataMode mode_;
  std::vector<float> x_, w_, dy_, dx_, dw_, db_;
  std::vector<double> dx_abs_, dw_abs_, db_abs_;
};

// pool2d's gradient on one shape: x generated as for the forward's check, dy
// (exact: integers in [-4, 4]; bounded: reals), the argmax of a max shape from
// the reference forward with indices on (whatever the descriptor's idx), dx from
// the oracle. Max on integer data must match exactly; max on real data (windows
// that overlap add reals in any order) and average pooling in both modes (dy /
// divisor is not an integer) lie within compare_reduction's bound with K = the
// windows that can cover one input, ceil(kh/sh) * ceil(kw/sw), and S = the same
// gradient of |dy|. A relu1 shape is skipped with pool2d_bwd_supports' reason.
class PoolBwdCase {
 public:
  PoolBwdCase(const Pool2dParams& p, DataMode mode, uint64_t seed = 1);
  CheckRow check(const PoolBwdVariant& v, const PlanOptions& options = {}) const;
  const Pool2dParams& params() const { return p_; }
  std::span<const float> dx_reference() const { return dx_; }

 private:
  Pool2dParams p_;     // indices on for max
  std::string shape_;  // the descriptor as given
  DataMode mode_;
  std::vector<float> dy_, dx_;
  std::vector<int64_t> indices_;
  std::vector<double> abs_;
  int64_t terms_ = 1;
};

// Every op's case behind one face, for callers that walk problems of both
// kinds and both passes (`convlab check`): variants are named, not typed.
// Each case is built on first use (a backward-only check never runs the
// forward's reference, and the reverse); not for concurrent use.
class ProblemCase {
 public:
  ProblemCase(const Problem& p, DataMode mode, uint64_t seed = 1);
  // The forward: throws convlab::Error naming "variant" for a name the problem's op lacks.
  CheckRow check(std::string_view variant, const PlanOptions& options = {}) const;
  // Any op of the problem's kind (timed_job.hpp's names: conv2d, conv2d_bwd_data, ...).
  // Throws convlab::Error naming "variant" for an unknown name, "op" for an op of the other kind.
  CheckRow check(std::string_view op, std::string_view variant, const PlanOptions& options) const;
  // The forward op: "conv2d" or "pool2d".
  const char* op() const;

 private:
  Problem problem_;
  DataMode mode_;
  uint64_t seed_;
  mutable std::optional<std::variant<ConvCase, PoolCase>> fwd_;
  mutable std::optional<std::variant<ConvBwdCase, PoolBwdCase>> bwd_;
};

}  // namespace convlab

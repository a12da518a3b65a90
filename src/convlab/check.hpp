// The cross-check shared by `convlab check` and the tests: build inputs,
// run the reference once, then run any number of variants against it.
// The output buffer is pre-filled with a sentinel (catches elements a
// variant never writes) and fenced by guard zones (catches writes outside it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "convlab/compare.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/variant.hpp"

namespace convlab {

struct CheckRow {
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

// Either op's case behind one face, for callers that walk problems of both
// kinds (`convlab check`): variants are named, not typed.
class ProblemCase {
 public:
  ProblemCase(const Problem& p, DataMode mode, uint64_t seed = 1);
  // Throws convlab::Error naming "variant" for a name the problem's op lacks.
  CheckRow check(std::string_view variant, const PlanOptions& options = {}) const;
  const char* op() const;

 private:
  std::variant<ConvCase, PoolCase> case_;
};

}  // namespace convlab

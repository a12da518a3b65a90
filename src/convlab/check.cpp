#include "convlab/check.hpp"

#include <cstring>
#include <exception>

#include "convlab/descriptor.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/reference.hpp"

namespace convlab {

namespace {

constexpr int64_t kGuard = 16;               // one cache line of floats on each side
constexpr float kUnwritten = -7.0e33f;       // no reference output ever equals this
constexpr float kGuardValue = 3.0e33f;

// Output with fenced guard zones; the variant sees only the middle.
class GuardedOutput {
 public:
  explicit GuardedOutput(int64_t n) : buf_({n + 2 * kGuard}), n_(n) {
    float* b = buf_.data();
    for (int64_t i = 0; i < kGuard; ++i) b[i] = b[kGuard + n + i] = kGuardValue;
    for (int64_t i = 0; i < n; ++i) b[kGuard + i] = kUnwritten;
  }
  std::span<float> span() { return {buf_.data() + kGuard, static_cast<std::size_t>(n_)}; }
  // An empty string when the guards are intact.
  std::string guard_damage() const {
    const float* b = buf_.data();
    for (int64_t i = 0; i < kGuard; ++i) {
      if (std::memcmp(&b[i], &kGuardValue, sizeof(float)) != 0)
        return "wrote " + std::to_string(kGuard - i) + " floats before the output";
      if (std::memcmp(&b[kGuard + n_ + i], &kGuardValue, sizeof(float)) != 0)
        return "wrote past the end of the output (offset +" + std::to_string(i) + ")";
    }
    return {};
  }
 private:
  Tensor buf_;
  int64_t n_;
};

CheckRow row_for(std::string_view variant, const std::string& shape, DataMode mode,
                 const PlanOptions& o) {
  CheckRow r;
  r.variant = std::string(variant);
  r.shape = shape;
  r.mode = mode;
  r.options = o;
  return r;
}

void apply(CheckRow& r, const Verdict& v, const std::string& guards) {
  r.pass = v.pass && guards.empty();
  r.max_error = v.max_error;
  r.bound = v.bound;
  r.detail = guards.empty() ? v.detail : guards + (v.detail.empty() ? "" : "; " + v.detail);
}

// One cross-check row: skip with the variant's reason, or plan and run into a
// guarded output (run_into), compare, and turn any exception into a failure.
template <class Variant, class Params, class RunInto, class Compare>
CheckRow check_row(const Variant& v, const Params& p, DataMode mode, const PlanOptions& o, RunInto run_into,
                   Compare compare) {
  CheckRow r = row_for(v.name(), format_descriptor(p), mode, o);
  const Support s = v.supports(p);
  if (!s) {
    r.supported = false;
    r.detail = s.reason;
    return r;
  }
  try {
    GuardedOutput out(p.output_elems());
    run_into(out.span());
    apply(r, compare(out.span()), out.guard_damage());
  } catch (const std::exception& e) {
    r.pass = false;
    r.detail = std::string("threw: ") + e.what();
  }
  return r;
}

}  // namespace

namespace {
// The check's data: input, weights and bias, the reference output, its
// per-element bound (doubles), a variant's output, and its plan (as much
// again as the tensors); refused up front when it cannot fit.
const Conv2dParams& fits(const Conv2dParams& p) {
  const double floats = static_cast<double>(p.input_elems() + p.weight_elems() + p.bias_elems());
  memory::require_available(4.0 * 2 * floats + (4.0 + 8.0 + 4.0 * 2) * static_cast<double>(p.output_elems()),
                            "the check's tensors, reference and plan");
  return p;
}
const Pool2dParams& fits(const Pool2dParams& p) {
  memory::require_available(4.0 * 2 * static_cast<double>(p.input_elems()) +
                                (4.0 * 3 + (p.indices ? 16.0 : 0.0)) * static_cast<double>(p.output_elems()),
                            "the check's tensors, reference and plan");
  return p;
}
}  // namespace

ConvCase::ConvCase(const Conv2dParams& p, DataMode mode, uint64_t seed)
    : p_(fits(p)),
      mode_(mode),
      data_(make_conv2d_data(p, mode, seed)),
      ref_({p.output_elems()}),
      abs_sum_(static_cast<std::size_t>(p.output_elems())) {
  reference_conv2d(p_, data_.input.span(), data_.weights.span(), data_.bias.span(), ref_.span(),
                   abs_sum_);
}

CheckRow ConvCase::check(const ConvVariant& v, const PlanOptions& o) const {
  return check_row(
      v, p_, mode_, o,
      [&](std::span<float> y) { v.plan(p_, data_.weights.span(), data_.bias.span(), o)->run(data_.input.span(), y); },
      [&](std::span<const float> y) { return compare_conv2d(p_, mode_, y, ref_.span(), abs_sum_); });
}

std::vector<float> ConvCase::output_of(const ConvVariant& v, const PlanOptions& o) const {
  std::vector<float> out(static_cast<std::size_t>(p_.output_elems()), kUnwritten);
  auto plan = v.plan(p_, data_.weights.span(), data_.bias.span(), o);
  plan->run(data_.input.span(), out);
  return out;
}

PoolCase::PoolCase(const Pool2dParams& p, DataMode mode, uint64_t seed)
    : p_(fits(p)),
      mode_(mode),
      input_(make_pool2d_input(p, mode, seed)),
      ref_({p.output_elems()}),
      ref_indices_(static_cast<std::size_t>(p.indices ? p.output_elems() : 0)) {
  reference_pool2d(p_, input_.span(), ref_.span(), ref_indices_);
}

PoolCase::PoolCase(const Pool2dParams& p, Tensor input)
    : p_(p),
      mode_(DataMode::exact),
      input_(std::move(input)),
      ref_({p.output_elems()}),
      ref_indices_(static_cast<std::size_t>(p.indices ? p.output_elems() : 0)) {
  reference_pool2d(p_, input_.span(), ref_.span(), ref_indices_);
}

CheckRow PoolCase::check(const PoolVariant& v, const PlanOptions& o) const {
  std::vector<int64_t> indices(ref_indices_.size(), -1);
  return check_row(
      v, p_, mode_, o, [&](std::span<float> y) { v.plan(p_, o)->run(input_.span(), y, indices); },
      [&](std::span<const float> y) {
        Verdict verdict = compare_pool2d(y, ref_.span());
        if (verdict.pass) verdict = compare_indices(indices, ref_indices_);
        return verdict;
      });
}

std::vector<float> PoolCase::output_of(const PoolVariant& v, const PlanOptions& o) const {
  std::vector<float> out(static_cast<std::size_t>(p_.output_elems()), kUnwritten);
  std::vector<int64_t> indices(ref_indices_.size());
  auto plan = v.plan(p_, o);
  plan->run(input_.span(), out, indices);
  return out;
}

namespace {
std::variant<ConvCase, PoolCase> case_for(const Problem& p, DataMode mode, uint64_t seed) {
  if (const auto* conv = std::get_if<Conv2dParams>(&p)) return ConvCase(*conv, mode, seed);
  return PoolCase(std::get<Pool2dParams>(p), mode, seed);
}
}  // namespace

ProblemCase::ProblemCase(const Problem& p, DataMode mode, uint64_t seed) : case_(case_for(p, mode, seed)) {}

const char* ProblemCase::op() const { return std::holds_alternative<ConvCase>(case_) ? "conv2d" : "pool2d"; }

CheckRow ProblemCase::check(std::string_view variant, const PlanOptions& options) const {
  if (const auto* conv = std::get_if<ConvCase>(&case_)) return conv->check(conv2d_variant(variant), options);
  return std::get<PoolCase>(case_).check(pool2d_variant(variant), options);
}

}  // namespace convlab

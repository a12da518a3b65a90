#include "convlab/check.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <exception>

#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/memory.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/reference.hpp"
#include "convlab/timed_job.hpp"

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
  r.op = op_name(Problem(p));
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

// --- the backward pass ------------------------------------------------------------
namespace {

int64_t data_reduction(const Conv2dParams& p) { return p.ocg() * p.kh * p.kw; }
int64_t weights_reduction(const Conv2dParams& p) { return p.mb * p.oh() * p.ow(); }

// x, w, dy; the three references and their abs sums (doubles); the variant's
// guarded dx, dw, db; and as much again as the tensors for the plan.
const Conv2dParams& fits_bwd(const Conv2dParams& p) {
  const double in = static_cast<double>(p.input_elems()), w = static_cast<double>(p.weight_elems()),
               b = static_cast<double>(p.bias_elems()), out = static_cast<double>(p.output_elems());
  memory::require_available(4.0 * 2 * (in + w + out) + (4.0 + 8.0 + 4.0) * (in + w + b),
                            "the check's tensors, references and plan");
  return p;
}
const Pool2dParams& fits_bwd(const Pool2dParams& p) {
  const double in = static_cast<double>(p.input_elems()), out = static_cast<double>(p.output_elems());
  memory::require_available(4.0 * 2 * in + (4.0 + 8.0 + 8.0) * out + (4.0 + 8.0 + 4.0) * in,
                            "the check's tensors, references and plan");
  return p;
}

// A backward row: skip with the reason, else run (into guarded outputs,
// returning the verdict and any guard damage) and turn an exception into a failure.
template <class Run>
CheckRow bwd_row(const char* op, std::string_view variant, const std::string& shape, DataMode mode,
                 const PlanOptions& o, const Support& s, Run run) {
  CheckRow r = row_for(variant, shape, mode, o);
  r.op = op;
  if (!s) {
    r.supported = false;
    r.detail = s.reason;
    return r;
  }
  try {
    const auto [verdict, guards] = run();
    apply(r, verdict, guards);
  } catch (const std::exception& e) {
    r.pass = false;
    r.detail = std::string("threw: ") + e.what();
  }
  return r;
}

Verdict named(Verdict v, const char* what) {
  if (!v.detail.empty()) v.detail = std::string(what) + ": " + v.detail;
  return v;
}

// dw's and db's verdicts as one: pass when both do; the figures of a failing
// one, else of the one nearest its bound.
Verdict both(const Verdict& dw, const Verdict& db) {
  const auto ratio = [](const Verdict& v) { return v.bound > 0 ? v.max_error / v.bound : v.max_error; };
  Verdict out = !dw.pass ? named(dw, "dw") : !db.pass ? named(db, "db") : ratio(db) > ratio(dw) ? db : dw;
  out.pass = dw.pass && db.pass;
  out.failures = dw.failures + db.failures;
  return out;
}

std::string guards_of(const char* what, const GuardedOutput& g) {
  const std::string d = g.guard_damage();
  return d.empty() ? d : std::string(what) + ": " + d;
}
std::string joined(const std::string& a, const std::string& b) { return a.empty() ? b : b.empty() ? a : a + "; " + b; }

std::vector<float> absolute(std::span<const float> v) {
  std::vector<float> out(v.size());
  std::transform(v.begin(), v.end(), out.begin(), [](float e) { return std::fabs(e); });
  return out;
}

}  // namespace

Support pool2d_bwd_supports(const PoolBwdVariant& v, const Pool2dParams& p) {
  if (p.relu)
    return Support::no("relu1: a fused ReLU's backward is relu_backward's, then pooling's without relu1");
  return v.supports(p);
}

ConvBwdCase::ConvBwdCase(const Conv2dParams& p, DataMode mode, uint64_t seed) : p_(fits_bwd(p)), mode_(mode) {
  x_.resize(static_cast<std::size_t>(p.input_elems()));
  w_.resize(static_cast<std::size_t>(p.weight_elems()));
  dy_.resize(static_cast<std::size_t>(p.output_elems()));
  if (mode == DataMode::exact) {
    // |every partial sum| <= range^2 * (K + 1) < 2^24 for the longer of both reductions.
    const double longest = static_cast<double>(std::max(data_reduction(p), weights_reduction(p)) + 1);
    const int range = std::clamp(static_cast<int>(std::sqrt(double(1 << 24) / longest)), 1, 4);
    fill_integers(x_, range, seed * 3 + 1);
    fill_integers(w_, range, seed * 3 + 2);
    fill_integers(dy_, range, seed * 3 + 3);
  } else {
    fill_reals(x_, seed * 3 + 1);
    fill_reals(w_, seed * 3 + 2);
    fill_reals(dy_, seed * 3 + 3);
  }
  dx_.resize(x_.size());
  dx_abs_.resize(x_.size());
  dw_.resize(w_.size());
  dw_abs_.resize(w_.size());
  db_.resize(static_cast<std::size_t>(p.bias_elems()));
  db_abs_.resize(db_.size());
  reference_conv2d_bwd_data(p_, dy_, w_, dx_, dx_abs_);
  reference_conv2d_bwd_weights(p_, x_, dy_, dw_, db_, dw_abs_, db_abs_);
}

CheckRow ConvBwdCase::check(const ConvBwdDataVariant& v, const PlanOptions& o) const {
  return bwd_row(kConv2dBwdData, v.name(), format_descriptor(p_), mode_, o, v.supports(p_), [&] {
    GuardedOutput dx(p_.input_elems());
    v.plan(p_, w_, o)->run(dy_, dx.span());
    return std::pair(compare_reduction(mode_, dx.span(), dx_, dx_abs_, data_reduction(p_)), guards_of("dx", dx));
  });
}

CheckRow ConvBwdCase::check(const ConvBwdWeightsVariant& v, const PlanOptions& o) const {
  return bwd_row(kConv2dBwdWeights, v.name(), format_descriptor(p_), mode_, o, v.supports(p_), [&] {
    GuardedOutput dw(p_.weight_elems()), db(p_.bias_elems());
    v.plan(p_, o)->run(x_, dy_, dw.span(), db.span());
    const int64_t k = weights_reduction(p_);
    return std::pair(both(compare_reduction(mode_, dw.span(), dw_, dw_abs_, k),
                          compare_reduction(mode_, db.span(), db_, db_abs_, k)),
                     joined(guards_of("dw", dw), guards_of("db", db)));
  });
}

PoolBwdCase::PoolBwdCase(const Pool2dParams& p, DataMode mode, uint64_t seed)
    : p_(fits_bwd(p)), shape_(format_descriptor(p)), mode_(mode) {
  if (p_.relu) return;  // every variant is skipped (pool2d_bwd_supports)
  if (!p_.is_avg()) p_.indices = true;
  const Tensor x = make_pool2d_input(p_, mode, seed);
  dy_.resize(static_cast<std::size_t>(p_.output_elems()));
  if (mode == DataMode::exact)
    fill_integers(dy_, 4, seed * 3 + 3);  // sums of at most kh*kw of them: exact
  else
    fill_reals(dy_, seed * 3 + 3);
  if (!p_.is_avg()) {
    indices_.assign(dy_.size(), 0);
    std::vector<float> y(dy_.size());
    reference_pool2d(p_, x.span(), y, indices_);
  }
  dx_.resize(static_cast<std::size_t>(p_.input_elems()));
  reference_pool2d_bwd(p_, dy_, indices_, dx_);
  std::vector<float> abs_dx(dx_.size());
  reference_pool2d_bwd(p_, absolute(dy_), indices_, abs_dx);
  abs_.assign(abs_dx.begin(), abs_dx.end());
  terms_ = ((p_.kh + p_.sh - 1) / p_.sh) * ((p_.kw + p_.sw - 1) / p_.sw);
}

CheckRow PoolBwdCase::check(const PoolBwdVariant& v, const PlanOptions& o) const {
  return bwd_row(kPool2dBwd, v.name(), shape_, mode_, o, pool2d_bwd_supports(v, p_), [&] {
    GuardedOutput dx(p_.input_elems());
    v.plan(p_, o)->run(dy_, indices_, dx.span());
    const DataMode rule = !p_.is_avg() && mode_ == DataMode::exact ? DataMode::exact : DataMode::bounded;
    return std::pair(compare_reduction(rule, dx.span(), dx_, abs_, terms_), guards_of("dx", dx));
  });
}

// --- every op behind one face -----------------------------------------------------
namespace {
std::variant<ConvCase, PoolCase> case_for(const Problem& p, DataMode mode, uint64_t seed) {
  if (const auto* conv = std::get_if<Conv2dParams>(&p)) return ConvCase(*conv, mode, seed);
  return PoolCase(std::get<Pool2dParams>(p), mode, seed);
}
std::variant<ConvBwdCase, PoolBwdCase> bwd_case_for(const Problem& p, DataMode mode, uint64_t seed) {
  if (const auto* conv = std::get_if<Conv2dParams>(&p)) return ConvBwdCase(*conv, mode, seed);
  return PoolBwdCase(std::get<Pool2dParams>(p), mode, seed);
}
}  // namespace

ProblemCase::ProblemCase(const Problem& p, DataMode mode, uint64_t seed) : problem_(p), mode_(mode), seed_(seed) {}

const char* ProblemCase::op() const { return op_name(problem_); }

CheckRow ProblemCase::check(std::string_view variant, const PlanOptions& options) const {
  return check(op(), variant, options);
}

CheckRow ProblemCase::check(std::string_view op, std::string_view variant, const PlanOptions& options) const {
  if (!op_applies(op, problem_))
    throw Error("op", std::string(op), std::string("its variants do not run on a ") + op_name(problem_) + " shape");
  if (!is_backward_op(op)) {
    // The variant first: an unknown name is named before any data is built.
    if (std::holds_alternative<Conv2dParams>(problem_)) {
      const ConvVariant& v = conv2d_variant(variant);
      if (!fwd_) fwd_.emplace(case_for(problem_, mode_, seed_));
      return std::get<ConvCase>(*fwd_).check(v, options);
    }
    const PoolVariant& v = pool2d_variant(variant);
    if (!fwd_) fwd_.emplace(case_for(problem_, mode_, seed_));
    return std::get<PoolCase>(*fwd_).check(v, options);
  }
  if (op == kPool2dBwd) {
    const PoolBwdVariant& v = pool2d_bwd_variant(variant);
    if (!bwd_) bwd_.emplace(bwd_case_for(problem_, mode_, seed_));
    return std::get<PoolBwdCase>(*bwd_).check(v, options);
  }
  if (op == kConv2dBwdData) {
    const ConvBwdDataVariant& v = conv2d_bwd_data_variant(variant);
    if (!bwd_) bwd_.emplace(bwd_case_for(problem_, mode_, seed_));
    return std::get<ConvBwdCase>(*bwd_).check(v, options);
  }
  const ConvBwdWeightsVariant& v = conv2d_bwd_weights_variant(variant);
  if (!bwd_) bwd_.emplace(bwd_case_for(problem_, mode_, seed_));
  return std::get<ConvBwdCase>(*bwd_).check(v, options);
}

}  // namespace convlab

// The conv2d backward pass: every variant of both lists (registry_backward.hpp)
// against the references on the named edge cases and a seeded random sweep,
// integer-valued data exactly and real-valued data within the bound of each
// reduction (dx: oc/g*kh*kw terms, dw and db: mb*oh*ow terms); a
// finite-difference check of the references and the variants; 1-4 threads
// bitwise identical for every ladder rung; buffer sizes named in errors.
// DISABLED_BackwardTiming prints the figures quoted in the rungs' headers.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cfloat>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <random>
#include <tuple>
#include <vector>

#include "conv2d_bwd/kernel/reduction.hpp"
#include "convlab/backward.hpp"
#include "convlab/compare.hpp"
#include "convlab/data.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/suite.hpp"
#include "shapes.hpp"
#include "tester.hpp"

namespace convlab::testing {
namespace {

using Floats = std::vector<float>;
constexpr float kSentinel = std::numeric_limits<float>::quiet_NaN();  // an element never written fails

std::vector<std::string> data_names() {
  std::vector<std::string> out;
  for (const auto* v : conv2d_bwd_data_variants()) out.emplace_back(v->name());
  return out;
}
std::vector<std::string> weights_names() {
  std::vector<std::string> out;
  for (const auto* v : conv2d_bwd_weights_variants()) out.emplace_back(v->name());
  return out;
}

int64_t data_reduction(const Conv2dParams& p) { return p.ocg() * p.kh * p.kw; }
int64_t weights_reduction(const Conv2dParams& p) { return p.mb * p.oh() * p.ow(); }

// Inputs of both gradients and their references. Integer ranges keep every
// partial sum of either reduction an integer below 2^24 (exact in fp32).
class BwdCase {
 public:
  BwdCase(const Conv2dParams& p, DataMode mode, uint64_t seed) : p_(p), mode_(mode) {
    x_.resize(p.input_elems());
    w_.resize(p.weight_elems());
    dy_.resize(p.output_elems());
    if (mode == DataMode::exact) {
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
    dx_.resize(p.input_elems());
    dx_abs_.resize(p.input_elems());
    dw_.resize(p.weight_elems());
    dw_abs_.resize(p.weight_elems());
    db_.resize(p.bias_elems());
    db_abs_.resize(p.bias_elems());
    reference_conv2d_bwd_data(p, dy_, w_, dx_, dx_abs_);
    reference_conv2d_bwd_weights(p, x_, dy_, dw_, db_, dw_abs_, db_abs_);
  }

  const Conv2dParams& params() const { return p_; }

  Floats dx_of(const ConvBwdDataVariant& v, const PlanOptions& o) const {
    auto plan = v.plan(p_, w_, o);
    Floats dx(dx_.size(), kSentinel);
    plan->run(dy_, dx);
    return dx;
  }
  std::pair<Floats, Floats> dw_db_of(const ConvBwdWeightsVariant& v, const PlanOptions& o) const {
    auto plan = v.plan(p_, o);
    Floats dw(dw_.size(), kSentinel), db(db_.size(), kSentinel);
    plan->run(x_, dy_, dw, db);
    return {dw, db};
  }

  // A failure message, or empty; a refusal by a baseline passes (with its reason).
  void check(const ConvBwdDataVariant& v, const PlanOptions& o) const {
    SCOPED_TRACE(format_descriptor(p_) + " " + to_string(mode_) + ", bwd_data " + std::string(v.name()) +
                 ", threads " + std::to_string(o.threads) + ", isa " + to_string(o.isa));
    const Support s = v.supports(p_);
    if (!s) {
      EXPECT_NE(v.kind(), VariantKind::ladder) << "a ladder rung refused a valid shape: " << s.reason;
      EXPECT_FALSE(s.reason.empty());
      return;
    }
    const Verdict r = compare_reduction(mode_, dx_of(v, o), dx_, dx_abs_, data_reduction(p_));
    EXPECT_TRUE(r.pass) << "dx: " << r.detail;
  }
  void check(const ConvBwdWeightsVariant& v, const PlanOptions& o) const {
    SCOPED_TRACE(format_descriptor(p_) + " " + to_string(mode_) + ", bwd_weights " + std::string(v.name()) +
                 ", threads " + std::to_string(o.threads) + ", isa " + to_string(o.isa));
    const Support s = v.supports(p_);
    if (!s) {
      EXPECT_NE(v.kind(), VariantKind::ladder) << "a ladder rung refused a valid shape: " << s.reason;
      EXPECT_FALSE(s.reason.empty());
      return;
    }
    const auto [dw, db] = dw_db_of(v, o);
    const Verdict rw = compare_reduction(mode_, dw, dw_, dw_abs_, weights_reduction(p_));
    EXPECT_TRUE(rw.pass) << "dw: " << rw.detail;
    const Verdict rb = compare_reduction(mode_, db, db_, db_abs_, weights_reduction(p_));
    EXPECT_TRUE(rb.pass) << "db: " << rb.detail;
  }

 private:
  Conv2dParams p_;
  DataMode mode_;
  Floats x_, w_, dy_, dx_, dw_, db_;
  std::vector<double> dx_abs_, dw_abs_, db_abs_;
};

// --- edge cases -----------------------------------------------------------------
using EdgeParam = std::tuple<std::string, NamedShape, DataMode>;
std::string edge_name(const ::testing::TestParamInfo<EdgeParam>& info) {
  return test_name(std::get<0>(info.param) + "_" + std::get<1>(info.param).name + "_" +
                   to_string(std::get<2>(info.param)));
}

class ConvBwdDataEdgeCase : public ::testing::TestWithParam<EdgeParam> {};
TEST_P(ConvBwdDataEdgeCase, MatchesReference) {
  const auto& [name, shape, mode] = GetParam();
  BwdCase(parse_conv2d(shape.descriptor), mode, 1).check(conv2d_bwd_data_variant(name), {});
}
INSTANTIATE_TEST_SUITE_P(All, ConvBwdDataEdgeCase,
                         ::testing::Combine(::testing::ValuesIn(data_names()), ::testing::ValuesIn(conv2d_edge_cases()),
                                            ::testing::Values(DataMode::exact, DataMode::bounded)),
                         edge_name);

class ConvBwdWeightsEdgeCase : public ::testing::TestWithParam<EdgeParam> {};
TEST_P(ConvBwdWeightsEdgeCase, MatchesReference) {
  const auto& [name, shape, mode] = GetParam();
  BwdCase(parse_conv2d(shape.descriptor), mode, 1).check(conv2d_bwd_weights_variant(name), {});
}
INSTANTIATE_TEST_SUITE_P(All, ConvBwdWeightsEdgeCase,
                         ::testing::Combine(::testing::ValuesIn(weights_names()),
                                            ::testing::ValuesIn(conv2d_edge_cases()),
                                            ::testing::Values(DataMode::exact, DataMode::bounded)),
                         edge_name);

// --- every dispatch path ------------------------------------------------------------
TEST(ConvBwdIsaPath, EdgeCasesExactOnEveryIsaForEveryVariant) {
  for (const Isa isa : available_isas())
    for (const auto& c : conv2d_edge_cases()) {
      SCOPED_TRACE(std::string(c.name) + " on " + to_string(isa));
      const BwdCase bc(parse_conv2d(c.descriptor), DataMode::exact, 2);
      PlanOptions o;
      o.isa = isa;
      for (const auto* v : conv2d_bwd_data_variants()) bc.check(*v, o);
      for (const auto* v : conv2d_bwd_weights_variants()) bc.check(*v, o);
    }
}

// --- random sweep -------------------------------------------------------------------
constexpr int kRandomProblems = 150;

TEST(ConvBwdRandomSweep, SeededValidShapesBothModesOneToFourThreadsEveryIsa) {
  std::mt19937_64 rng(20260518);
  const auto isas = available_isas();
  for (int i = 0; i < kRandomProblems; ++i) {
    const Conv2dParams p = random_conv2d(rng);
    PlanOptions o;
    o.threads = 1 + static_cast<int>(rng() % 4);
    o.isa = isas[rng() % isas.size()];
    SCOPED_TRACE("random shape #" + std::to_string(i));
    for (const DataMode mode : {DataMode::exact, DataMode::bounded}) {
      const BwdCase bc(p, mode, static_cast<uint64_t>(i));
      for (const auto* v : conv2d_bwd_data_variants()) bc.check(*v, o);
      for (const auto* v : conv2d_bwd_weights_variants()) bc.check(*v, o);
    }
    if (::testing::Test::HasFailure()) break;  // one readable failure, not hundreds
  }
}

// --- determinism ----------------------------------------------------------------------
// The shapes include ones the reduction rung cuts into several chunks (its
// describe() says how many), so that 1-4 threads really share a reduction.
const char* const kThreadShapes[] = {
    "mb4ic32ih15oc64kh3",         "g2mb3ic6ih13iw11oc10kh3kw2sh2ph1", "mb8ic16ih30oc64kh3ph1",
    "mb2ic16ih33oc40kh3ph1sh2",   "g24mb2ic24ih19oc24kh3sh2ph1",     "mb16ic4ih40oc4kh3pt2pb0dh1",
};

TEST(ConvBwdThreads, ReductionRungSplitsTheBatchIntoSeveralChunks) {
  const auto plan = conv2d_bwd_weights_variant("reduction").plan(parse_conv2d("mb8ic16ih30oc64kh3ph1"), {});
  EXPECT_NE(plan->describe().rfind("1 chunks", 0), 0u) << plan->describe();
}

TEST(ConvBwdThreads, OneToFourThreadsGiveIdenticalBytesForEveryRung) {
  for (const char* d : kThreadShapes) {
    SCOPED_TRACE(d);
    const BwdCase bc(parse_conv2d(d), DataMode::bounded, 3);
    for (const auto* v : conv2d_bwd_data_variants()) {
      if (!v->supports(bc.params())) continue;
      PlanOptions o;
      const Floats one = bc.dx_of(*v, o);
      for (int t = 2; t <= 4; ++t) {
        o.threads = t;
        const Floats many = bc.dx_of(*v, o);
        const Floats& other = v->kind() == VariantKind::ladder ? one : bc.dx_of(*v, o);  // a baseline: repeatable
        EXPECT_EQ(0, std::memcmp(other.data(), many.data(), many.size() * sizeof(float)))
            << "bwd_data " << v->name() << ": " << t << " threads";
      }
    }
    for (const auto* v : conv2d_bwd_weights_variants()) {
      if (!v->supports(bc.params())) continue;
      PlanOptions o;
      const auto one = bc.dw_db_of(*v, o);
      for (int t = 2; t <= 4; ++t) {
        o.threads = t;
        const auto many = bc.dw_db_of(*v, o);
        const auto other = v->kind() == VariantKind::ladder ? one : bc.dw_db_of(*v, o);
        EXPECT_EQ(0, std::memcmp(other.first.data(), many.first.data(), many.first.size() * sizeof(float)))
            << "bwd_weights " << v->name() << " dw: " << t << " threads";
        EXPECT_EQ(0, std::memcmp(other.second.data(), many.second.data(), many.second.size() * sizeof(float)))
            << "bwd_weights " << v->name() << " db: " << t << " threads";
      }
    }
  }
}

// --- finite differences -------------------------------------------------------------------
// L(x, w, b) = sum y * r for a fixed r, y the forward in double: dL/dx, dL/dw
// and dL/db are the backward of dy = r. L is linear in each of x, w, b, so the
// central difference is exact but for rounding in double.
double loss(const Conv2dParams& p, const std::vector<double>& x, const std::vector<double>& w,
            const std::vector<double>& b, const Floats& r) {
  const int64_t OH = p.oh(), OW = p.ow(), ICG = p.icg(), OCG = p.ocg();
  double total = 0.0;
  for (int64_t n = 0; n < p.mb; ++n)
    for (int64_t oc = 0; oc < p.oc; ++oc)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double y = p.bias ? b[oc] : 0.0;
          for (int64_t c = 0; c < ICG; ++c)
            for (int64_t kh = 0; kh < p.kh; ++kh)
              for (int64_t kw = 0; kw < p.kw; ++kw) {
                const int64_t ih = oh * p.sh - p.pt + kh * (p.dh + 1), iw = ow * p.sw - p.pl + kw * (p.dw + 1);
                if (ih < 0 || ih >= p.ih || iw < 0 || iw >= p.iw) continue;
                y += x[((n * p.ic + oc / OCG * ICG + c) * p.ih + ih) * p.iw + iw] *
                     w[((oc * ICG + c) * p.kh + kh) * p.kw + kw];
              }
          total += y * r[((n * p.oc + oc) * OH + oh) * OW + ow];
        }
  return total;
}

// Central differences of L along every element of v.
std::vector<double> numeric_gradient(std::vector<double>& v, const std::function<double()>& f) {
  constexpr double h = 1e-3;
  std::vector<double> g(v.size());
  for (std::size_t i = 0; i < v.size(); ++i) {
    const double keep = v[i];
    v[i] = keep + h;
    const double up = f();
    v[i] = keep - h;
    const double down = f();
    v[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

// |got - numeric| within the variant's rounding bound plus the difference's own error.
void expect_near_gradient(const char* what, std::string_view variant, const Floats& got,
                          const std::vector<double>& numeric, const std::vector<double>& abs_sum, int64_t k) {
  ASSERT_EQ(got.size(), numeric.size());
  int failures = 0;
  for (std::size_t i = 0; i < got.size() && failures < 3; ++i) {
    const double bound = kConvBoundFactor * FLT_EPSILON * double(std::max<int64_t>(k, 1)) * abs_sum[i] + 1e-9;
    if (!(std::fabs(got[i] - numeric[i]) <= bound)) {
      ++failures;
      ADD_FAILURE() << what << " of " << variant << " element " << i << ": " << got[i] << " vs finite difference "
                    << numeric[i] << " (bound " << bound << ")";
    }
  }
}

TEST(ConvBwdGradientCheck, ReferencesAndVariantsMatchFiniteDifferencesOnSmallShapes) {
  for (const char* d : {"mb2ic3ih6oc4kh3ph1", "g2mb1ic4ih7iw6oc6kh3kw2sh2pt1pb0pl0pr1",
                        "mb1ic2ih9oc3kh2dh1sh3pt2pb1", "g3mb2ic3ih5oc3kh3ph1bias0"}) {
    SCOPED_TRACE(d);
    const Conv2dParams p = parse_conv2d(d);
    Floats xf(p.input_elems()), wf(p.weight_elems()), bf(p.bias_elems()), r(p.output_elems());
    fill_reals(xf, 11);
    fill_reals(wf, 12);
    fill_reals(bf, 13);
    fill_reals(r, 14);
    std::vector<double> x(xf.begin(), xf.end()), w(wf.begin(), wf.end()), b(bf.begin(), bf.end());
    const auto f = [&] { return loss(p, x, w, b, r); };
    const std::vector<double> gx = numeric_gradient(x, f), gw = numeric_gradient(w, f), gb = numeric_gradient(b, f);

    Floats dx(p.input_elems()), dw(p.weight_elems()), db(p.bias_elems());
    std::vector<double> dx_abs(dx.size()), dw_abs(dw.size()), db_abs(db.size());
    reference_conv2d_bwd_data(p, r, wf, dx, dx_abs);
    reference_conv2d_bwd_weights(p, xf, r, dw, db, dw_abs, db_abs);
    expect_near_gradient("dx", "reference", dx, gx, dx_abs, 1);  // double, rounded once
    expect_near_gradient("dw", "reference", dw, gw, dw_abs, 1);
    expect_near_gradient("db", "reference", db, gb, db_abs, 1);
    for (const auto* v : conv2d_bwd_data_variants()) {
      if (!v->supports(p)) continue;
      Floats got(dx.size(), kSentinel);
      v->plan(p, wf)->run(r, got);
      expect_near_gradient("dx", v->name(), got, gx, dx_abs, data_reduction(p));
    }
    for (const auto* v : conv2d_bwd_weights_variants()) {
      if (!v->supports(p)) continue;
      Floats gdw(dw.size(), kSentinel), gdb(db.size(), kSentinel);
      v->plan(p)->run(xf, r, gdw, gdb);
      expect_near_gradient("dw", v->name(), gdw, gw, dw_abs, weights_reduction(p));
      expect_near_gradient("db", v->name(), gdb, gb, db_abs, weights_reduction(p));
    }
  }
}

// --- the empty batch ----------------------------------------------------------------------
TEST(ConvBwdEmptyBatch, WeightsGradientsAreZeroAndDxStaysEmpty) {
  const Conv2dParams p = parse_conv2d("mb0ic3ih8oc4kh3ph1");
  const Floats w(p.weight_elems(), 1.0f);
  for (const auto* v : conv2d_bwd_data_variants()) {
    if (!v->supports(p)) continue;
    Floats dx;
    EXPECT_NO_THROW(v->plan(p, w)->run({}, dx)) << v->name();
  }
  for (const auto* v : conv2d_bwd_weights_variants()) {
    if (!v->supports(p)) continue;
    Floats dw(p.weight_elems(), kSentinel), db(p.bias_elems(), kSentinel);
    v->plan(p)->run({}, {}, dw, db);
    for (float e : dw) EXPECT_EQ(e, 0.0f) << v->name();
    for (float e : db) EXPECT_EQ(e, 0.0f) << v->name();
  }
}

// --- bad sizes name the field ------------------------------------------------------------------
template <class F>
void expect_field(const char* field, F f) {
  try {
    f();
    ADD_FAILURE() << "no error for a wrong " << field;
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

TEST(ConvBwdBadSizes, EachWrongBufferIsNamed) {
  const Conv2dParams p = parse_conv2d("mb2ic3ih8oc4kh3ph1");
  const Floats x(p.input_elems()), w(p.weight_elems()), dy(p.output_elems());
  Floats dx(p.input_elems()), dw(p.weight_elems()), db(p.bias_elems());
  Floats shorter(3);
  for (const auto* v : conv2d_bwd_data_variants()) {
    SCOPED_TRACE(v->name());
    expect_field("weights", [&] { v->plan(p, shorter); });
    auto plan = v->plan(p, w);
    expect_field("dy", [&] { plan->run(shorter, dx); });
    expect_field("dx", [&] { plan->run(dy, shorter); });
  }
  for (const auto* v : conv2d_bwd_weights_variants()) {
    SCOPED_TRACE(v->name());
    auto plan = v->plan(p);
    expect_field("x", [&] { plan->run(shorter, dy, dw, db); });
    expect_field("dy", [&] { plan->run(x, shorter, dw, db); });
    expect_field("dw", [&] { plan->run(x, dy, shorter, db); });
    expect_field("db", [&] { plan->run(x, dy, dw, shorter); });
  }
  // The references name them too.
  expect_field("dx", [&] { reference_conv2d_bwd_data(p, dy, w, shorter); });
  expect_field("dw", [&] { reference_conv2d_bwd_weights(p, x, dy, shorter, db); });
  expect_field("threads", [&] { conv2d_bwd_weights_variant("reduction").plan(p, {.threads = 0}); });
}

// --- timing (not run by default) -------------------------------------------------------------
// build/bwd/tests/convlab_tests --gtest_also_run_disabled_tests --gtest_filter='*BackwardTiming*'
template <class Run>
double median_seconds(Run run) {
  run();
  std::vector<double> t;
  for (int i = 0; i < 5; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    run();
    t.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(t.begin(), t.end());
  return t[2];
}

TEST(ConvBwd, DISABLED_BackwardTiming) {
  for (const char* d : {"mb32ic32ih15oc64kh3", "mb1ic64ih56oc64kh3ph1"}) {
    const Conv2dParams p = parse_conv2d(d);
    Floats x(p.input_elems()), w(p.weight_elems()), b(p.bias_elems()), y(p.output_elems()), dy(p.output_elems());
    fill_reals(x, 1), fill_reals(w, 2), fill_reals(b, 3), fill_reals(dy, 4);
    Floats dx(x.size()), dw(w.size()), db(b.size());
    const double gf = double(p.flops()) * 1e-9;
    for (int threads : {1, 2}) {
      const PlanOptions o{.threads = threads};
      auto fwd = conv2d_variant("parallel").plan(p, w, b, o);
      std::printf("%s threads %d: forward parallel %.1f GFLOP/s\n", d, threads,
                  gf / median_seconds([&] { fwd->run(x, y); }));
      for (const auto* v : conv2d_bwd_data_variants()) {
        auto plan = v->plan(p, w, o);
        std::printf("%s threads %d: bwd_data %-10s %.1f GFLOP/s  [%s]\n", d, threads, std::string(v->name()).c_str(),
                    gf / median_seconds([&] { plan->run(dy, dx); }), plan->describe().c_str());
      }
      for (const auto* v : conv2d_bwd_weights_variants()) {
        auto plan = v->plan(p, o);
        std::printf("%s threads %d: bwd_weights %-10s %.1f GFLOP/s  [%s]\n", d, threads,
                    std::string(v->name()).c_str(), gf / median_seconds([&] { plan->run(x, dy, dw, db); }),
                    plan->describe().c_str());
      }
      auto per_thread = conv2d_bwd::make_reduction_plan(p, o, conv2d_bwd::ReductionSplit::per_thread);
      std::printf("%s threads %d: bwd_weights reduction per-thread split %.1f GFLOP/s  [%s]\n", d, threads,
                  gf / median_seconds([&] { per_thread->run(x, dy, dw, db); }), per_thread->describe().c_str());
    }
  }
}


// The cifar and resnet50 suites' conv layers at 1 thread, every rung but the
// naive ones and the baselines interleaved round by round (15 rounds: the
// median and the best, the best being the steadier on a shared machine),
// GFLOP/s with the forward's flops() as the work, and each over the forward.
// flock /tmp/convlab-cpu.lock build/bwd/tests/convlab_tests --gtest_also_run_disabled_tests
//   --gtest_filter='ConvBwd.DISABLED_SuiteTiming'
TEST(ConvBwd, DISABLED_SuiteTiming) {
  for (const char* suite : {"cifar", "resnet50"}) {
    for (const auto& e : load_suite(suite)) {
      const auto* pp = std::get_if<Conv2dParams>(&e.problem);
      if (pp == nullptr) continue;
      const char* only = std::getenv("CONVLAB_BWD_TIMING_LABEL");  // a substring of the labels to time
      if (only != nullptr && e.label.find(only) == std::string::npos) continue;
      const Conv2dParams& p = *pp;
      Floats x(p.input_elems()), w(p.weight_elems()), b(p.bias_elems()), y(p.output_elems()), dy(p.output_elems());
      fill_reals(x, 1), fill_reals(w, 2), fill_reals(b, 3), fill_reals(dy, 4);
      Floats dx(x.size()), dw(w.size()), db(b.size());
      const PlanOptions o{.threads = 1};
      std::vector<std::string> names{"forward parallel"};
      std::vector<std::function<void()>> runs;
      auto fwd = conv2d_variant("parallel").plan(p, w, b, o);
      runs.emplace_back([&] { fwd->run(x, y); });
      std::vector<std::unique_ptr<ConvBwdDataPlan>> dplans;
      std::vector<std::unique_ptr<ConvBwdWeightsPlan>> wplans;
      for (const auto* v : conv2d_bwd_data_variants()) {
        if (v->name() == "naive" || !v->supports(p)) continue;
        dplans.push_back(v->plan(p, w, o));
        names.push_back("data " + std::string(v->name()));
        runs.emplace_back([&, pl = dplans.back().get()] { pl->run(dy, dx); });
      }
      for (const auto* v : conv2d_bwd_weights_variants()) {
        if (v->name() == "naive" || !v->supports(p)) continue;
        wplans.push_back(v->plan(p, o));
        names.push_back("weights " + std::string(v->name()));
        runs.emplace_back([&, pl = wplans.back().get()] { pl->run(x, dy, dw, db); });
      }
      std::vector<std::vector<double>> t(runs.size());
      for (auto& r : runs) r();  // warm
      const char* env_rounds = std::getenv("CONVLAB_BWD_TIMING_ROUNDS");
      const int rounds = env_rounds != nullptr ? std::max(1, std::atoi(env_rounds)) : 15;
      for (int round = 0; round < rounds; ++round)
        for (std::size_t i = 0; i < runs.size(); ++i) {
          const auto t0 = std::chrono::steady_clock::now();
          runs[i]();
          t[i].push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        }
      const double gf = double(p.flops()) * 1e-9;
      std::vector<double> rate, best;
      for (auto& ti : t) {
        std::sort(ti.begin(), ti.end());
        rate.push_back(gf / ti[rounds / 2]);
        best.push_back(gf / ti[0]);
      }
      std::printf("%s %s (%s)\n", suite, e.label.c_str(), format_descriptor(p).c_str());
      for (std::size_t i = 0; i < runs.size(); ++i)
        std::printf("  %-22s %7.1f GFLOP/s  %5.2fx forward   (best %7.1f, %5.2fx)\n", names[i].c_str(), rate[i],
                    rate[i] / rate[0], best[i], best[i] / best[0]);
      for (const auto& pl : wplans)
        if (!pl->describe().empty()) std::printf("    [%s]\n", pl->describe().c_str());
      for (const auto& pl : dplans)
        if (!pl->describe().empty()) std::printf("    [%s]\n", pl->describe().c_str());
    }
  }
}

}  // namespace
}  // namespace convlab::testing

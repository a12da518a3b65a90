// The backward pass's cross-check, as `convlab check --pass bwd` runs it
// (check.hpp: ConvBwdCase, PoolBwdCase, ProblemCase::check(op, ...)), and the
// pass/op/name plumbing the CLI and the benchmark share (timed_job.hpp): every
// registered backward variant passes; a refusal is a skip with its reason (a
// relu1 pool shape too); deliberately wrong variants (a wrong element, an
// unwritten one, a write past the end, a wrong bias gradient, a wrong pooling
// gradient) fail with a readable detail; unknown names and ops are named.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "convlab/backward.hpp"
#include "convlab/check.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/reference.hpp"
#include "convlab/registry.hpp"
#include "convlab/registry_backward.hpp"
#include "convlab/timed_job.hpp"
#include "tester.hpp"

namespace convlab::testing {
namespace {

const char* const kConvShapes[] = {"mb2ic3ih9oc4kh3ph1", "g2mb2ic4ih8iw7oc6kh3kw2sh2pt1pb0pl1pr0",
                                   "mb3ic5ih7oc3kh2dh1sh2", "mb2ic16ih13oc32kh3bias0"};
const char* const kPoolShapes[] = {"max:mb1ic2ih8kh2", "max:mb2ic3ih9kh3sh1ph1", "avg_p:mb2ic3ih9kh3sh2ph1ceil1",
                                   "avg_np:mb1ic2ih7kh3sh2ph1", "avg_p:mb1ic3ih8kh2div3"};

void expect_pass_or_refusal(const CheckRow& r, VariantKind kind) {
  if (!r.supported) {
    EXPECT_NE(kind, VariantKind::ladder) << "a ladder rung refused a valid shape: " << describe(r);
    EXPECT_FALSE(r.detail.empty()) << describe(r);
    return;
  }
  EXPECT_TRUE(r.pass) << r.op << " " << describe(r);
}

TEST(BackwardCheck, EveryConvVariantPassesBothModesAndThreads) {
  for (const char* d : kConvShapes)
    for (const DataMode mode : {DataMode::exact, DataMode::bounded}) {
      const ConvBwdCase c(parse_conv2d(d), mode, 3);
      for (const int threads : {1, 2}) {
        const PlanOptions o{.threads = threads};
        for (const auto* v : conv2d_bwd_data_variants()) {
          const CheckRow r = c.check(*v, o);
          EXPECT_EQ(r.op, "conv2d_bwd_data");
          EXPECT_EQ(r.shape, format_descriptor(parse_conv2d(d)));
          expect_pass_or_refusal(r, v->kind());
          if (mode == DataMode::exact && r.supported) {
            EXPECT_EQ(r.max_error, 0.0) << describe(r);
          }
        }
        for (const auto* v : conv2d_bwd_weights_variants()) {
          const CheckRow r = c.check(*v, o);
          EXPECT_EQ(r.op, "conv2d_bwd_weights");
          expect_pass_or_refusal(r, v->kind());
          if (mode == DataMode::bounded && r.supported) {
            EXPECT_GT(r.bound, 0.0) << describe(r);
          }
        }
      }
    }
}

TEST(BackwardCheck, EveryPoolVariantPassesBothModes) {
  for (const char* d : kPoolShapes)
    for (const DataMode mode : {DataMode::exact, DataMode::bounded}) {
      const PoolBwdCase c(parse_pool2d(d), mode, 5);
      for (const auto* v : pool2d_bwd_variants()) {
        const CheckRow r = c.check(*v);
        EXPECT_EQ(r.op, "pool2d_bwd");
        EXPECT_EQ(r.shape, format_descriptor(parse_pool2d(d))) << "the descriptor as given, not with idx1";
        expect_pass_or_refusal(r, v->kind());
      }
    }
}

TEST(BackwardCheck, AFusedReluPoolShapeIsSkippedWithItsReason) {
  const PoolBwdCase c(parse_pool2d("max:mb1ic2ih8kh2relu1"), DataMode::exact);
  for (const auto* v : pool2d_bwd_variants()) {
    const CheckRow r = c.check(*v);
    EXPECT_FALSE(r.supported);
    EXPECT_FALSE(r.pass);
    EXPECT_NE(r.detail.find("relu1"), std::string::npos) << r.detail;
  }
}

// --- deliberately wrong variants ------------------------------------------------
enum class Fault { none, wrong_element, unwritten_element, past_the_end, wrong_bias, refuses };

class FaultyDataPlan final : public ConvBwdDataPlan {
 public:
  FaultyDataPlan(const Conv2dParams& p, const float* w, const PlanOptions& o, Fault f)
      : ConvBwdDataPlan(p, o), w_(w), fault_(f) {}

 private:
  void execute(const float* dy, float* dx) override {
    const Conv2dParams& p = params();
    const std::size_t n = static_cast<std::size_t>(p.input_elems());
    reference_conv2d_bwd_data(p, {dy, static_cast<std::size_t>(p.output_elems())},
                              {w_, static_cast<std::size_t>(p.weight_elems())}, {dx, n});
    if (fault_ == Fault::wrong_element) dx[n / 2] += 1.0f;
    if (fault_ == Fault::unwritten_element) dx[n - 1] = -7.0e33f;  // what the check pre-fills: never written
    if (fault_ == Fault::past_the_end) dx[n] = 0.0f;               // one float past the output (a guard zone)
  }
  const float* w_;
  Fault fault_;
};

class FaultyData final : public ConvBwdDataVariant {
 public:
  explicit FaultyData(Fault f) : fault_(f) {}
  std::string_view name() const override { return "faulty"; }
  std::string_view summary() const override { return "the oracle, then a deliberate fault"; }
  VariantKind kind() const override { return VariantKind::branch; }
  Support supports(const Conv2dParams&) const override {
    return fault_ == Fault::refuses ? Support::no("refuses every shape, on purpose") : Support::yes();
  }

 protected:
  std::unique_ptr<ConvBwdDataPlan> make_plan(const Conv2dParams& p, const float* w,
                                             const PlanOptions& o) const override {
    return std::make_unique<FaultyDataPlan>(p, w, o, fault_);
  }

 private:
  Fault fault_;
};

class FaultyWeightsPlan final : public ConvBwdWeightsPlan {
 public:
  FaultyWeightsPlan(const Conv2dParams& p, const PlanOptions& o, Fault f) : ConvBwdWeightsPlan(p, o), fault_(f) {}

 private:
  void execute(const float* x, const float* dy, float* dw, float* db) override {
    const Conv2dParams& p = params();
    reference_conv2d_bwd_weights(p, {x, static_cast<std::size_t>(p.input_elems())},
                                 {dy, static_cast<std::size_t>(p.output_elems())},
                                 {dw, static_cast<std::size_t>(p.weight_elems())},
                                 {db, static_cast<std::size_t>(p.bias_elems())});
    if (fault_ == Fault::wrong_bias) db[0] *= 2.0f;
    if (fault_ == Fault::wrong_element) dw[0] += 0.5f;
  }
  Fault fault_;
};

class FaultyWeights final : public ConvBwdWeightsVariant {
 public:
  explicit FaultyWeights(Fault f) : fault_(f) {}
  std::string_view name() const override { return "faulty"; }
  std::string_view summary() const override { return "the oracle, then a deliberate fault"; }

 protected:
  std::unique_ptr<ConvBwdWeightsPlan> make_plan(const Conv2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<FaultyWeightsPlan>(p, o, fault_);
  }

 private:
  Fault fault_;
};

// Max pooling's gradient sent to the wrong input of each window: the first one.
class WrongArgmaxPlan final : public PoolBwdPlan {
 public:
  WrongArgmaxPlan(const Pool2dParams& p, const PlanOptions& o) : PoolBwdPlan(p, o) {}

 private:
  void execute(const float* dy, const int64_t* indices, float* dx) override {
    const Pool2dParams& p = params();
    const std::size_t out = static_cast<std::size_t>(p.output_elems());
    std::vector<int64_t> first(out, 0);
    for (std::size_t i = 0; i < out; ++i) first[i] = indices[i] == 0 ? 1 : 0;
    reference_pool2d_bwd(p, {dy, out}, first, {dx, static_cast<std::size_t>(p.input_elems())});
  }
};

class WrongArgmax final : public PoolBwdVariant {
 public:
  std::string_view name() const override { return "wrong_argmax"; }
  std::string_view summary() const override { return "routes every gradient to a wrong input"; }

 protected:
  std::unique_ptr<PoolBwdPlan> make_plan(const Pool2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<WrongArgmaxPlan>(p, o);
  }
};

TEST(BackwardCheck, TheOracleBehindTheInterfacePasses) {
  const ConvBwdCase c(parse_conv2d("mb2ic3ih9oc4kh3ph1"), DataMode::bounded);
  EXPECT_TRUE(c.check(FaultyData(Fault::none)).pass);
  EXPECT_TRUE(c.check(FaultyWeights(Fault::none)).pass);
}

TEST(BackwardCheck, ARefusalIsASkipWithItsReason) {
  const CheckRow r = ConvBwdCase(parse_conv2d("mb2ic3ih9oc4kh3ph1"), DataMode::exact).check(FaultyData(Fault::refuses));
  EXPECT_FALSE(r.supported);
  EXPECT_FALSE(r.pass);
  EXPECT_EQ(r.detail, "refuses every shape, on purpose");
}

TEST(BackwardCheck, WrongOutputsFailWithTheirDetail) {
  for (const DataMode mode : {DataMode::exact, DataMode::bounded}) {
    SCOPED_TRACE(to_string(mode));
    const ConvBwdCase c(parse_conv2d("mb2ic3ih9oc4kh3ph1"), mode);
    const CheckRow wrong = c.check(FaultyData(Fault::wrong_element));
    EXPECT_TRUE(wrong.supported);
    EXPECT_FALSE(wrong.pass);
    EXPECT_GT(wrong.max_error, 0.5);

    const CheckRow unwritten = c.check(FaultyData(Fault::unwritten_element));
    EXPECT_FALSE(unwritten.pass);

    const CheckRow past = c.check(FaultyData(Fault::past_the_end));
    EXPECT_FALSE(past.pass);
    EXPECT_NE(past.detail.find("dx: wrote past the end"), std::string::npos) << past.detail;

    const CheckRow bias = c.check(FaultyWeights(Fault::wrong_bias));
    EXPECT_FALSE(bias.pass);
    EXPECT_EQ(bias.detail.rfind("db: ", 0), 0u) << bias.detail;

    const CheckRow dw = c.check(FaultyWeights(Fault::wrong_element));
    EXPECT_FALSE(dw.pass);
    EXPECT_EQ(dw.detail.rfind("dw: ", 0), 0u) << dw.detail;
  }
  const CheckRow pool = PoolBwdCase(parse_pool2d("max:mb1ic2ih8kh2"), DataMode::exact).check(WrongArgmax());
  EXPECT_FALSE(pool.pass);
  EXPECT_FALSE(pool.detail.empty());
}

// --- by name, as the CLI walks them -------------------------------------------------
TEST(BackwardCheck, ProblemCaseChecksEveryOpByName) {
  const ProblemCase conv(parse_problem("mb2ic3ih9oc4kh3ph1"), DataMode::exact);
  EXPECT_TRUE(conv.check("conv2d", "naive", {}).pass);
  EXPECT_TRUE(conv.check("naive").pass);  // the forward, as before
  EXPECT_TRUE(conv.check("conv2d_bwd_data", "as_forward", {}).pass);
  EXPECT_TRUE(conv.check("conv2d_bwd_weights", "reduction", {}).pass);
  EXPECT_EQ(conv.check("conv2d_bwd_weights", "naive", {}).op, "conv2d_bwd_weights");
  const ProblemCase pool(parse_problem("max:mb1ic2ih8kh2"), DataMode::bounded);
  EXPECT_TRUE(pool.check("pool2d_bwd", "naive", {}).pass);
  const auto field = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(field([&] { conv.check("conv2d_bwd_data", "nosuch", {}); }), "variant");
  EXPECT_EQ(field([&] { conv.check("pool2d_bwd", "naive", {}); }), "op");
  EXPECT_EQ(field([&] { pool.check("conv2d_bwd_weights", "naive", {}); }), "op");
}

TEST(BackwardCheck, SelectionWalksThePassesListsAndNamesItsErrors) {
  const Problem conv = parse_problem("mb1ic3ih9oc4kh3");
  const Problem pool = parse_problem("max:mb1ic2ih8kh2");
  const auto ops = [](const std::vector<VariantSelection::Item>& items) {
    std::vector<std::string> out;
    for (const auto& i : items)
      if (out.empty() || out.back() != i.op) out.emplace_back(i.op);
    return out;
  };
  EXPECT_EQ(ops(VariantSelection({}, Pass::fwd).on(conv)), std::vector<std::string>{"conv2d"});
  EXPECT_EQ(ops(VariantSelection({}, Pass::bwd).on(conv)),
            (std::vector<std::string>{"conv2d_bwd_data", "conv2d_bwd_weights"}));
  EXPECT_EQ(ops(VariantSelection({}, Pass::all).on(pool)), (std::vector<std::string>{"pool2d", "pool2d_bwd"}));
  EXPECT_EQ(VariantSelection({}, Pass::bwd).on(conv).size(),
            conv2d_bwd_data_variants().size() + conv2d_bwd_weights_variants().size());

  // Bare names are forward variants in any pass; op/name picks that op's.
  const VariantSelection named({"naive", "conv2d_bwd_data/as_forward", "pool2d_bwd/naive"}, Pass::bwd);
  const auto on_conv = named.on(conv);
  ASSERT_EQ(on_conv.size(), 2u);
  EXPECT_STREQ(on_conv[0].op, "conv2d");
  EXPECT_EQ(on_conv[0].variant, "naive");
  EXPECT_STREQ(on_conv[1].op, "conv2d_bwd_data");
  EXPECT_EQ(on_conv[1].variant, "as_forward");
  const auto on_pool = named.on(pool);
  ASSERT_EQ(on_pool.size(), 2u);
  EXPECT_STREQ(on_pool[1].op, "pool2d_bwd");

  const auto field = [](auto f) {
    try {
      f();
    } catch (const Error& e) {
      return e.field();
    }
    return std::string("(accepted)");
  };
  EXPECT_EQ(field([] { VariantSelection({"conv2d_bwd_data/nosuch"}, Pass::bwd); }), "variant");
  EXPECT_EQ(field([] { VariantSelection({"as_forward"}, Pass::bwd); }), "variant");  // a bare name is forward
  EXPECT_EQ(field([] { VariantSelection({"nosuch/naive"}, Pass::all); }), "variant");
  EXPECT_EQ(field([] { VariantSelection({"conv2d_bwd_data/naive"}, Pass::fwd); }), "pass");
  EXPECT_EQ(field([] { parse_pass("sideways"); }), "pass");
  EXPECT_EQ(parse_pass("all"), Pass::all);
}

TEST(BackwardCheck, TimedJobsCountTheForwardsFlopsAndPoolingsBytes) {
  const Problem conv = parse_problem("mb2ic3ih9oc4kh3ph1");
  const auto& p = std::get<Conv2dParams>(conv);
  for (const char* op : {"conv2d_bwd_data", "conv2d_bwd_weights"}) {
    TimedJob j = make_timed_job(conv, op, "naive", {});
    EXPECT_STREQ(j.op, op);
    EXPECT_EQ(j.flops, static_cast<double>(p.flops()));
    EXPECT_EQ(j.work, j.flops);
    EXPECT_TRUE(j.counts_flops);
    EXPECT_NO_THROW(j.call());
  }
  const Problem max = parse_problem("max:mb1ic2ih8kh2");
  TimedJob m = make_timed_job(max, "pool2d_bwd", "naive", {});
  EXPECT_FALSE(m.counts_flops);
  EXPECT_EQ(m.bytes, 4.0 * (32 + 128) + 8.0 * 32);  // dy + dx + the argmax
  EXPECT_EQ(m.work, m.bytes);
  EXPECT_NO_THROW(m.call());
  TimedJob a = make_timed_job(parse_problem("avg_p:mb1ic2ih8kh2"), "pool2d_bwd", "naive", {});
  EXPECT_EQ(a.bytes, 4.0 * (32 + 128));
  EXPECT_NO_THROW(a.call());
  EXPECT_FALSE(supports(parse_problem("max:mb1ic2ih8kh2relu1"), "pool2d_bwd", "naive"));
  EXPECT_THROW(make_timed_job(parse_problem("max:mb1ic2ih8kh2relu1"), "pool2d_bwd", "naive", {}), Error);
}

}  // namespace
}  // namespace convlab::testing

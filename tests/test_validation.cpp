// Bad input: every case must be rejected with a convlab::Error naming the
// right field, by the one validation point, before any variant runs.
#include <gtest/gtest.h>

#include <functional>
#include <limits>

#include "convlab/descriptor.hpp"
#include "convlab/error.hpp"
#include "convlab/reference.hpp"
#include "convlab/registry.hpp"
#include "convlab/suite.hpp"
#include "convlab/tensor.hpp"

namespace convlab {
namespace {

struct BadCase {
  const char* name;
  const char* descriptor;
  const char* field;  // the field the error must name
};

const BadCase kBadDescriptors[] = {
    {"zero_stride", "mb1ic3ih28oc16kh3sh0", "sh"},
    {"zero_stride_width", "mb1ic3ih28oc16kh3sw0", "sw"},
    {"negative_stride", "mb1ic3ih28oc16kh3sh-2", "sh"},
    {"negative_batch", "mb-1ic3ih28oc16kh3", "mb"},
    {"zero_input_channels", "mb1ic0ih28oc16kh3", "ic"},
    {"negative_height", "mb1ic3ih-4oc16kh3", "ih"},
    {"zero_width", "mb1ic3ih28iw0oc16kh3", "iw"},
    {"zero_output_channels", "mb1ic3ih28oc0kh3", "oc"},
    {"zero_kernel", "mb1ic3ih28oc16kh0", "kh"},
    {"zero_kernel_width", "mb1ic3ih28oc16kh3kw0", "kw"},
    {"negative_padding", "mb1ic3ih28oc16kh3ph-1", "ph"},
    {"negative_padding_width", "mb1ic3ih28oc16kh3pw-1", "pw"},
    {"negative_padding_top", "mb1ic3ih28oc16kh3pt-1", "pt"},
    {"negative_padding_right", "mb1ic3ih28oc16kh3pr-2", "pr"},
    {"padding_height_and_top_together", "mb1ic3ih28oc16kh3ph1pt1", "pt"},
    {"padding_width_and_right_together", "mb1ic3ih28oc16kh3pw1pr0", "pr"},
    {"one_sided_padding_still_too_small", "mb1ic3ih2oc16kh4pt1", "kh"},
    {"negative_dilation", "mb1ic3ih28oc16kh3dh-1", "dh"},
    {"groups_do_not_divide_input_channels", "g2mb1ic3ih28oc16kh3", "g"},
    {"groups_do_not_divide_output_channels", "g3mb1ic3ih28oc16kh3", "g"},
    {"zero_groups", "g0mb1ic3ih28oc16kh3", "g"},
    {"kernel_larger_than_input", "mb1ic3ih2oc16kh3", "kh"},
    {"kernel_larger_than_padded_input_width", "mb1ic3ih8iw4oc16kh3kw7ph1pw1", "kw"},
    {"dilated_kernel_larger_than_input", "mb1ic3ih6oc16kh3dh2", "kh"},
    {"typo_in_key", "mb1icc3ih28oc16kh3", "icc"},
    {"unknown_key", "mb1ic3ih28oc16kh3zz4", "zz"},
    {"missing_value", "mb1ic3ihoc16kh3", "ih"},
    {"missing_required_oc", "mb1ic3ih28kh3", "oc"},
    {"missing_required_kernel", "mb1ic3ih28oc16", "kh"},
    {"key_given_twice", "mb1ic3ih28ic4oc16kh3", "ic"},
    {"value_overflows_int64", "mb1ic3ih99999999999999999999oc16kh3", "ih"},
    {"element_count_overflows", "mb4000000000ic4000000000ih1oc1kh1", "input"},
    {"weight_count_overflows", "mb1ic3037000500ih1oc3037000500kh1", "weights"},
    {"output_size_mismatch", "mb1ic3ih28oc16oh27kh3", "oh"},
    {"bias_flag_not_boolean", "mb1ic3ih28oc16kh3bias2", "bias"},
    {"stray_character", "mb1ic3ih28oc16kh3!", "descriptor"},
    {"unclosed_label", "mb1ic3ih28oc16kh3n\"oops", "n"},
    {"pool_unknown_algorithm", "maxx:mb1ic1ih4kh2", "alg"},
    {"pool_padding_over_half_kernel", "max:mb1ic1ih8kh2ph2", "ph"},
    {"pool_padding_over_half_kernel_width", "max:mb1ic1ih8kh3kw2pw2", "pw"},
    {"pool_avg_with_dilation", "avg_p:mb1ic1ih8kh2dh1", "dh"},
    {"pool_kernel_larger_than_input", "max:mb1ic1ih2kh5ph1", "kh"},
    {"pool_zero_stride", "max:mb1ic1ih8kh2sh0", "sh"},
    {"pool_zero_channels", "max:mb1ic0ih8kh2", "ic"},
    {"pool_ceil_not_boolean", "max:mb1ic1ih8kh2ceil3", "ceil"},
    {"pool_relu_not_boolean", "max:mb1ic1ih8kh2relu2", "relu"},
    {"pool_window_larger_than_input_without_ceil", "max:mb1ic1ih2kh3sh2", "kh"},
    {"pool_zero_divisor", "avg_p:mb1ic1ih8kh2div0", "div"},
    {"pool_divisor_for_max", "max:mb1ic1ih8kh2div3", "div"},
    {"pool_indices_for_avg", "avg_np:mb1ic1ih8kh2idx1", "idx"},
    {"pool_indices_not_boolean", "max:mb1ic1ih8kh2idx2", "idx"},
    {"pool_has_no_one_sided_padding", "max:mb1ic1ih8kh2pt1", "pt"},
    {"conv_has_no_relu_key", "mb1ic3ih28oc16kh3relu1", "relu"},
    {"pool_conv_key_oc", "max:mb1ic1ih8oc3kh2", "oc"},
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.descriptor; }

class BadDescriptor : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadDescriptor, IsRejectedNamingTheField) {
  const BadCase& c = GetParam();
  try {
    parse_problem(c.descriptor);
    FAIL() << c.descriptor << " was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), c.field) << "message: " << e.what();
    EXPECT_NE(std::string(e.what()).find(c.field), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(All, BadDescriptor, ::testing::ValuesIn(kBadDescriptors),
                         [](const auto& info) { return std::string(info.param.name); });

// The struct path reaches the same validation as the descriptor path.
TEST(Validation, StructWithZeroStrideNamesSh) {
  Conv2dParams p{.mb = 1, .ic = 1, .ih = 4, .iw = 4, .oc = 1, .kh = 3, .kw = 3, .sh = 0};
  try {
    validate(p);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), "sh");
  }
}

TEST(Validation, HugeDilationDoesNotOverflowBeforeBeingRejected) {
  Conv2dParams p{.mb = 1, .ic = 1, .ih = 4, .iw = 4, .oc = 1, .kh = 3, .kw = 3};
  p.dh = std::numeric_limits<int64_t>::max();
  EXPECT_THROW(validate(p), Error);
  p.dh = 0;
  p.pt = std::numeric_limits<int64_t>::max();
  EXPECT_THROW(validate(p), Error);
}

// Found by fuzzing the parser: with a 1-wide kernel the effective kernel is 1
// whatever the dilation, but dh + 1 itself overflowed int64_t.
TEST(Validation, DilationWhosePlusOneOverflowsIsRejected) {
  for (const char* d : {"mb1ic1ih8oc1kh1dh9223372036854775807", "mb1ic1ih8oc1kh1dw9223372036854775807",
                        "max:mb1ic1ih8kh1dh9223372036854775807"}) {
    try {
      parse_problem(d);
      ADD_FAILURE() << d << " was accepted";
    } catch (const Error& e) {
      EXPECT_TRUE(e.field() == "dh" || e.field() == "dw") << e.what();
    }
  }
}

Conv2dParams small_conv() { return parse_conv2d("mb1ic2ih6oc3kh3"); }

void expect_field(const std::function<void()>& f, const std::string& field) {
  try {
    f();
    FAIL() << "accepted; expected an error naming " << field;
  } catch (const Error& e) {
    EXPECT_EQ(e.field(), field) << e.what();
  }
}

TEST(Validation, EveryVariantRejectsWrongBufferSizes) {
  const Conv2dParams p = small_conv();
  std::vector<float> w(static_cast<std::size_t>(p.weight_elems())), b(3), x(static_cast<std::size_t>(p.input_elems())),
      y(static_cast<std::size_t>(p.output_elems()));
  std::vector<float> short_w(w.size() - 1), long_x(x.size() + 1), short_y(y.size() - 1);
  for (const auto* v : conv2d_variants()) {
    SCOPED_TRACE(std::string(v->name()));
    if (!v->supports(p)) {  // a branch that refuses the shape says so, naming itself
      expect_field([&] { v->plan(p, w, b); }, "variant");
      continue;
    }
    expect_field([&] { v->plan(p, short_w, b); }, "weights");
    expect_field([&] { v->plan(p, w, {}); }, "bias");
    auto plan = v->plan(p, w, b);
    expect_field([&] { plan->run(long_x, y); }, "input");
    expect_field([&] { plan->run(x, short_y); }, "output");
  }
}

TEST(Validation, EveryPoolVariantRejectsWrongBufferSizes) {
  const Pool2dParams p = parse_pool2d("max:mb1ic2ih6kh2");
  std::vector<float> x(static_cast<std::size_t>(p.input_elems())), y(static_cast<std::size_t>(p.output_elems()));
  std::vector<float> short_x(x.size() - 1), long_y(y.size() + 1);
  for (const auto* v : pool2d_variants()) {
    SCOPED_TRACE(std::string(v->name()));
    auto plan = v->plan(p);
    expect_field([&] { plan->run(short_x, y); }, "input");
    expect_field([&] { plan->run(x, long_y); }, "output");
  }
}

TEST(Validation, PlanOptionsAreChecked) {
  const Conv2dParams p = small_conv();
  std::vector<float> w(static_cast<std::size_t>(p.weight_elems())), b(3);
  PlanOptions o;
  o.threads = 0;
  expect_field([&] { conv2d_variants()[0]->plan(p, w, b, o); }, "threads");
}

TEST(Validation, InvalidStructNeverReachesAVariant) {
  Conv2dParams p = small_conv();
  p.g = 4;  // does not divide ic=2
  std::vector<float> w(64), b(3);
  for (const auto* v : conv2d_variants()) expect_field([&] { v->plan(p, w, b); }, "g");
}

TEST(Validation, ReferenceValidatesToo) {
  Conv2dParams p = small_conv();
  p.kh = 9;
  std::vector<float> none;
  expect_field([&] { reference_conv2d(p, none, none, none, none); }, "kh");
}

TEST(Validation, UnknownSuiteNamesTheSuite) {
  expect_field([] { load_suite("no-such-suite"); }, "suite");
}

TEST(Validation, UnknownIsaIsNamed) { expect_field([] { parse_isa("avx1024"); }, "isa"); }

// --isa above this CPU is refused once, up front (check had printed a FAIL
// row per variant). On an AVX-512 machine nothing is above; the AVX2 CI
// machine checks avx512.
TEST(Validation, IsaAboveThisCpuIsRefusedNamingIt) {
  for (Isa isa : {Isa::sse42, Isa::avx2, Isa::avx512}) {
    if (static_cast<int>(isa) <= static_cast<int>(detected_isa()))
      EXPECT_EQ(parse_runnable_isa(to_string(isa)), isa);
    else
      expect_field([isa] { parse_runnable_isa(to_string(isa)); }, "isa");
  }
}

TEST(Validation, NegativeTensorDimensionIsNamed) {
  expect_field([] { Tensor t({2, -1}); }, "shape[1]");
}

}  // namespace
}  // namespace convlab

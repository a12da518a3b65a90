// Builder-style testers (after XNNPACK's): describe a problem with setters,
// then check one variant or every registered one against the reference.
//
//   ConvTester().mb(2).ic(3).hw(17, 17).oc(5).k(3, 3).stride(2, 2).pad(1, 1).check(variant, DataMode::exact);
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "convlab/check.hpp"
#include "convlab/descriptor.hpp"
#include "convlab/registry.hpp"

namespace convlab::testing {

// Names for INSTANTIATE_TEST_SUITE_P: gtest allows only [A-Za-z0-9_].
// The random sweeps' size: 300 problems per variant, or what
// CONVLAB_SWEEP_PROBLEMS says (scripts/test --long: 2000, every problem in
// both data modes).
inline int sweep_problems() {
  const char* e = std::getenv("CONVLAB_SWEEP_PROBLEMS");
  const long n = e ? std::strtol(e, nullptr, 10) : 0;
  return n > 0 && n <= 1'000'000 ? static_cast<int>(n) : 300;
}
inline bool sweep_is_long() { return sweep_problems() > 300; }

inline std::string test_name(std::string s) {
  for (char& c : s)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return s;
}

inline std::vector<std::string> conv2d_variant_names() {
  std::vector<std::string> out;
  for (const auto* v : conv2d_variants()) out.emplace_back(v->name());
  return out;
}
inline std::vector<std::string> pool2d_variant_names() {
  std::vector<std::string> out;
  for (const auto* v : pool2d_variants()) out.emplace_back(v->name());
  return out;
}

inline std::string describe(const CheckRow& r) {
  return r.variant + " on " + r.shape + " (" + to_string(r.mode) + ", threads " +
         std::to_string(r.options.threads) + ", isa " + to_string(r.options.isa) + "): " + r.detail;
}

// Expects a pass; a step of the ladder must support every valid shape (a
// branch or a baseline may refuse one, with its reason).
inline void expect_pass(const CheckRow& r, bool must_support) {
  if (!r.supported) {
    if (must_support) ADD_FAILURE() << "ladder step refused a valid shape: " << describe(r);
    return;
  }
  EXPECT_TRUE(r.pass) << describe(r);
}

class ConvTester {
 public:
  ConvTester& mb(int64_t v) { return p_.mb = v, *this; }
  ConvTester& ic(int64_t v) { return p_.ic = v, *this; }
  ConvTester& oc(int64_t v) { return p_.oc = v, *this; }
  ConvTester& hw(int64_t h, int64_t w) { return p_.ih = h, p_.iw = w, *this; }
  ConvTester& k(int64_t h, int64_t w) { return p_.kh = h, p_.kw = w, *this; }
  ConvTester& stride(int64_t h, int64_t w) { return p_.sh = h, p_.sw = w, *this; }
  ConvTester& pad(int64_t h, int64_t w) { return p_.pt = p_.pb = h, p_.pl = p_.pr = w, *this; }
  ConvTester& pad(int64_t top, int64_t bottom, int64_t left, int64_t right) {
    return p_.pt = top, p_.pb = bottom, p_.pl = left, p_.pr = right, *this;
  }
  ConvTester& dilation(int64_t dh, int64_t dw) { return p_.dh = dh, p_.dw = dw, *this; }  // benchdnn: 0 = dense
  ConvTester& groups(int64_t g) { return p_.g = g, *this; }
  ConvTester& bias(bool b) { return p_.bias = b, *this; }
  ConvTester& params(const Conv2dParams& p) { return p_ = p, *this; }
  ConvTester& threads(int t) { return o_.threads = t, *this; }
  ConvTester& isa(Isa i) { return o_.isa = i, *this; }
  const Conv2dParams& params() const { return p_; }

  void check(const ConvVariant& v, DataMode mode, uint64_t seed = 1) const {
    SCOPED_TRACE(format_descriptor(p_));
    expect_pass(ConvCase(p_, mode, seed).check(v, o_), v.kind() == VariantKind::ladder);
  }
  void check_all(DataMode mode, uint64_t seed = 1) const {
    SCOPED_TRACE(format_descriptor(p_));
    const ConvCase c(p_, mode, seed);
    for (const auto* v : conv2d_variants()) expect_pass(c.check(*v, o_), v->kind() == VariantKind::ladder);
  }

 private:
  Conv2dParams p_{.mb = 1, .ic = 1, .ih = 5, .iw = 5, .oc = 1, .kh = 3, .kw = 3};
  PlanOptions o_;
};

class PoolTester {
 public:
  PoolTester& alg(PoolAlg a) { return p_.alg = a, *this; }
  PoolTester& mb(int64_t v) { return p_.mb = v, *this; }
  PoolTester& ic(int64_t v) { return p_.ic = v, *this; }
  PoolTester& hw(int64_t h, int64_t w) { return p_.ih = h, p_.iw = w, *this; }
  PoolTester& k(int64_t h, int64_t w) { return p_.kh = h, p_.kw = w, p_.sh = h, p_.sw = w, *this; }  // stride = kernel
  PoolTester& stride(int64_t h, int64_t w) { return p_.sh = h, p_.sw = w, *this; }
  PoolTester& pad(int64_t h, int64_t w) { return p_.ph = h, p_.pw = w, *this; }
  PoolTester& dilation(int64_t dh, int64_t dw) { return p_.dh = dh, p_.dw = dw, *this; }
  PoolTester& ceil_mode(bool c) { return p_.ceil_mode = c, *this; }
  PoolTester& params(const Pool2dParams& p) { return p_ = p, *this; }
  PoolTester& threads(int t) { return o_.threads = t, *this; }
  PoolTester& isa(Isa i) { return o_.isa = i, *this; }
  const Pool2dParams& params() const { return p_; }

  PoolTester& divisor(int64_t d) { return p_.divisor = d, *this; }
  PoolTester& indices(bool i) { return p_.indices = i, *this; }

  // Every ladder step takes every shape, except that only the scalar steps
  // (naive, interior_edge) write indices (idx1).
  void check(const PoolVariant& v, DataMode mode, uint64_t seed = 1) const {
    SCOPED_TRACE(format_descriptor(p_));
    expect_pass(PoolCase(p_, mode, seed).check(v, o_), must_support(v));
  }
  void check_all(DataMode mode, uint64_t seed = 1) const {
    SCOPED_TRACE(format_descriptor(p_));
    const PoolCase c(p_, mode, seed);
    for (const auto* v : pool2d_variants()) expect_pass(c.check(*v, o_), must_support(*v));
  }
  bool must_support(const PoolVariant& v) const {
    return v.kind() == VariantKind::ladder && (!p_.indices || v.name() == "naive" || v.name() == "interior_edge");
  }

 private:
  Pool2dParams p_{.mb = 1, .ic = 1, .ih = 4, .iw = 4, .kh = 2, .kw = 2, .sh = 2, .sw = 2};
  PlanOptions o_;
};

}  // namespace convlab::testing

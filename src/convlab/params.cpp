#include "convlab/params.hpp"

#include <initializer_list>
#include <limits>
#include <utility>
#include <string>

#include "convlab/error.hpp"

namespace convlab {

namespace {

std::string str(int64_t v) { return std::to_string(v); }

void require_at_least(const char* field, int64_t value, int64_t min, const char* what) {
  if (value < min)
    throw Error(field, str(value), std::string(what) + " must be >= " + str(min));
}

// a*b, or an Error naming `field` when the product leaves int64_t.
int64_t checked_mul(int64_t a, int64_t b, const char* field, const std::string& formula) {
  int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r))
    throw Error(field, formula, "count overflows 64 bits");
  return r;
}
int64_t checked_add(int64_t a, int64_t b, const char* field, const std::string& formula) {
  int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r))
    throw Error(field, formula, "count overflows 64 bits");
  return r;
}

// Effective kernel (kernel with dilation) against the padded input, one axis.
// 128-bit arithmetic: the inputs are not yet known to be sane. `out` is the
// output size the problem derives (it may exceed 0 with ek > padded: pooling's
// ceil mode), computed only once the padded input is known to fit.
struct Axis {
  const char *kfield, *axis, *in_name, *pad_text, *o_name;
  int64_t in, k, before, after, d;
};
void check_window_fits(const Axis& a, auto out_size) {
  constexpr __int128 kMax = std::numeric_limits<int64_t>::max();
  const __int128 padded = __int128(a.in) + __int128(a.before) + __int128(a.after);
  if (padded > kMax)
    throw Error(a.pad_text, str(a.before), std::string("padded input ") + a.in_name + "+" +
                                                a.pad_text + " overflows 64 bits");
  const __int128 ek = (__int128(a.k) - 1) * (__int128(a.d) + 1) + 1;
  if (ek > kMax)
    throw Error(a.kfield, str(a.k), std::string("effective kernel ") + a.axis +
                                        " (with dilation) is beyond 2^63");
  if (out_size() < 1) {
    throw Error(a.kfield, str(a.k),
                std::string("effective kernel ") + a.axis + " " + str(int64_t(ek)) +
                    " (with dilation) exceeds the padded input " + a.axis + " " +
                    str(int64_t(padded)) + " (" + a.in_name + " " + str(a.in) + " + " +
                    a.pad_text + "), so the output " + a.axis + " " + a.o_name + " would be < 1");
  }
}

void check_bytes(const char* field, int64_t elems, const std::string& formula) {
  checked_mul(elems, 4, field, formula + "*4 bytes");
}

}  // namespace

const char* to_string(PoolAlg alg) {
  switch (alg) {
    case PoolAlg::max: return "max";
    case PoolAlg::avg_include_pad: return "avg_p";
    case PoolAlg::avg_exclude_pad: return "avg_np";
  }
  return "?";
}

int64_t Pool2dParams::out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                               bool ceil) {
  // 128-bit so that absurd strides cannot overflow before validation rejects them.
  const __int128 span = __int128(in) + 2 * __int128(p) - ((__int128(k) - 1) * (__int128(d) + 1) + 1) +
                        (ceil ? s - 1 : 0);
  const __int128 floor_div = span / s - (span % s != 0 && span < 0 ? 1 : 0);
  __int128 out = floor_div + 1;
  if (ceil && (out - 1) * s >= __int128(in) + p) --out;
  return static_cast<int64_t>(out);
}

namespace {

// Fields both problems share, in descriptor order: batch, channels, input,
// kernel, stride, padding, dilation.
template <class P>
void validate_shared_fields(const P& p, const char* channels) {
  require_at_least("mb", p.mb, 0, "batch (0 = an empty batch, as PyTorch allows)");
  require_at_least("ic", p.ic, 1, channels);
  require_at_least("ih", p.ih, 1, "input height");
  require_at_least("iw", p.iw, 1, "input width");
  require_at_least("kh", p.kh, 1, "kernel height");
  require_at_least("kw", p.kw, 1, "kernel width");
  require_at_least("sh", p.sh, 1, "stride");
  require_at_least("sw", p.sw, 1, "stride");
  require_at_least("dh", p.dh, 0, "dilation-1 (benchdnn: 0 = dense)");
  require_at_least("dw", p.dw, 0, "dilation-1 (benchdnn: 0 = dense)");
  // The dilation itself, dh + 1, must be an int64_t (ekh() computes it).
  for (const auto& [field, value] : {std::pair{"dh", p.dh}, std::pair{"dw", p.dw}})
    if (value == std::numeric_limits<int64_t>::max())
      throw Error(field, str(value), "dilation-1 must be below 2^63 - 1");
}

// The output size of one axis, unrounded by C++'s truncation towards zero.
int64_t conv_out_size(int64_t in, int64_t before, int64_t after, int64_t k, int64_t s,
                      int64_t d) {
  const __int128 span = __int128(in) + before + after - ((__int128(k) - 1) * (__int128(d) + 1) + 1);
  return span < 0 ? 0 : static_cast<int64_t>(span / s + 1);
}

// The product of the named factors, checked at every step; the error names
// `field` and the formula so far ("mb*ic*ih"). A count of floats must also
// fit as bytes.
int64_t checked_count(const char* field, std::initializer_list<std::pair<const char*, int64_t>> factors,
                      bool floats = true) {
  int64_t n = 1;
  std::string formula;
  for (const auto& [name, value] : factors) {
    if (!formula.empty()) formula += '*';
    formula += name;
    n = checked_mul(n, value, field, formula);
  }
  if (floats) check_bytes(field, n, formula);
  return n;
}

}  // namespace

void validate(const Conv2dParams& p) {
  validate_shared_fields(p, "input channels");
  require_at_least("pt", p.pt, 0, "padding");
  require_at_least("pb", p.pb, 0, "padding");
  require_at_least("pl", p.pl, 0, "padding");
  require_at_least("pr", p.pr, 0, "padding");
  require_at_least("oc", p.oc, 1, "output channels");
  require_at_least("g", p.g, 1, "groups");
  if (p.ic % p.g != 0)
    throw Error("g", str(p.g), "groups must divide the input channels ic=" + str(p.ic));
  if (p.oc % p.g != 0)
    throw Error("g", str(p.g), "groups must divide the output channels oc=" + str(p.oc));
  auto pads = [](const char* one, int64_t before, int64_t after, const char* b, const char* a) {
    return before == after ? std::string("2*") + one + " " + str(before)
                           : std::string(b) + " " + str(before) + " + " + a + " " + str(after);
  };
  const std::string pad_h = pads("ph", p.pt, p.pb, "pt", "pb"),
                    pad_w = pads("pw", p.pl, p.pr, "pl", "pr");
  check_window_fits({"kh", "height", "ih", pad_h.c_str(), "oh", p.ih, p.kh, p.pt, p.pb, p.dh},
                    [&] { return conv_out_size(p.ih, p.pt, p.pb, p.kh, p.sh, p.dh); });
  check_window_fits({"kw", "width", "iw", pad_w.c_str(), "ow", p.iw, p.kw, p.pl, p.pr, p.dw},
                    [&] { return conv_out_size(p.iw, p.pl, p.pr, p.kw, p.sw, p.dw); });

  const int64_t in = checked_count("input", {{"mb", p.mb}, {"ic", p.ic}, {"ih", p.ih}, {"iw", p.iw}});
  const int64_t wt = checked_count("weights", {{"oc", p.oc}, {"ic/g", p.icg()}, {"kh", p.kh}, {"kw", p.kw}});
  const int64_t out = checked_count("output", {{"mb", p.mb}, {"oc", p.oc}, {"oh", p.oh()}, {"ow", p.ow()}});
  checked_count("flops", {{"2", 2}, {"output", out}, {"ic/g", p.icg()}, {"kh", p.kh}, {"kw", p.kw}}, false);
  const int64_t all = checked_add(
      checked_add(checked_add(in, wt, "bytes", "input+weights"), out, "bytes",
                  "input+weights+output"),
      p.oc, "bytes", "input+weights+output+bias");
  check_bytes("bytes", all, "input+weights+bias+output");
}

void validate(const Pool2dParams& p) {
  validate_shared_fields(p, "channels");
  require_at_least("ph", p.ph, 0, "padding");
  require_at_least("pw", p.pw, 0, "padding");
  require_at_least("div", p.divisor, 0, "divisor_override (0 = none)");
  if (p.divisor != 0 && !p.is_avg())
    throw Error("div", str(p.divisor), "a divisor override is for average pooling only (PyTorch's avg_pool2d)");
  if (p.indices && p.is_avg())
    throw Error("idx", "1", "indices are for max pooling only (PyTorch's max_pool2d(return_indices=True))");
  if (p.is_avg() && p.dh != 0)
    throw Error("dh", str(p.dh), "average pooling has no dilation (PyTorch's avg_pool2d)");
  if (p.is_avg() && p.dw != 0)
    throw Error("dw", str(p.dw), "average pooling has no dilation (PyTorch's avg_pool2d)");
  // PyTorch: "pad should be at most half of kernel size".
  if (p.ph > p.kh / 2)
    throw Error("ph", str(p.ph), "padding must be at most half the kernel height kh=" + str(p.kh));
  if (p.pw > p.kw / 2)
    throw Error("pw", str(p.pw), "padding must be at most half the kernel width kw=" + str(p.kw));
  const std::string pad_h = "2*ph " + str(p.ph), pad_w = "2*pw " + str(p.pw);
  check_window_fits({"kh", "height", "ih", pad_h.c_str(), "oh", p.ih, p.kh, p.ph, p.ph, p.dh},
                    [&] { return Pool2dParams::out_size(p.ih, p.kh, p.sh, p.ph, p.dh, p.ceil_mode); });
  check_window_fits({"kw", "width", "iw", pad_w.c_str(), "ow", p.iw, p.kw, p.pw, p.pw, p.dw},
                    [&] { return Pool2dParams::out_size(p.iw, p.kw, p.sw, p.pw, p.dw, p.ceil_mode); });

  const int64_t in = checked_count("input", {{"mb", p.mb}, {"ic", p.ic}, {"ih", p.ih}, {"iw", p.iw}});
  const int64_t out = checked_count("output", {{"mb", p.mb}, {"ic", p.ic}, {"oh", p.oh()}, {"ow", p.ow()}});
  checked_mul(out, checked_add(checked_mul(p.kh, p.kw, "flops", "kh*kw"), 1, "flops", "kh*kw+1"),
              "flops", "output*(kh*kw+1)");
  check_bytes("bytes", checked_add(in, out, "bytes", "input+output"), "input+output");
}

}  // namespace convlab

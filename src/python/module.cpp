// _convlab: the C++ half of the Python package `convlab` (see __init__.py).
//
// NumPy arrays go straight to a variant's plan: a C-contiguous, aligned
// float32 array is used in place, anything else is refused with a TypeError
// or ValueError that names the Python argument and the shape it should have.
// Problems are checked by the library's one validation point (validate(),
// convlab::Error naming a field); this file only translates a field such as
// "sh" back to the Python argument ("stride") it came from.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "convlab/error.hpp"
#include "convlab/isa.hpp"
#include "convlab/params.hpp"
#include "convlab/registry.hpp"
#include "convlab/variant.hpp"

namespace py = pybind11;
using namespace convlab;

namespace {

// ---------------------------------------------------------------------------
// Errors: a Python argument name, then the library's "<field>=<value>: why".

[[noreturn]] void raise_value(const std::string& arg, const std::string& why) {
  throw py::value_error(arg + ": " + why);
}
[[noreturn]] void raise_type(const std::string& arg, const std::string& why) {
  throw py::type_error(arg + ": " + why);
}

std::string shape_text(const std::vector<int64_t>& dims) {
  std::string s = "(";
  for (std::size_t i = 0; i < dims.size(); ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
  return s + (dims.size() == 1 ? ",)" : ")");
}
std::string shape_text(const py::array& a) {
  return shape_text(std::vector<int64_t>(a.shape(), a.shape() + a.ndim()));
}

// Which Python argument a library field came from.
std::string conv_argument(const std::string& field) {
  static const std::pair<const char*, const char*> table[] = {
      {"mb", "x"},     {"ic", "x"},       {"ih", "x"},       {"iw", "x"},
      {"input", "x"},  {"oc", "w"},       {"kh", "w"},       {"kw", "w"},
      {"weights", "w"}, {"bias", "b"},    {"sh", "stride"},  {"sw", "stride"},
      {"pt", "padding"}, {"pb", "padding"}, {"pl", "padding"}, {"pr", "padding"},
      {"dh", "dilation"}, {"dw", "dilation"}, {"g", "groups"}, {"output", "out"}, {"threads", "threads"}, {"isa", "isa"},
      {"variant", "variant"}};
  for (auto [f, arg] : table)
    if (field == f) return arg;
  return field;
}
std::string pool_argument(const std::string& field) {
  static const std::pair<const char*, const char*> table[] = {
      {"mb", "x"},      {"ic", "x"},       {"ih", "x"},       {"iw", "x"},
      {"input", "x"},   {"kh", "kernel_size"}, {"kw", "kernel_size"},
      {"sh", "stride"}, {"sw", "stride"},  {"ph", "padding"}, {"pw", "padding"},
      {"dh", "dilation"}, {"dw", "dilation"}, {"output", "out"}, {"div", "divisor_override"},
      {"threads", "threads"}, {"isa", "isa"}, {"variant", "variant"}};
  for (auto [f, arg] : table)
    if (field == f) return arg;
  return field;
}

// Runs f, turning a convlab::Error into a ValueError that names the argument.
template <class F>
auto translated(std::string (*argument_of)(const std::string&), F&& f) {
  try {
    return f();
  } catch (const Error& e) {
    raise_value(argument_of(e.field()), e.what());
  }
}

// ---------------------------------------------------------------------------
// Arguments: ints or (h, w) pairs, as PyTorch takes them.

int64_t as_int(py::handle obj, const std::string& arg, const char* expected = "an int") {
  if (py::isinstance<py::bool_>(obj) || !PyIndex_Check(obj.ptr()))
    raise_type(arg, std::string("expected ") + expected + ", got " +
                        std::string(py::str(py::type::of(obj).attr("__name__"))) + " " +
                        std::string(py::repr(obj)));
  const py::object index = py::reinterpret_steal<py::object>(PyNumber_Index(obj.ptr()));
  if (!index) throw py::error_already_set();
  int overflow = 0;
  const long long v = PyLong_AsLongLongAndOverflow(index.ptr(), &overflow);
  if (overflow) raise_value(arg, std::string(py::repr(obj)) + " does not fit in 64 bits");
  return v;
}

struct Pair {
  int64_t h, w;
};

Pair as_pair(py::handle obj, const std::string& arg) {
  if (py::isinstance<py::tuple>(obj) || py::isinstance<py::list>(obj)) {
    const auto seq = py::reinterpret_borrow<py::sequence>(obj);
    if (seq.size() != 2)
      raise_value(arg, "expected an int or a pair (h, w), got " + std::string(py::repr(obj)));
    return {as_int(seq[0], arg), as_int(seq[1], arg)};
  }
  const int64_t v = as_int(obj, arg, "an int or a pair of ints");
  return {v, v};
}

// Convolution padding as PyTorch's conv2d takes it: an int, a pair (h, w), or
// "valid" (none) or "same" (stride 1 only; the extra row or column of an even
// effective kernel goes after, as PyTorch pads).
struct Padding {
  int64_t top, bottom, left, right;
};
Padding conv_padding(py::handle padding, Pair kernel, Pair stride, Pair dilation) {
  if (py::isinstance<py::str>(padding)) {
    const std::string mode = py::cast<std::string>(padding);
    if (mode == "valid") return {0, 0, 0, 0};
    if (mode != "same")
      raise_value("padding", "padding='" + mode + "': expected an int, a pair, 'valid' or 'same'");
    if (stride.h != 1 || stride.w != 1)
      raise_value("padding", "padding='same' is not supported for strided convolutions (PyTorch)");
    const int64_t th = dilation.h * (kernel.h - 1), tw = dilation.w * (kernel.w - 1);
    return {th / 2, th - th / 2, tw / 2, tw - tw / 2};
  }
  const Pair p = as_pair(padding, "padding");
  return {p.h, p.h, p.w, p.w};
}

// ---------------------------------------------------------------------------
// Arrays. `expected` describes the shape for the message, e.g. "(N, C, H, W)".

py::array float32_array(py::handle obj, const std::string& arg, const std::string& expected) {
  if (!py::isinstance<py::array>(obj))
    raise_type(arg, "expected a numpy.ndarray of float32 with shape " + expected + ", got " +
                        std::string(py::str(py::type::of(obj).attr("__name__"))));
  auto a = py::reinterpret_borrow<py::array>(obj);
  if (!py::array_t<float>::check_(a))
    raise_type(arg, "expected dtype float32, got " + std::string(py::str(a.dtype())) +
                        " (convert once with " + arg + ".astype(numpy.float32))");
  if (!(a.flags() & py::array::c_style))
    raise_value(arg, "expected a C-contiguous array, got strides " +
                         shape_text(std::vector<int64_t>(a.strides(), a.strides() + a.ndim())) +
                         " (use numpy.ascontiguousarray(" + arg + "))");
  if (!(a.flags() & py::detail::npy_api::NPY_ARRAY_ALIGNED_))
    raise_value(arg, "expected float32 elements aligned to 4 bytes");
  return a;
}

// An activation: (N, C, H, W), or (C, H, W) for one image as PyTorch allows.
struct Activation {
  py::array array;
  int64_t n, c, h, w;
  bool batched;
};

Activation activation(py::handle obj, const std::string& arg) {
  const std::string expected = "(N, C, H, W) or (C, H, W)";
  py::array a = float32_array(obj, arg, expected);
  if (a.ndim() != 4 && a.ndim() != 3)
    raise_value(arg, "expected a 4-D array " + expected + ", got " + std::to_string(a.ndim()) +
                         "-D shape " + shape_text(a));
  const bool batched = a.ndim() == 4;
  const auto* s = a.shape();
  if (batched) return {a, s[0], s[1], s[2], s[3], true};
  return {a, 1, s[0], s[1], s[2], false};
}

// A shape standing in for an input array, for problems and plans made
// before any data exists.
Activation activation_shape(py::handle obj) {
  std::vector<int64_t> dims;
  try {
    dims = py::cast<std::vector<int64_t>>(obj);
  } catch (const py::cast_error&) {
    raise_type("input_shape", "expected a shape (a tuple of ints), got " + std::string(py::repr(obj)));
  }
  if (dims.size() != 4 && dims.size() != 3)
    raise_value("input_shape", "expected (N, C, H, W) or (C, H, W), got " + shape_text(dims));
  if (dims.size() == 4) return {{}, dims[0], dims[1], dims[2], dims[3], true};
  return {{}, 1, dims[0], dims[1], dims[2], false};
}

// The caller's out= array, or a new one, of exactly the problem's output shape.
py::array output_array(const py::object& out, const Activation& x, int64_t c, int64_t h,
                       int64_t w) {
  std::vector<int64_t> shape = {x.n, c, h, w};
  if (!x.batched) shape.erase(shape.begin());
  if (out.is_none()) return py::array_t<float>(shape);
  py::array o = float32_array(out, "out", shape_text(shape));
  if (!o.writeable()) raise_value("out", "the array is read-only");
  if (std::vector<int64_t>(o.shape(), o.shape() + o.ndim()) != shape)
    raise_value("out", "expected shape " + shape_text(shape) + ", got " + shape_text(o));
  // The kernels read the input while writing the output; they must not overlap.
  const auto* xb = static_cast<const char*>(x.array.data());
  const auto* ob = static_cast<const char*>(o.data());
  if (ob < xb + x.array.nbytes() && xb < ob + o.nbytes())
    raise_value("out", "must not share memory with the input x");
  return o;
}

// A plan's input: exactly the shape (and batched or not) it was made for.
Activation planned_input(py::handle obj, std::vector<int64_t> shape, bool batched) {
  Activation x = activation(obj, "x");
  if (std::vector<int64_t>{x.n, x.c, x.h, x.w} != shape || x.batched != batched) {
    if (!batched) shape.erase(shape.begin());
    raise_value("x", "this plan was made for shape " + shape_text(shape) + ", got " +
                         shape_text(x.array));
  }
  return x;
}

std::span<const float> floats(const py::array& a) {
  return {static_cast<const float*>(a.data()), static_cast<std::size_t>(a.size())};
}
std::span<float> mutable_floats(py::array& a) {
  return {static_cast<float*>(a.mutable_data()), static_cast<std::size_t>(a.size())};
}

PlanOptions plan_options(py::handle threads) {
  PlanOptions o;
  // Clamped into int's range only; validate() (in plan()) judges the value.
  o.threads = static_cast<int>(std::clamp<int64_t>(as_int(threads, "threads"), -1, 1 << 20));
  return o;
}

// ---------------------------------------------------------------------------
// Problems and variants.

Conv2dParams conv_problem(const Activation& x, const std::vector<int64_t>& w_shape, bool bias,
                          py::handle stride, py::handle padding, py::handle dilation,
                          py::handle groups_obj) {
  const int64_t groups = as_int(groups_obj, "groups");
  if (w_shape.size() != 4)
    raise_value("w", "expected a 4-D weight (out_channels, in_channels/groups, kh, kw), got shape " +
                         shape_text(w_shape));
  const Pair s = as_pair(stride, "stride"), d = as_pair(dilation, "dilation");
  if (d.h < 1 || d.w < 1)
    raise_value("dilation", "dilation=" + std::string(py::repr(dilation)) + ": must be >= 1");
  const Padding p = conv_padding(padding, {w_shape[2], w_shape[3]}, s, d);
  Conv2dParams prm{.mb = x.n, .ic = x.c, .ih = x.h, .iw = x.w, .oc = w_shape[0],
                   .kh = w_shape[2], .kw = w_shape[3], .sh = s.h, .sw = s.w,
                   .pt = p.top, .pb = p.bottom, .pl = p.left, .pr = p.right,
                   // PyTorch's dilation 1 is dense; the library's dh counts the gaps.
                   .dh = d.h - 1, .dw = d.w - 1, .g = groups, .bias = bias};
  translated(conv_argument, [&] { validate(prm); });
  const std::vector<int64_t> want = {prm.oc, prm.icg(), prm.kh, prm.kw};
  if (w_shape != want)
    raise_value("w", "expected shape (out_channels, in_channels/groups, kh, kw) = " +
                         shape_text(want) + " for x with " + std::to_string(prm.ic) +
                         " channels and groups=" + std::to_string(prm.g) + ", got " +
                         shape_text(w_shape));
  return prm;
}

Pool2dParams pool_problem(PoolAlg alg, const Activation& x, py::handle kernel_size,
                          py::handle stride, py::handle padding, py::handle dilation,
                          bool ceil_mode, py::handle divisor_override = py::none(),
                          bool return_indices = false) {
  const Pair k = as_pair(kernel_size, "kernel_size");
  // PyTorch: stride=None (or an empty list) means the kernel size.
  const bool default_stride =
      stride.is_none() || (py::isinstance<py::sequence>(stride) && !py::isinstance<py::str>(stride) &&
                           py::len(stride) == 0);
  const Pair s = default_stride ? k : as_pair(stride, "stride");
  const Pair p = as_pair(padding, "padding"), d = as_pair(dilation, "dilation");
  if (d.h < 1 || d.w < 1)
    raise_value("dilation", "dilation=" + std::string(py::repr(dilation)) + ": must be >= 1");
  Pool2dParams prm{.alg = alg, .mb = x.n, .ic = x.c, .ih = x.h, .iw = x.w, .kh = k.h, .kw = k.w,
                   .sh = s.h, .sw = s.w, .ph = p.h, .pw = p.w, .dh = d.h - 1, .dw = d.w - 1,
                   .ceil_mode = ceil_mode, .indices = return_indices};
  if (!divisor_override.is_none()) {
    prm.divisor = as_int(divisor_override, "divisor_override");
    if (prm.divisor == 0) raise_value("divisor_override", "divisor must be not zero (PyTorch)");
  }
  translated(pool_argument, [&] { validate(prm); });
  return prm;
}

// "best": the highest ladder rung (study order) whose supports() says yes.
// Branches and baselines are chosen only by name: they are other routes, not
// steps up, and a rule this simple should not pretend to know the frontier.
template <class Variant, class Params>
const Variant* best_rung(std::span<const Variant* const> list, const Params& p) {
  const Variant* chosen = nullptr;
  for (const Variant* v : list)
    if (v->kind() == VariantKind::ladder && v->supports(p)) chosen = v;
  return chosen;
}

template <class Variant, class Params>
std::string names_of(std::span<const Variant* const> list) {
  std::string s = "\"best\"";
  for (const Variant* v : list) s += ", \"" + std::string(v->name()) + "\"";
  return s;
}

const ConvVariant& conv_variant(const std::string& name, const Conv2dParams& p) {
  const ConvVariant* v = name == "best" ? best_rung(conv2d_variants(), p) : find_conv2d_variant(name);
  if (!v) {
    if (name == "best") raise_value("variant", "no ladder rung supports this problem");
    raise_value("variant", "variant=\"" + name + "\": no conv2d variant has that name; known: " +
                               names_of<ConvVariant, Conv2dParams>(conv2d_variants()));
  }
  return *v;
}

const PoolVariant& pool_variant(const std::string& name, const Pool2dParams& p) {
  const PoolVariant* v = name == "best" ? best_rung(pool2d_variants(), p) : find_pool2d_variant(name);
  if (!v) {
    if (name == "best") raise_value("variant", "no ladder rung supports this problem");
    raise_value("variant", "variant=\"" + name + "\": no pool2d variant has that name; known: " +
                               names_of<PoolVariant, Pool2dParams>(pool2d_variants()));
  }
  return *v;
}

// ---------------------------------------------------------------------------
// Plans kept by Python. A plan owns a copy of its weights (the library's plans
// may read them in place), so later edits to the caller's array cannot change
// what a plan computes.

int64_t output_channels(const Conv2dParams& p) { return p.oc; }
int64_t output_channels(const Pool2dParams& p) { return p.ic; }

// What a conv and a pool plan share from Python: run on NumPy arrays with the
// GIL released, one run at a time per plan (its workspace is shared between
// runs), library errors raised as ValueError naming the Python argument.
template <class Plan, class Variant>
class PyPlan {
 public:
  py::array run(py::handle x_obj, const py::object& out) {
    const auto& p = plan_->params();
    const Activation x = planned_input(x_obj, {p.mb, p.ic, p.ih, p.iw}, batched_);
    py::array y = output_array(out, x, output_channels(p), p.oh(), p.ow());
    const auto in = floats(x.array);
    const auto outs = mutable_floats(y);
    {
      py::gil_scoped_release unlocked;
      std::lock_guard lock(mutex_);
      translated(argument_of_, [&] { plan_->run(in, outs); });
    }
    return y;
  }

  const Plan& plan() const { return *plan_; }
  const Variant& variant() const { return *variant_; }
  bool batched() const { return batched_; }

 protected:
  PyPlan(const Variant& v, bool batched, std::string (*argument_of)(const std::string&))
      : variant_(&v), batched_(batched), argument_of_(argument_of) {}

  std::unique_ptr<Plan> plan_;

 private:
  const Variant* variant_;
  bool batched_;
  std::string (*argument_of_)(const std::string&);
  std::mutex mutex_;
};

class PyConvPlan : public PyPlan<ConvPlan, ConvVariant> {
 public:
  PyConvPlan(const Conv2dParams& p, const ConvVariant& v, std::vector<float> weights,
             std::vector<float> bias, const PlanOptions& o, bool batched)
      : PyPlan(v, batched, conv_argument), weights_(std::move(weights)), bias_(std::move(bias)) {
    plan_ = translated(conv_argument, [&] { return v.plan(p, weights_, bias_, o); });
  }

 private:
  std::vector<float> weights_, bias_;  // the plan may read them in place
};

class PyPoolPlan : public PyPlan<PoolPlan, PoolVariant> {
 public:
  PyPoolPlan(const Pool2dParams& p, const PoolVariant& v, const PlanOptions& o, bool batched)
      : PyPlan(v, batched, pool_argument) {
    plan_ = translated(pool_argument, [&] { return v.plan(p, o); });
  }
};

std::vector<float> copy_of(const py::array& a) {
  const auto f = floats(a);
  return {f.begin(), f.end()};
}

void check_bias(const std::optional<py::array>& b, const Conv2dParams& p) {
  if (b && (b->ndim() != 1 || b->shape(0) != p.oc))
    raise_value("b", "expected shape " + shape_text({p.oc}) + " (one per output channel), got " +
                         shape_text(*b));
}

// Weights and bias checked against the problem the input implies.
struct ConvInputs {
  Activation x;
  py::array w;
  std::optional<py::array> b;
  Conv2dParams params;
};

ConvInputs conv_inputs(py::handle x_obj, py::handle w_obj, py::handle b_obj, py::handle stride,
                       py::handle padding, py::handle dilation, py::handle groups) {
  Activation x = activation(x_obj, "x");
  py::array w = float32_array(w_obj, "w", "(out_channels, in_channels/groups, kh, kw)");
  std::optional<py::array> b;
  if (!b_obj.is_none()) b = float32_array(b_obj, "b", "(out_channels,)");
  const Conv2dParams p = conv_problem(x, std::vector<int64_t>(w.shape(), w.shape() + w.ndim()),
                                      b.has_value(), stride, padding, dilation, groups);
  check_bias(b, p);
  return {std::move(x), std::move(w), std::move(b), p};
}

// ---------------------------------------------------------------------------
// The functional API: plan, run once, return the output.

py::array conv2d(py::handle x_obj, py::handle w_obj, py::handle b_obj, py::handle stride,
                 py::handle padding, py::handle dilation, py::handle groups,
                 const std::string& variant, py::handle threads, const py::object& out) {
  ConvInputs in = conv_inputs(x_obj, w_obj, b_obj, stride, padding, dilation, groups);
  const Conv2dParams& p = in.params;
  const ConvVariant& v = conv_variant(variant, p);
  const PlanOptions o = plan_options(threads);
  py::array y = output_array(out, in.x, p.oc, p.oh(), p.ow());
  const auto x = floats(in.x.array), w = floats(in.w);
  const auto b = in.b ? floats(*in.b) : std::span<const float>{};
  const auto ys = mutable_floats(y);
  {
    py::gil_scoped_release unlocked;
    translated(conv_argument, [&] { v.plan(p, w, b, o)->run(x, ys); });
  }
  return y;
}

// y, or (y, indices) when return_indices: int64 h*iw + w within each plane, as
// PyTorch's max_pool2d(return_indices=True).
py::object pool2d(PoolAlg alg, py::handle x_obj, py::handle kernel_size, py::handle stride,
                  py::handle padding, py::handle dilation, bool ceil_mode,
                  const std::string& variant, py::handle threads, const py::object& out,
                  py::handle divisor_override = py::none(), bool return_indices = false) {
  Activation x = activation(x_obj, "x");
  const Pool2dParams p = pool_problem(alg, x, kernel_size, stride, padding, dilation, ceil_mode,
                                      divisor_override, return_indices);
  const PoolVariant& v = pool_variant(variant, p);
  const PlanOptions o = plan_options(threads);
  py::array y = output_array(out, x, p.ic, p.oh(), p.ow());
  py::array_t<int64_t> indices(return_indices ? y.request().shape : std::vector<py::ssize_t>{0});
  const auto xs = floats(x.array);
  const auto ys = mutable_floats(y);
  const std::span<int64_t> is(indices.mutable_data(), return_indices ? static_cast<std::size_t>(y.size()) : 0);
  {
    py::gil_scoped_release unlocked;
    translated(pool_argument, [&] { v.plan(p, o)->run(xs, ys, is); });
  }
  if (return_indices) return py::make_tuple(y, indices);
  return std::move(y);
}

PoolAlg avg_alg(bool count_include_pad) {
  return count_include_pad ? PoolAlg::avg_include_pad : PoolAlg::avg_exclude_pad;
}

// ---------------------------------------------------------------------------
// Descriptions for Python's repr and describe().

py::dict conv_fields(const Conv2dParams& p) {
  py::dict d;
  d["op"] = "conv2d";
  d["input_shape"] = py::make_tuple(p.mb, p.ic, p.ih, p.iw);
  d["weight_shape"] = py::make_tuple(p.oc, p.icg(), p.kh, p.kw);
  d["output_shape"] = py::make_tuple(p.mb, p.oc, p.oh(), p.ow());
  d["bias"] = p.bias;
  d["stride"] = py::make_tuple(p.sh, p.sw);
  // PyTorch's (h, w) when symmetric; otherwise F.pad's order (left, right, top, bottom).
  d["padding"] = p.pt == p.pb && p.pl == p.pr ? py::make_tuple(p.pt, p.pl)
                                               : py::make_tuple(p.pl, p.pr, p.pt, p.pb);
  d["dilation"] = py::make_tuple(p.dh + 1, p.dw + 1);
  d["groups"] = p.g;
  d["flops"] = p.flops();
  return d;
}

py::dict pool_fields(const Pool2dParams& p) {
  py::dict d;
  d["op"] = p.alg == PoolAlg::max ? "max_pool2d" : "avg_pool2d";
  d["input_shape"] = py::make_tuple(p.mb, p.ic, p.ih, p.iw);
  d["output_shape"] = py::make_tuple(p.mb, p.ic, p.oh(), p.ow());
  d["kernel_size"] = py::make_tuple(p.kh, p.kw);
  d["stride"] = py::make_tuple(p.sh, p.sw);
  d["padding"] = py::make_tuple(p.ph, p.pw);
  if (p.alg == PoolAlg::max) d["dilation"] = py::make_tuple(p.dh + 1, p.dw + 1);
  else d["count_include_pad"] = p.alg == PoolAlg::avg_include_pad;
  d["ceil_mode"] = p.ceil_mode;
  if (p.divisor != 0) d["divisor_override"] = p.divisor;
  if (p.indices) d["return_indices"] = true;
  d["flops"] = p.flops();
  return d;
}

// A variant as Python sees it: its registry entry plus supports(problem).
struct VariantInfo {
  const ConvVariant* conv = nullptr;
  const PoolVariant* pool = nullptr;
  std::string name() const { return std::string(conv ? conv->name() : pool->name()); }
  std::string op() const { return conv ? "conv2d" : "pool2d"; }
  std::string summary() const { return std::string(conv ? conv->summary() : pool->summary()); }
  std::string kind() const { return to_string(conv ? conv->kind() : pool->kind()); }
};

// A problem without data, for supports() and for planning: the same
// arguments as the call, shapes instead of arrays.
struct Problem {
  std::optional<Conv2dParams> conv;
  std::optional<Pool2dParams> pool;
};

py::tuple support_answer(const Support& s) { return py::make_tuple(s.ok, s.reason); }

}  // namespace

PYBIND11_MODULE(_convlab, m) {
  m.doc() = "convlab's variants from NumPy (the C++ half; import convlab instead)";

  // Anything the library rejects that no argument translation caught.
  py::register_exception_translator([](std::exception_ptr e) {
    try {
      if (e) std::rethrow_exception(e);
    } catch (const Error& err) {
      PyErr_SetString(PyExc_ValueError, err.what());
    }
  });

  py::class_<VariantInfo>(m, "Variant")
      .def_property_readonly("name", &VariantInfo::name)
      .def_property_readonly("op", &VariantInfo::op)
      .def_property_readonly("summary", &VariantInfo::summary)
      .def_property_readonly("kind", &VariantInfo::kind)
      .def("supports",
           [](const VariantInfo& v, const Problem& p) {
             if (v.conv && p.conv) return support_answer(v.conv->supports(*p.conv));
             if (v.pool && p.pool) return support_answer(v.pool->supports(*p.pool));
             raise_value("problem", "a " + v.op() + " variant cannot run a " +
                                        std::string(p.conv ? "conv2d" : "pool2d") + " problem");
           },
           py::arg("problem"),
           "(ok, reason): whether this variant runs the problem, and why not when it cannot")
      .def("__repr__", [](const VariantInfo& v) {
        return "<convlab.Variant " + v.op() + ":" + v.name() + " (" + v.kind() + ")>";
      });

  m.def("_variants", [] {
    std::vector<VariantInfo> all;
    for (const ConvVariant* v : conv2d_variants()) all.push_back({v, nullptr});
    for (const PoolVariant* v : pool2d_variants()) all.push_back({nullptr, v});
    return all;
  });

  py::class_<Problem>(m, "Problem")
      .def_property_readonly("fields",
                             [](const Problem& p) { return p.conv ? conv_fields(*p.conv) : pool_fields(*p.pool); })
      .def("__repr__", [](const Problem& p) {
        return "<convlab.Problem " + std::string(py::repr(p.conv ? conv_fields(*p.conv) : pool_fields(*p.pool))) + ">";
      });

  m.def("_conv2d_problem",
        [](py::handle x, py::handle w, bool bias, py::handle stride, py::handle padding,
           py::handle dilation, py::handle groups) {
          const auto dims = [](py::handle obj, const char* arg) {
            try {
              return py::cast<std::vector<int64_t>>(obj);
            } catch (const py::cast_error&) {
              raise_type(arg, "expected a shape (a tuple of ints), got " + std::string(py::repr(obj)));
            }
          };
          const Activation a = activation_shape(x);
          return Problem{conv_problem(a, dims(w, "weight_shape"), bias, stride, padding, dilation, groups), {}};
        });

  m.def("_pool2d_problem",
        [](const std::string& op, py::handle x, py::handle kernel_size, py::handle stride,
           py::handle padding, py::handle dilation, bool ceil_mode, bool count_include_pad) {
          const Activation a = activation_shape(x);
          const PoolAlg alg = op == "max_pool2d" ? PoolAlg::max : avg_alg(count_include_pad);
          return Problem{{}, pool_problem(alg, a, kernel_size, stride, padding, dilation, ceil_mode)};
        });

  m.def("conv2d", &conv2d, py::arg("x"), py::arg("w"), py::arg("b") = py::none(),
        py::arg("stride") = 1, py::arg("padding") = 0, py::arg("dilation") = 1,
        py::arg("groups") = 1, py::arg("variant") = "best", py::arg("threads") = 1,
        py::arg("out") = py::none());

  m.def("max_pool2d",
        [](py::handle x, py::handle kernel_size, py::handle stride, py::handle padding,
           py::handle dilation, bool ceil_mode, bool return_indices, const std::string& variant,
           py::handle threads, const py::object& out) {
          return pool2d(PoolAlg::max, x, kernel_size, stride, padding, dilation, ceil_mode,
                        variant, threads, out, py::none(), return_indices);
        },
        py::arg("x"), py::arg("kernel_size"), py::arg("stride") = py::none(),
        py::arg("padding") = 0, py::arg("dilation") = 1, py::arg("ceil_mode") = false,
        py::arg("return_indices") = false, py::arg("variant") = "best", py::arg("threads") = 1,
        py::arg("out") = py::none());

  m.def("avg_pool2d",
        [](py::handle x, py::handle kernel_size, py::handle stride, py::handle padding,
           bool ceil_mode, bool count_include_pad, py::handle divisor_override,
           const std::string& variant, py::handle threads, const py::object& out) {
          return pool2d(avg_alg(count_include_pad), x, kernel_size, stride, padding, py::int_(1),
                        ceil_mode, variant, threads, out, divisor_override);
        },
        py::arg("x"), py::arg("kernel_size"), py::arg("stride") = py::none(),
        py::arg("padding") = 0, py::arg("ceil_mode") = false,
        py::arg("count_include_pad") = true, py::arg("divisor_override") = py::none(),
        py::arg("variant") = "best",
        py::arg("threads") = 1, py::arg("out") = py::none());

  py::class_<PyConvPlan>(m, "Conv2dPlan")
      .def("__call__", &PyConvPlan::run, py::arg("x"), py::arg("out") = py::none())
      .def_property_readonly("variant", [](const PyConvPlan& p) { return std::string(p.variant().name()); })
      .def_property_readonly("workspace_bytes", [](const PyConvPlan& p) { return p.plan().workspace_bytes(); })
      .def_property_readonly("packed_weight_bytes", [](const PyConvPlan& p) { return p.plan().packed_weight_bytes(); })
      .def_property_readonly("threads", [](const PyConvPlan& p) { return p.plan().options().threads; })
      .def_property_readonly("problem", [](const PyConvPlan& p) { return conv_fields(p.plan().params()); })
      .def("describe", [](const PyConvPlan& p) {
        const std::string own = p.plan().describe();
        return "conv2d:" + std::string(p.variant().name()) + " threads=" +
               std::to_string(p.plan().options().threads) + " isa=" + to_string(p.plan().options().isa) +
               " workspace=" + std::to_string(p.plan().workspace_bytes()) + "B packed_weights=" +
               std::to_string(p.plan().packed_weight_bytes()) + "B" + (own.empty() ? "" : "; " + own);
      });

  py::class_<PyPoolPlan>(m, "Pool2dPlan")
      .def("__call__", &PyPoolPlan::run, py::arg("x"), py::arg("out") = py::none())
      .def_property_readonly("variant", [](const PyPoolPlan& p) { return std::string(p.variant().name()); })
      .def_property_readonly("workspace_bytes", [](const PyPoolPlan& p) { return p.plan().workspace_bytes(); })
      .def_property_readonly("threads", [](const PyPoolPlan& p) { return p.plan().options().threads; })
      .def_property_readonly("problem", [](const PyPoolPlan& p) { return pool_fields(p.plan().params()); })
      .def("describe", [](const PyPoolPlan& p) {
        const std::string own = p.plan().describe();
        return std::string(to_string(p.plan().params().alg)) + " pool2d:" + std::string(p.variant().name()) +
               " threads=" + std::to_string(p.plan().options().threads) + " isa=" +
               to_string(p.plan().options().isa) + " workspace=" +
               std::to_string(p.plan().workspace_bytes()) + "B" + (own.empty() ? "" : "; " + own);
      });

  m.def("_conv2d_plan",
        [](py::handle input_shape, py::handle w_obj, py::handle b_obj, py::handle stride,
           py::handle padding, py::handle dilation, py::handle groups, const std::string& variant,
           py::handle threads) {
          py::array w = float32_array(w_obj, "w", "(out_channels, in_channels/groups, kh, kw)");
          std::optional<py::array> b;
          if (!b_obj.is_none()) b = float32_array(b_obj, "b", "(out_channels,)");
          const Activation a = activation_shape(input_shape);
          const Conv2dParams p = conv_problem(a, std::vector<int64_t>(w.shape(), w.shape() + w.ndim()),
                                              b.has_value(), stride, padding, dilation, groups);
          check_bias(b, p);
          const ConvVariant& v = conv_variant(variant, p);
          return std::make_unique<PyConvPlan>(p, v, copy_of(w), b ? copy_of(*b) : std::vector<float>{},
                                              plan_options(threads), a.batched);
        });

  m.def("_pool2d_plan",
        [](const std::string& op, py::handle input_shape, py::handle kernel_size, py::handle stride,
           py::handle padding, py::handle dilation, bool ceil_mode, bool count_include_pad,
           const std::string& variant, py::handle threads) {
          const Activation a = activation_shape(input_shape);
          const PoolAlg alg = op == "max_pool2d" ? PoolAlg::max : avg_alg(count_include_pad);
          const Pool2dParams p = pool_problem(alg, a, kernel_size, stride, padding, dilation, ceil_mode);
          const PoolVariant& v = pool_variant(variant, p);
          return std::make_unique<PyPoolPlan>(p, v, plan_options(threads), a.batched);
        });

  m.def("isa", [] { return std::string(to_string(default_isa())); },
        "the instruction set SIMD variants dispatch to (capped by $CONVLAB_ISA)");
}

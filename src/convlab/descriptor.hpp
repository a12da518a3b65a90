// Shape descriptors in oneDNN benchdnn's problem syntax, e.g.
//   conv2d: mb32ic3ih32oc32kh3ph1n"cifar conv1"
//   pool2d: max:mb32ic32ih30kh2sh2        (alg prefix: max, avg_p, avg_np)
//
// Keys (a lowercase word followed by an integer, any order, each at most once):
//   conv2d: g mb ic ih iw oc oh ow kh kw sh sw ph pw pt pb pl pr dh dw bias
//   pool2d: mb ic ih iw oh ow kh kw sh sw ph pw dh dw ceil relu div idx
// plus an optional label n"...". '_' between tokens is ignored.
//
// Defaults, benchdnn's where benchdnn has one:
//   mb 2 (benchdnn's), g 1, sh 1, ph 0, dh 0 (dense), bias 1 (PyTorch's default);
//   a missing width key takes its height twin (iw=ih, kw=kh, sw=sh, pw=ph, dw=dh);
//   pool2d only: sh defaults to kh and sw to kw (PyTorch: stride = kernel),
//   sw to sh when only sh is given; ceil 0 (floor mode); relu 0 (no fused ReLU).
//   oh/ow are optional; when given they must equal the derived size.
// Extensions to benchdnn: the pool alg prefix, `bias0` (conv without bias),
// `ceil1` (PyTorch ceil_mode), `relu1` (pooling followed by a fused ReLU,
// convlab/activation.hpp's rule applied to every pooled value), `divN`
// (avg_pool2d's divisor_override), `idx1` (max_pool2d's return_indices), and
// conv2d's one-sided padding: pt pb (top, bottom) and pl pr (left, right), as
// F.pad before a convolution gives; ph = pt and pb, pw = pl and pr, so ph and
// pt (or pw and pl) together are an error; a side not given is 0. mb0 is an
// empty batch (PyTorch returns an empty output).
//
// format_*() prints the canonical form (defaults omitted) and
// parse(format(p)) == p for every valid p.
#pragma once

#include <string>
#include <string_view>
#include <variant>

#include "convlab/params.hpp"

namespace convlab {

using Problem = std::variant<Conv2dParams, Pool2dParams>;

// Each parser validates the result; errors are convlab::Error naming the key.
// The parsers accept a label (n"...") and leave it out of the problem.
Conv2dParams parse_conv2d(std::string_view descriptor);
Pool2dParams parse_pool2d(std::string_view descriptor);
// A descriptor with an "<alg>:" prefix is a pool2d problem, otherwise conv2d.
Problem parse_problem(std::string_view descriptor);

// A descriptor's problem and its label ("" when it has none): the label names
// the problem in a suite or a report and is no part of it.
struct LabeledProblem {
  Problem problem;
  std::string label;
};
LabeledProblem parse_labeled_problem(std::string_view descriptor);

// The canonical descriptor, with n"label" appended when the label is not empty.
std::string format_descriptor(const Conv2dParams& p, std::string_view label = {});
std::string format_descriptor(const Pool2dParams& p, std::string_view label = {});
std::string format_descriptor(const Problem& p, std::string_view label = {});

// "conv2d" or "pool2d".
const char* op_name(const Problem& p);

}  // namespace convlab

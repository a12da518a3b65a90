// Problem descriptions for conv2d and pool2d, with PyTorch's semantics
// (torch.nn.functional.conv2d / max_pool2d / avg_pool2d) and oneDNN benchdnn's
// field names, so that a struct field, a descriptor key and an error message
// all use the same word.
//
// Conventions that differ between the two worlds, stated once:
//   * dh/dw follow benchdnn: 0 means dense. PyTorch's dilation is dh + 1.
//   * Layouts: activations NCHW, weights OIHW, grouped weights [oc][ic/g][kh][kw].
//   * Every size is int64_t so that products can be checked for overflow.
//   * A problem is plain data: a descriptor's label (n"...") is not part of it
//     (descriptor.hpp's LabeledProblem, a suite entry's label).
#pragma once

#include <cstdint>

namespace convlab {

struct Conv2dParams {
  int64_t mb = 2;           // batch (benchdnn's default when absent)
  int64_t ic = 0, ih = 0, iw = 0;
  int64_t oc = 0;
  int64_t kh = 0, kw = 0;
  int64_t sh = 1, sw = 1;   // stride
  // Zero padding before and after each axis: top, bottom, left, right. PyTorch's
  // padding=(ph, pw) is pt = pb = ph, pl = pr = pw; F.pad before a convolution,
  // or padding='same' with an even effective kernel, makes them differ.
  int64_t pt = 0, pb = 0, pl = 0, pr = 0;
  int64_t dh = 0, dw = 0;   // dilation - 1 (benchdnn), 0 = dense
  int64_t g = 1;            // groups
  bool bias = true;

  // Derived quantities. They assume validate() has passed.
  int64_t ekh() const { return (kh - 1) * (dh + 1) + 1; }  // effective kernel
  int64_t ekw() const { return (kw - 1) * (dw + 1) + 1; }
  int64_t padded_ih() const { return ih + pt + pb; }
  int64_t padded_iw() const { return iw + pl + pr; }
  bool padded() const { return pt != 0 || pb != 0 || pl != 0 || pr != 0; }
  int64_t oh() const { return (padded_ih() - ekh()) / sh + 1; }
  int64_t ow() const { return (padded_iw() - ekw()) / sw + 1; }
  int64_t icg() const { return ic / g; }                    // input channels per group
  int64_t ocg() const { return oc / g; }                    // output channels per group
  int64_t reduction_length() const { return icg() * kh * kw; }  // MACs per output

  int64_t input_elems() const { return mb * ic * ih * iw; }
  int64_t weight_elems() const { return oc * icg() * kh * kw; }
  int64_t bias_elems() const { return bias ? oc : 0; }
  int64_t output_elems() const { return mb * oc * oh() * ow(); }

  int64_t macs() const { return output_elems() * reduction_length(); }
  int64_t flops() const { return 2 * macs(); }
  // Compulsory traffic: every input, weight, bias and output byte once.
  int64_t min_bytes() const {
    return 4 * (input_elems() + weight_elems() + bias_elems() + output_elems());
  }
  double arithmetic_intensity() const {
    return static_cast<double>(flops()) / static_cast<double>(min_bytes());
  }

  friend bool operator==(const Conv2dParams&, const Conv2dParams&) = default;
};

enum class PoolAlg {
  max,              // padding is -inf, NaN propagates
  avg_include_pad,  // divisor counts padded positions (count_include_pad=True)
  avg_exclude_pad,  // divisor counts real input positions only
};

struct Pool2dParams {
  PoolAlg alg = PoolAlg::max;
  int64_t mb = 2;
  int64_t ic = 0, ih = 0, iw = 0;
  int64_t kh = 0, kw = 0;
  int64_t sh = 0, sw = 0;   // PyTorch: stride defaults to the kernel (the parser applies it)
  int64_t ph = 0, pw = 0;   // implicit -inf (max) or zero (avg) padding
  int64_t dh = 0, dw = 0;   // dilation - 1, max pooling only
  bool ceil_mode = false;
  bool relu = false;        // fused ReLU on the pooled value: out = relu(pool(x)) (descriptor relu1)
  int64_t divisor = 0;      // avg only: PyTorch's divisor_override (descriptor div); 0 = none
  bool indices = false;     // max only: also write each output's argmax, PyTorch's
                            // return_indices (descriptor idx1): int64 h*iw + w within its plane

  bool is_avg() const { return alg != PoolAlg::max; }
  int64_t ekh() const { return (kh - 1) * (dh + 1) + 1; }
  int64_t ekw() const { return (kw - 1) * (dw + 1) + 1; }
  int64_t oh() const { return out_size(ih, kh, sh, ph, dh); }
  int64_t ow() const { return out_size(iw, kw, sw, pw, dw); }

  int64_t input_elems() const { return mb * ic * ih * iw; }
  int64_t output_elems() const { return mb * ic * oh() * ow(); }
  // One comparison (max) or addition (avg) per window element, plus the
  // division per output for avg.
  int64_t flops() const { return output_elems() * (kh * kw + (is_avg() ? 1 : 0)); }
  int64_t min_bytes() const { return 4 * (input_elems() + output_elems()); }

  // PyTorch's pooling_output_shape: floor or ceil (rounding towards -inf, so a
  // ceil-mode window may be larger than the padded input), and in ceil mode
  // the last window must start inside the input or its left padding.
  static int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d,
                          bool ceil);
  int64_t out_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d) const {
    return out_size(in, k, s, p, d, ceil_mode);
  }

  friend bool operator==(const Pool2dParams&, const Pool2dParams&) = default;
};

const char* to_string(PoolAlg alg);

// Average pooling's last step: the window sum over the divisor, with a zero
// quotient always +0. PyTorch returns +0 where the quotient is -0 (a window of
// -0.0, or a negative denormal sum that underflows: avg of [-1e-45, 0] is +0
// in PyTorch 1.13), as if the result were added to a zeroed output.
inline float avg_quotient(float sum, float divisor) { return sum / divisor + 0.0f; }

// The one validation point. Throws convlab::Error naming the field and value.
// Called by the descriptor parser, by every variant's plan(), by the
// reference and by the CLI, so no variant ever sees an invalid problem.
void validate(const Conv2dParams& p);
void validate(const Pool2dParams& p);

}  // namespace convlab

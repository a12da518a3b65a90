// Shape lists shared by the conv2d and pool2d tests: named edge cases and a
// seeded random generator of valid problems covering every parameter.
#pragma once

#include <cstdint>
#include <ostream>
#include <random>
#include <vector>

#include "convlab/params.hpp"

namespace convlab::testing {

struct NamedShape {
  const char* name;        // says the edge case; used in the test name
  const char* descriptor;  // benchdnn syntax
};
inline void PrintTo(const NamedShape& s, std::ostream* os) { *os << s.descriptor; }

// The list: 1x1 kernels, kernel equal to the input, stride larger than
// the kernel, odd and prime sizes, 1/3/17 channels, padding 0-3, dilation 2,
// groups 2 and depthwise, batch 1 and 3 — plus widths that leave SIMD tails.
inline const std::vector<NamedShape>& conv2d_edge_cases() {
  static const std::vector<NamedShape> cases = {
      {"kernel_1x1", "mb2ic5ih7oc3kh1"},
      {"kernel_1x1_stride2", "mb1ic4ih9oc6kh1sh2"},
      {"kernel_equals_input", "mb2ic3ih5oc4kh5"},
      {"kernel_equals_input_rectangular", "mb1ic2ih4iw6oc3kh4kw6"},
      {"stride_larger_than_kernel", "mb1ic3ih13oc4kh2sh3"},
      {"stride_larger_than_kernel_rectangular", "mb1ic2ih11iw17oc3kh1kw2sh4sw3"},
      {"odd_sizes", "mb1ic3ih9iw15oc5kh3"},
      {"prime_sizes", "mb1ic3ih13iw23oc7kh3"},
      {"prime_sizes_kernel5", "mb1ic5ih31iw37oc11kh5"},
      {"channels_1", "mb1ic1ih8oc1kh3"},
      {"channels_3", "mb1ic3ih8oc3kh3"},
      {"channels_17", "mb1ic17ih9oc17kh3"},
      {"padding_0", "mb1ic3ih7oc4kh3ph0"},
      {"padding_1", "mb1ic3ih7oc4kh3ph1"},
      {"padding_2", "mb1ic3ih7oc4kh3ph2"},
      {"padding_3_wider_than_kernel", "mb1ic3ih7oc4kh3ph3"},
      {"padding_differs_per_axis", "mb1ic2ih6iw9oc3kh3kw5ph0pw3"},
      {"dilation_2", "mb1ic3ih11oc4kh3dh1"},
      {"dilation_2_with_padding", "mb1ic3ih11oc4kh3ph2dh1"},
      {"dilation_differs_per_axis", "mb1ic2ih12iw10oc3kh2kw3dh2dw1"},
      {"groups_2", "g2mb1ic4ih8oc6kh3"},
      {"depthwise", "g8mb1ic8ih10oc8kh3ph1"},
      {"depthwise_multiplier_2", "g4mb1ic4ih9oc8kh3"},
      {"depthwise_stride_2", "g16mb1ic16ih15oc16kh3sh2ph1"},
      {"depthwise_rows_longer_than_vectors", "g3mb2ic3ih5iw70oc3kh3ph1bias0"},
      {"depthwise_kernel_5_dilated", "g5mb1ic5ih17iw23oc5kh5ph2dh1"},
      {"depthwise_stride_3_rectangular", "g4mb1ic4ih13iw29oc4kh2kw3sh3sw2ph1pw0"},
      // Rows wide enough that b3 cuts the plane into bands of output rows.
      {"depthwise_banded_stride_2", "g17mb1ic17ih21iw300oc17kh3sh2ph1"},
      {"depthwise_banded_dilated", "g3mb2ic3ih12iw500oc3kh3ph2dh1"},
      {"batch_1", "mb1ic3ih8oc4kh3"},
      {"batch_3", "mb3ic3ih8oc4kh3ph1"},
      {"no_bias", "mb2ic3ih8oc4kh3bias0"},
      {"row_longer_than_vectors", "mb1ic2ih3iw70oc5kh3"},
      {"single_output_column", "mb1ic2ih40iw3oc3kh3kw3"},
      {"out_channels_not_multiple_of_16", "mb1ic3ih6oc67kh3"},
      {"everything_at_once", "g2mb3ic6ih13iw11oc10kh3kw2sh2sw1ph1pw2dh1dw0"},
      // PyTorch-valid problems beyond benchdnn's symmetric padding and mb >= 1.
      {"empty_batch", "mb0ic3ih8oc4kh3ph1"},
      {"empty_batch_depthwise", "g8mb0ic8ih10oc8kh3ph1"},
      {"padding_top_only", "mb1ic3ih7oc4kh3pt2"},
      {"padding_same_even_kernel", "mb1ic5ih9oc6kh4pt1pb2"},  // padding='same' with k 4
      {"padding_one_sided_both_axes_stride_2", "mb2ic17ih12iw19oc18kh3sh2pt0pb1pl2pr0"},
      {"padding_one_sided_wide_rows", "mb1ic16ih6iw70oc32kh3pt1pb0pl0pr2"},
      {"padding_one_sided_dilated", "mb1ic3ih11oc4kh3dh1pt3pb0pl1pr3"},
      {"padding_one_sided_depthwise", "g16mb1ic16ih15oc16kh3sh2pt0pb2pl1pr0"},
      {"padding_one_sided_depthwise_banded", "g17mb1ic17ih21iw300oc17kh3pt2pb0pl0pr1"},
  };
  return cases;
}

inline const std::vector<NamedShape>& pool2d_edge_cases() {
  static const std::vector<NamedShape> cases = {
      {"max_2x2", "max:mb2ic3ih8kh2"},
      {"avg_2x2", "avg_np:mb2ic3ih8kh2"},
      {"max_odd_input_floor", "max:mb1ic2ih9iw7kh2"},
      {"max_ceil_overhang", "max:mb1ic2ih9iw7kh2ceil1"},
      {"avg_p_ceil_overhang", "avg_p:mb1ic2ih9iw7kh2ceil1"},
      {"avg_np_ceil_overhang", "avg_np:mb1ic2ih9iw7kh2ceil1"},
      {"avg_p_ceil_overhang_with_padding", "avg_p:mb1ic2ih10kh3sh2ph1ceil1"},
      {"avg_np_ceil_overhang_with_padding", "avg_np:mb1ic2ih10kh3sh2ph1ceil1"},
      {"max_padding", "max:mb1ic3ih7kh3sh2ph1"},
      {"avg_p_padding", "avg_p:mb1ic3ih7kh3sh2ph1"},
      {"avg_np_padding", "avg_np:mb1ic3ih7kh3sh2ph1"},
      {"max_overlapping_stride_1", "max:mb1ic2ih9kh3sh1"},
      {"avg_overlapping_stride_1", "avg_p:mb1ic2ih9kh3sh1ph1"},
      {"max_stride_larger_than_kernel", "max:mb1ic2ih13kh2sh3"},
      {"max_dilation_2", "max:mb1ic2ih11kh3sh1dh1"},
      {"max_dilation_with_padding_ceil", "max:mb1ic2ih12kh3sh2ph1dh1ceil1"},
      {"max_kernel_equals_input", "max:mb2ic3ih5kh5"},
      {"avg_kernel_equals_input", "avg_np:mb2ic3ih5kh5"},
      {"max_rectangular", "max:mb1ic3ih6iw17kh2kw3sh2sw3"},
      {"max_global_1x1", "max:mb2ic5ih1kh1"},
      {"max_channels_17", "max:mb1ic17ih8kh2"},
      {"max_batch_3", "max:mb3ic2ih8kh2"},
      {"max_row_longer_than_vectors", "max:mb1ic2ih4iw150kh2"},
      {"avg_row_longer_than_vectors", "avg_p:mb1ic2ih4iw150kh2ph1"},
      {"max_stride_3_wide", "max:mb1ic2ih9iw100kh3"},
      // Each width scheme of the SIMD steps (stride 1 contiguous, stride 2
      // even/odd pairs, stride >= 3 gathers) with full blocks, partial blocks
      // and both edges; dilation that makes stride-2 taps odd and even.
      {"max_stride_1_kernel_3_wide_padding", "max:mb1ic2ih5iw70kh3sh1ph1"},
      {"avg_np_stride_1_kernel_3_wide_padding", "avg_np:mb1ic2ih5iw70kh3sh1ph1"},
      {"avg_p_stride_1_kernel_5_wide_padding", "avg_p:mb1ic1ih7iw50kh5sh1ph2"},
      {"max_stride_2_kernel_4_wide_padding", "max:mb1ic1ih6iw90kh4sh2ph2"},
      {"max_stride_2_dilation_2_wide", "max:mb1ic2ih9iw80kh3sh2dh1"},
      {"max_stride_2_dilation_3_wide", "max:mb1ic2ih9iw80kh3sh2dh2"},
      {"max_stride_2_odd_window_ceil_row_end", "max:mb1ic1ih4iw33kh3sh2ceil1"},
      {"max_stride_2_ceil_right_edge_wide", "max:mb1ic1ih3iw47kh2ceil1"},
      {"avg_p_stride_2_kernel_3_wide_ceil", "avg_p:mb1ic2ih7iw67kh3sh2ph1ceil1"},
      {"avg_np_stride_3_wide_padding", "avg_np:mb1ic1ih7iw101kh3ph1"},
      {"max_stride_4_dilation_wide", "max:mb1ic1ih9iw120kh2sh4dh2"},
      {"max_stride_5_wide_padding", "max:mb1ic2ih12iw90kh5sh5ph2"},
      {"avg_p_stride_6_wide_ceil", "avg_p:mb1ic1ih13iw100kh3sh6ph1ceil1"},
      {"max_stride_5_dilation_wide", "max:mb1ic1ih20iw70kh2sh5dh3"},
      // The fused ReLU (relu1) on every algorithm.
      {"max_relu", "max:mb2ic3ih9kh2relu1"},
      {"max_relu_padding_dilation", "max:mb1ic2ih12iw40kh3sh2ph1dh1ceil1relu1"},
      {"avg_p_relu_padding_ceil", "avg_p:mb1ic3ih10iw37kh3sh2ph1ceil1relu1"},
      {"avg_np_relu_wide", "avg_np:mb1ic2ih8iw40kh2relu1"},
      // PyTorch-valid problems: an empty batch, ceil-mode windows larger than
      // the padded input (a 1x1 output), divisor_override.
      {"max_empty_batch", "max:mb0ic3ih8kh2"},
      {"max_ceil_window_larger_than_input", "max:mb1ic1ih2kh3sh2ceil1"},
      {"avg_np_ceil_window_larger_than_padded_input", "avg_np:mb1ic2ih2kh5sh4ph1ceil1"},
      {"avg_p_ceil_window_larger_than_padded_input_wide", "avg_p:mb1ic2ih2iw40kh5sh4ph1ceil1"},
      {"avg_p_divisor_override", "avg_p:mb1ic3ih9kh3sh2ph1div5"},
      {"avg_np_divisor_override_wide_ceil", "avg_np:mb1ic2ih7iw67kh3sh2ph1ceil1div7"},
  };
  return cases;
}

// A random valid conv2d problem small enough for sanitizer builds.
inline Conv2dParams random_conv2d(std::mt19937_64& rng) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  for (;;) {
    Conv2dParams p;
    p.g = pick(0, 3) == 0 ? pick(2, 4) : 1;
    p.ic = p.g * pick(1, 4);
    p.oc = p.g * pick(1, 5);
    p.mb = pick(0, 15) == 0 ? 0 : pick(1, 3);  // now and then an empty batch
    p.kh = pick(1, 5);
    p.kw = pick(0, 2) == 0 ? pick(1, 5) : p.kh;
    p.sh = pick(1, 3);
    p.sw = pick(0, 2) == 0 ? pick(1, 3) : p.sh;
    p.pt = pick(0, 3);
    p.pb = pick(0, 3) == 0 ? pick(0, 3) : p.pt;  // one-sided padding now and then
    if (pick(0, 2) == 0) {
      p.pl = pick(0, 3);
      p.pr = pick(0, 3) == 0 ? pick(0, 3) : p.pl;
    } else {
      p.pl = p.pt, p.pr = p.pb;
    }
    p.dh = pick(0, 3) == 0 ? pick(1, 2) : 0;
    p.dw = pick(0, 3) == 0 ? pick(1, 2) : p.dh;
    p.ih = pick(1, 24);
    p.iw = pick(0, 3) == 0 ? pick(1, 40) : p.ih;
    p.bias = pick(0, 4) != 0;
    try {
      validate(p);
      return p;
    } catch (const std::exception&) {
      // invalid draw (kernel larger than the padded input...): draw again
    }
  }
}

inline Pool2dParams random_pool2d(std::mt19937_64& rng) {
  auto pick = [&](int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(rng() % static_cast<uint64_t>(hi - lo + 1));
  };
  for (;;) {
    Pool2dParams p;
    p.alg = static_cast<PoolAlg>(pick(0, 2));
    p.mb = pick(1, 3);
    p.ic = pick(1, 6);
    p.kh = pick(1, 4);
    p.kw = pick(0, 2) == 0 ? pick(1, 4) : p.kh;
    p.sh = pick(0, 2) == 0 ? pick(1, 5) : p.kh;
    p.sw = pick(0, 2) == 0 ? pick(1, 5) : p.kw;
    p.ph = pick(0, p.kh / 2);
    p.pw = pick(0, p.kw / 2);
    if (!p.is_avg()) {
      p.dh = pick(0, 3) == 0 ? pick(1, 2) : 0;
      p.dw = pick(0, 3) == 0 ? pick(1, 2) : p.dh;
    }
    p.ceil_mode = pick(0, 1) == 1;
    p.relu = pick(0, 3) == 0;
    if (p.is_avg() && pick(0, 4) == 0) p.divisor = pick(1, 12);
    if (!p.is_avg()) p.indices = pick(0, 4) == 0;
    if (pick(0, 15) == 0) p.mb = 0;
    p.ih = pick(1, 24);
    p.iw = pick(0, 3) == 0 ? pick(1, 70) : p.ih;
    try {
      validate(p);
      return p;
    } catch (const std::exception&) {
    }
  }
}

}  // namespace convlab::testing

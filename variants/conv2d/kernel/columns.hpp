// Which output columns read inside the image, per kernel column: the packer
// of the branch b1 (im2col) and step 01's row loop use it to leave the
// padding test out of their inner loops.
#pragma once

#include <cstdint>

#include "convlab/params.hpp"
#include "conv2d/kernel/pack.hpp"

namespace convlab::conv2d::kernel {

// begin[kw] .. end[kw]: the output columns ow whose input column
// ow*sw - pl + kw*(dw+1) lies in [0, iw).
struct ValidColumns {
  explicit ValidColumns(const Conv2dParams& p) : begin(p.kw), end(p.kw) {
    const int64_t OW = p.ow();
    for (int64_t kw = 0; kw < p.kw; ++kw) {
      const int64_t shift = kw * (p.dw + 1) - p.pl;  // input column of ow = 0
      int64_t lo = 0, hi = OW;
      while (lo < OW && lo * p.sw + shift < 0) ++lo;
      while (hi > lo && (hi - 1) * p.sw + shift >= p.iw) --hi;
      begin[kw] = lo;
      end[kw] = hi;
    }
  }
  std::size_t bytes() const { return (begin.size() + end.size()) * sizeof(int64_t); }
  Buffer<int64_t> begin, end;
};

}  // namespace convlab::conv2d::kernel

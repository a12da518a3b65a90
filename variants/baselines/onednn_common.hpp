// What the oneDNN baseline rows (forward: onednn.cpp, backward:
// onednn_backward.cpp) share: the CPU engine, oneDNN's thread count for a
// scope, and the caller's plain layouts with the problem's strides, dilation
// and padding in oneDNN's terms.
#pragma once

#include <omp.h>

#include <oneapi/dnnl/dnnl.hpp>

#include "convlab/params.hpp"

namespace convlab::onednn {

inline const dnnl::engine& cpu_engine() {
  static const dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

// omp_set_num_threads for a scope; OpenMP's value is per calling thread.
class OmpThreads {
 public:
  explicit OmpThreads(int threads) : saved_(omp_get_max_threads()) { omp_set_num_threads(threads); }
  ~OmpThreads() { omp_set_num_threads(saved_); }
  OmpThreads(const OmpThreads&) = delete;
  OmpThreads& operator=(const OmpThreads&) = delete;

 private:
  int saved_;
};

// The caller's plain layouts (NCHW, OIHW or GOIHW when grouped, bias x) and
// the geometry: oneDNN wants the right padding that makes
// (ih + pl + pr - ekh) / sh + 1 == oh exactly (benchdnn's convention); it may
// be negative when the stride drops rows, which oneDNN accepts down to 1 - stride.
struct PlainDescs {
  dnnl::memory::desc src, weights, bias, dst;
  dnnl::memory::dims strides, dilates, pad_l, pad_r;
};
inline PlainDescs plain_descs(const Conv2dParams& p) {
  using tag = dnnl::memory::format_tag;
  using dt = dnnl::memory::data_type;
  PlainDescs d;
  d.src = {{p.mb, p.ic, p.ih, p.iw}, dt::f32, tag::nchw};
  d.weights = p.g > 1 ? dnnl::memory::desc({p.g, p.ocg(), p.icg(), p.kh, p.kw}, dt::f32, tag::goihw)
                      : dnnl::memory::desc({p.oc, p.ic, p.kh, p.kw}, dt::f32, tag::oihw);
  if (p.bias) d.bias = {{p.oc}, dt::f32, tag::x};
  d.dst = {{p.mb, p.oc, p.oh(), p.ow()}, dt::f32, tag::nchw};
  d.strides = {p.sh, p.sw};
  d.dilates = {p.dh, p.dw};
  d.pad_l = {p.pt, p.pl};
  d.pad_r = {(p.oh() - 1) * p.sh + p.ekh() - p.ih - p.pt, (p.ow() - 1) * p.sw + p.ekw() - p.iw - p.pl};
  return d;
}

}  // namespace convlab::onednn

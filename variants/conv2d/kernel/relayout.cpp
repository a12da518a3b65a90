// The re-layout kernels (relayout.hpp), compiled once per ISA.
// CONVLAB_MULTIARCH_FILE
#include "conv2d/kernel/relayout.hpp"

#include "convlab/simd.hpp"

namespace convlab::conv2d::kernel {
struct ToPixels {
  template <class Arch>
  void operator()(Arch, const Relayout& r) const;
};
struct ToPlanes {
  template <class Arch>
  void operator()(Arch, const Relayout& r) const;
};
}  // namespace convlab::conv2d::kernel

CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::ToPixels, const convlab::conv2d::kernel::Relayout&);
CONVLAB_DECLARE_KERNEL(convlab::conv2d::kernel::ToPlanes, const convlab::conv2d::kernel::Relayout&);

#if CONVLAB_ARCH_PASS

#include "conv2d/kernel/relayout_arch.hpp"

template <class Arch>
void convlab::conv2d::kernel::ToPixels::operator()(Arch, const Relayout& r) const {
  planes_to_pixels<Arch>(r.planes, r.plane, r.row, static_cast<int>(r.channels), r.rows, r.cols, r.pixels_out,
                         r.pixel_row);
}
template <class Arch>
void convlab::conv2d::kernel::ToPlanes::operator()(Arch, const Relayout& r) const {
  pixels_to_planes<Arch>(r.pixels, r.pixel_row, static_cast<int>(r.channels), r.rows, r.cols, r.planes_out,
                         r.plane, r.row);
}
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::ToPixels, const convlab::conv2d::kernel::Relayout&);
CONVLAB_DEFINE_KERNEL(convlab::conv2d::kernel::ToPlanes, const convlab::conv2d::kernel::Relayout&);

#else  // baseline pass

void convlab::conv2d::kernel::to_pixels(Isa isa, const Relayout& r) { simd::dispatch(isa, ToPixels{}, r); }
void convlab::conv2d::kernel::to_planes(Isa isa, const Relayout& r) { simd::dispatch(isa, ToPlanes{}, r); }

#endif

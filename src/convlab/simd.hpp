// Runtime dispatch over AVX-512 / AVX2+FMA / SSE4.2 with xsimd, and the
// multi-architecture build that feeds it.
//
// How a SIMD file is written (src/convlab/probe.cpp is a small, complete one):
//
//   // CONVLAB_MULTIARCH_FILE   <- this word makes CMake compile the file
//   //                             once more per ISA with that ISA's -march
//   #include "convlab/simd.hpp"
//   namespace convlab::conv2d::simd_step {
//   struct Args { ... };                       // plain data, no std containers
//   struct Kernel { template <class Arch> void operator()(Arch, const Args&) const; };
//   }
//   CONVLAB_DECLARE_KERNEL(convlab::conv2d::simd_step::Kernel, const convlab::conv2d::simd_step::Args&)
//   #if CONVLAB_ARCH_PASS                     // compiled with the ISA's flags
//   template <class Arch> void convlab::conv2d::simd_step::Kernel::operator()(Arch, const Args& a) const {...}
//   CONVLAB_DEFINE_KERNEL(convlab::conv2d::simd_step::Kernel, const convlab::conv2d::simd_step::Args&)
//   #else                                     // compiled with the baseline flags
//   ... the plan calls convlab::simd::dispatch(isa, Kernel{}, args) ...
//   #endif
//
// Rule that keeps this safe: code in an arch pass must not call a non-inline
// helper or an inline helper that is not a template on Arch. Otherwise the
// linker may keep the AVX-512 copy of that helper for every caller (ODR), and
// the AVX2 path dies with SIGILL on a machine (or under valgrind) without
// AVX-512. Make helpers `template <class Arch>` or put them inside the kernel.
#pragma once

#include <utility>
#include <xsimd/xsimd.hpp>

#include "convlab/isa.hpp"

namespace convlab::simd {

using Avx512 = xsimd::avx512bw;
using Avx2 = xsimd::fma3<xsimd::avx2>;
using Sse42 = xsimd::sse4_2;

template <class Arch>
using floats = xsimd::batch<float, Arch>;

// Calls kernel(Arch{}, args...) for the best architecture not above `isa`.
// xsimd::dispatch walks its list best-first (the list must be sorted so).
template <class Kernel, class... Args>
void dispatch(Isa isa, Kernel kernel, Args&&... args) {
  switch (isa) {
    case Isa::avx512:
      xsimd::dispatch<xsimd::arch_list<Avx512, Avx2, Sse42>>(kernel)(std::forward<Args>(args)...);
      return;
    case Isa::avx2:
      xsimd::dispatch<xsimd::arch_list<Avx2, Sse42>>(kernel)(std::forward<Args>(args)...);
      return;
    case Isa::sse42:
      xsimd::dispatch<xsimd::arch_list<Sse42>>(kernel)(std::forward<Args>(args)...);
      return;
  }
}

}  // namespace convlab::simd

#if defined(CONVLAB_ARCH_PASS_avx512)
#define CONVLAB_ARCH_PASS 1
#define CONVLAB_THIS_ARCH ::convlab::simd::Avx512
#elif defined(CONVLAB_ARCH_PASS_avx2)
#define CONVLAB_ARCH_PASS 1
#define CONVLAB_THIS_ARCH ::convlab::simd::Avx2
#elif defined(CONVLAB_ARCH_PASS_sse42)
#define CONVLAB_ARCH_PASS 1
#define CONVLAB_THIS_ARCH ::convlab::simd::Sse42
#else
#define CONVLAB_ARCH_PASS 0
#endif

// Every pass: the three instantiations exist elsewhere, do not make them here.
#define CONVLAB_DECLARE_KERNEL(Kernel, ...)                                                   \
  extern template void Kernel::operator()<::convlab::simd::Avx512>(::convlab::simd::Avx512,   \
                                                                   __VA_ARGS__) const;        \
  extern template void Kernel::operator()<::convlab::simd::Avx2>(::convlab::simd::Avx2,       \
                                                                 __VA_ARGS__) const;          \
  extern template void Kernel::operator()<::convlab::simd::Sse42>(::convlab::simd::Sse42,     \
                                                                  __VA_ARGS__) const

// Arch pass only: instantiate the kernel for this pass's architecture.
#define CONVLAB_DEFINE_KERNEL(Kernel, ...) \
  template void Kernel::operator()<CONVLAB_THIS_ARCH>(CONVLAB_THIS_ARCH, __VA_ARGS__) const

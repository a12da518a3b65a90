#include "convlab/isa.hpp"

#include <cstdlib>
#include <string>
#include <xsimd/xsimd.hpp>

#include "convlab/error.hpp"

namespace convlab {

const char* to_string(Isa isa) {
  switch (isa) {
    case Isa::sse42: return "sse42";
    case Isa::avx2: return "avx2";
    case Isa::avx512: return "avx512";
  }
  return "?";
}

Isa parse_isa(std::string_view text) {
  for (Isa isa : {Isa::sse42, Isa::avx2, Isa::avx512})
    if (text == to_string(isa)) return isa;
  throw Error("isa", std::string(text), "unknown instruction set (sse42, avx2, avx512)");
}

Isa parse_runnable_isa(std::string_view text) {
  const Isa isa = parse_isa(text);
  if (static_cast<int>(isa) > static_cast<int>(detected_isa()))
    throw Error("isa", std::string(text), std::string("this CPU offers at most ") + to_string(detected_isa()));
  return isa;
}

Isa detected_isa() {
  const auto a = xsimd::available_architectures();
  // The avx512 pass is compiled for x86-64-v4 (F, CD, DQ, BW, VL).
  if (a.avx512f && a.avx512cd && a.avx512dq && a.avx512bw) return Isa::avx512;
  if (a.avx2 && a.fma3_avx2) return Isa::avx2;
  if (a.sse4_2) return Isa::sse42;
  throw Error("isa", "none", "convlab needs at least SSE4.2");
}

Isa default_isa() {
  const Isa best = detected_isa();
  const char* cap = std::getenv("CONVLAB_ISA");
  if (cap == nullptr || *cap == '\0') return best;
  const Isa wanted = parse_isa(cap);
  return static_cast<int>(wanted) < static_cast<int>(best) ? wanted : best;
}

std::vector<Isa> available_isas() {
  std::vector<Isa> out;
  for (int i = static_cast<int>(detected_isa()); i >= 0; --i) out.push_back(static_cast<Isa>(i));
  return out;
}

int vector_floats(Isa isa) {
  switch (isa) {
    case Isa::sse42: return 4;
    case Isa::avx2: return 8;
    case Isa::avx512: return 16;
  }
  return 1;
}

bool has_fma(Isa isa) { return isa != Isa::sse42; }

void cap_library_isa(Isa isa) {
  if (static_cast<int>(isa) >= static_cast<int>(detected_isa())) return;
  setenv("ONEDNN_MAX_CPU_ISA", isa == Isa::avx2 ? "AVX2" : "SSE41", /*overwrite=*/0);
}

}  // namespace convlab

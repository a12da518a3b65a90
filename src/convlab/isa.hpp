// The instruction sets convlab's SIMD steps dispatch over, best last.
// default_isa() is what the CPU offers, capped by the environment variable
// CONVLAB_ISA (sse42 | avx2 | avx512) so that every dispatch path can be
// tested and measured on one machine.
#pragma once

#include <string_view>
#include <vector>

namespace convlab {

enum class Isa { sse42 = 0, avx2 = 1, avx512 = 2 };

const char* to_string(Isa isa);            // "sse42", "avx2", "avx512"
Isa parse_isa(std::string_view text);      // throws convlab::Error naming "isa"
Isa detected_isa();                        // the best this CPU runs
// parse_isa, and an ISA above detected_isa() refused naming "isa": every
// command checks --isa once, before any plan would fail on it.
Isa parse_runnable_isa(std::string_view text);
Isa default_isa();                         // detected, capped by $CONVLAB_ISA
std::vector<Isa> available_isas();         // every Isa <= detected, best first
int vector_floats(Isa isa);                // fp32 lanes per register: 4, 8, 16
bool has_fma(Isa isa);                     // sse42 has none: mul + add
// Production libraries (oneDNN) pick their ISA by themselves, once per
// process. This caps them at `isa` as well (ONEDNN_MAX_CPU_ISA, unless the
// environment already sets it), so that baseline rows run the ISA of the
// roof they are compared with. Call it before the first baseline plan.
void cap_library_isa(Isa isa);

}  // namespace convlab

#include "loop_order_nest.hpp"

#include <algorithm>
#include <utility>

namespace convlab::study {

namespace {

// Level L of the nest loops over dimension Order[L]; level 6 is the body.
// Indices live in an array indexed by compile-time constants, which GCC
// scalarizes; address arithmetic is strength-reduced per loop as usual.
// always_inline/flatten matter: with 720 instantiations in one unit GCC's
// inline budget runs out and leaves the body as a call in some orders only,
// which would make those orders slow for a reason that has nothing to do with
// memory. Every order must be one flat loop nest.
template <int Level, int... Order>
[[gnu::always_inline]] inline void nest(const NestProblem& pr, int64_t (&i)[6], const float* __restrict x,
                 const float* __restrict w, float* __restrict y) {
  if constexpr (Level == 6) {
    const int64_t P = pr.extent[kP], Q = pr.extent[kQ], C = pr.extent[kC], R = pr.extent[kR],
                  S = pr.extent[kS];
    y[(i[kK] * P + i[kP]) * Q + i[kQ]] +=
        x[(i[kC] * pr.H + i[kP] * pr.sh + i[kR]) * pr.W + i[kQ] * pr.sw + i[kS]] *
        w[((i[kK] * C + i[kC]) * R + i[kR]) * S + i[kS]];
  } else {
    constexpr int order[] = {Order...};
    constexpr int d = order[Level];
    const int64_t n = pr.extent[d];
    for (i[d] = 0; i[d] < n; ++i[d]) nest<Level + 1, Order...>(pr, i, x, w, y);
  }
}

template <int... Order>
[[gnu::flatten]] void run_order(const NestProblem& pr, const float* __restrict x, const float* __restrict w,
               float* __restrict y) {
  int64_t i[6] = {0, 0, 0, 0, 0, 0};
  nest<0, Order...>(pr, i, x, w, y);
}

constexpr std::array<std::array<int, 6>, 720> make_permutations() {
  std::array<std::array<int, 6>, 720> out{};
  std::array<int, 6> p = {0, 1, 2, 3, 4, 5};
  for (int n = 0; n < 720; ++n) {
    out[n] = p;
    std::next_permutation(p.begin(), p.end());
  }
  return out;
}
constexpr auto kPermutations = make_permutations();

template <std::size_t N>
constexpr NestFn fn_at() {
  constexpr auto p = kPermutations[N];
  return &run_order<p[0], p[1], p[2], p[3], p[4], p[5]>;
}

template <std::size_t... N>
constexpr std::array<NestFn, 720> make_table(std::index_sequence<N...>) {
  return {fn_at<N>()...};
}
constexpr std::array<NestFn, 720> kTable = make_table(std::make_index_sequence<720>{});

}  // namespace

const std::array<std::string, 720>& all_orders() {
  static const std::array<std::string, 720> names = [] {
    std::array<std::string, 720> n;
    for (int i = 0; i < 720; ++i)
      for (int d : kPermutations[i]) n[i] += kDimLetters[d];
    return n;
  }();
  return names;
}

NestFn nest_for(const std::string& order) {
  const auto& names = all_orders();
  for (int i = 0; i < 720; ++i)
    if (names[i] == order) return kTable[i];
  return nullptr;
}

}  // namespace convlab::study

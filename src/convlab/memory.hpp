// 64-byte aligned allocation that counts. Every tensor, packed weight and
// workspace in convlab allocates through here, so the memory study can report
// the true peak of a forward pass (activations + parameters + workspaces)
// measured, not estimated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <memory>
#include <new>

namespace convlab::memory {

inline constexpr std::size_t kAlignment = 64;  // one cache line, one AVX-512 register

void* allocate(std::size_t bytes);              // throws std::bad_alloc

// What the machine can still give, /proc/meminfo's MemAvailable in bytes
// (0 when it cannot be read: then nothing is refused).
std::int64_t available_bytes();
// Refuses, before anything is allocated, a problem whose estimated `bytes`
// exceed what is available: convlab::Error naming "memory" with both figures
// and `what` the bytes are for. Without it a shape that fits the address space
// but not the machine grew until the OOM killer ended the run.
void require_available(double bytes, const std::string& what);
void deallocate(void* p, std::size_t bytes) noexcept;

struct Stats {
  std::int64_t current_bytes = 0;  // live now
  std::int64_t peak_bytes = 0;     // high-water mark since the last reset_peak()
  std::int64_t allocations = 0;    // calls to allocate() since start
};
Stats stats() noexcept;
void reset_peak() noexcept;  // peak := current

// Standard allocator over allocate()/deallocate(), for std::vector.
template <class T>
struct Allocator {
  using value_type = T;
  Allocator() noexcept = default;
  template <class U>
  Allocator(const Allocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    if (n > SIZE_MAX / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(memory::allocate(n * sizeof(T)));
  }
  void deallocate(T* p, std::size_t n) noexcept { memory::deallocate(p, n * sizeof(T)); }
  template <class U>
  bool operator==(const Allocator<U>&) const noexcept { return true; }
};

}  // namespace convlab::memory

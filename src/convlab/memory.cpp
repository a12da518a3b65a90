#include "convlab/memory.hpp"

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <string>

#include <fmt/core.h>

#include "convlab/error.hpp"

namespace convlab::memory {

namespace {
std::atomic<std::int64_t> g_current{0};
std::atomic<std::int64_t> g_peak{0};
std::atomic<std::int64_t> g_allocations{0};

void raise_peak(std::int64_t now) {
  std::int64_t peak = g_peak.load(std::memory_order_relaxed);
  while (now > peak && !g_peak.compare_exchange_weak(peak, now, std::memory_order_relaxed)) {
  }
}
}  // namespace

void* allocate(std::size_t bytes) {
  // aligned_alloc wants a multiple of the alignment; a zero-byte request still
  // gets a distinct, freeable pointer.
  const std::size_t rounded = (bytes + kAlignment - 1) / kAlignment * kAlignment;
  if (rounded < bytes) throw std::bad_alloc();
  void* p = std::aligned_alloc(kAlignment, rounded == 0 ? kAlignment : rounded);
  if (p == nullptr) throw std::bad_alloc();
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  raise_peak(g_current.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed) +
             static_cast<std::int64_t>(bytes));
  return p;
}

void deallocate(void* p, std::size_t bytes) noexcept {
  if (p == nullptr) return;
  g_current.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  std::free(p);
}

std::int64_t available_bytes() {
  std::ifstream meminfo("/proc/meminfo");
  std::string key;
  std::int64_t kib = 0;
  std::string unit;
  while (meminfo >> key >> kib >> unit)
    if (key == "MemAvailable:") return kib * 1024;
  return 0;
}

void require_available(double bytes, const std::string& what) {
  const std::int64_t available = available_bytes();
  if (available > 0 && bytes > static_cast<double>(available))
    throw Error("memory", fmt::format("{:.1f} GiB", bytes / (1 << 30)),
                fmt::format("needed for {}, more than the {:.1f} GiB this machine has available", what,
                            static_cast<double>(available) / (1 << 30)));
}

Stats stats() noexcept {
  return {g_current.load(std::memory_order_relaxed), g_peak.load(std::memory_order_relaxed),
          g_allocations.load(std::memory_order_relaxed)};
}

void reset_peak() noexcept { g_peak.store(g_current.load(std::memory_order_relaxed)); }

}  // namespace convlab::memory

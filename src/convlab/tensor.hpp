// Dense fp32 tensors: 64-byte aligned, row-major (NCHW for activations, OIHW
// for weights), allocated through convlab::memory so they are counted.
// A TensorView is a non-owning window with its own shape; flatten is a view.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <vector>

#include "convlab/memory.hpp"

namespace convlab {

using Shape = std::vector<int64_t>;

int64_t element_count(const Shape& shape);  // throws convlab::Error on overflow or a size < 0
std::string to_string(const Shape& shape);  // "[2, 3, 32, 32]"

class TensorView {
 public:
  TensorView() = default;
  TensorView(float* data, Shape shape);

  float* data() const { return data_; }
  const Shape& shape() const { return shape_; }
  int64_t size() const { return size_; }
  std::span<float> span() const { return {data_, static_cast<std::size_t>(size_)}; }

  // The same memory under another shape with the same element count.
  TensorView reshaped(Shape shape) const;

 private:
  float* data_ = nullptr;
  Shape shape_;
  int64_t size_ = 0;
};

// torch.flatten(x, start_dim): dimensions start_dim..last merged into one, as
// a view of the same memory (zero-copy; row-major order is kept because the
// merged dimensions are the innermost). The default keeps the batch: NCHW ->
// [N, C*H*W], what the seed's flatten feeds to Linear. start_dim may be
// negative (counted from the end, as in PyTorch); out of range throws
// convlab::Error naming "start_dim".
TensorView flatten(const TensorView& x, int start_dim = 1);

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(Shape shape);  // zero-filled

  float* data() { return storage_.data(); }
  const float* data() const { return storage_.data(); }
  const Shape& shape() const { return shape_; }
  int64_t size() const { return static_cast<int64_t>(storage_.size()); }
  std::span<float> span() { return storage_; }
  std::span<const float> span() const { return storage_; }
  TensorView view() { return TensorView(data(), shape_); }
  std::size_t bytes() const { return storage_.size() * sizeof(float); }

 private:
  Shape shape_;
  std::vector<float, memory::Allocator<float>> storage_;
};

}  // namespace convlab

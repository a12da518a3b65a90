#include "convlab/tensor.hpp"

#include "convlab/error.hpp"

namespace convlab {

int64_t element_count(const Shape& shape) {
  int64_t n = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] < 0)
      throw Error("shape[" + std::to_string(i) + "]", std::to_string(shape[i]),
                  "a dimension cannot be negative");
    if (__builtin_mul_overflow(n, shape[i], &n))
      throw Error("shape", to_string(shape), "element count overflows 64 bits");
  }
  return n;
}

std::string to_string(const Shape& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

TensorView::TensorView(float* data, Shape shape)
    : data_(data), shape_(std::move(shape)), size_(element_count(shape_)) {}

TensorView TensorView::reshaped(Shape shape) const {
  const int64_t n = element_count(shape);
  if (n != size_)
    throw Error("shape", to_string(shape),
                "a view must keep the element count " + std::to_string(size_) + " of " +
                    to_string(shape_));
  return TensorView(data_, std::move(shape));
}

TensorView flatten(const TensorView& x, int start_dim) {
  const int rank = static_cast<int>(x.shape().size());
  const int dim = start_dim < 0 ? start_dim + rank : start_dim;
  if (rank == 0 || dim < 0 || dim >= rank)
    throw Error("start_dim", std::to_string(start_dim),
                "out of range for a tensor of shape " + to_string(x.shape()));
  Shape merged(x.shape().begin(), x.shape().begin() + dim);
  int64_t inner = 1;
  for (int i = dim; i < rank; ++i) inner *= x.shape()[static_cast<std::size_t>(i)];
  merged.push_back(inner);
  return x.reshaped(std::move(merged));
}

Tensor::Tensor(Shape shape)
    : shape_(std::move(shape)), storage_(static_cast<std::size_t>(element_count(shape_)), 0.0f) {}

}  // namespace convlab

// The backward registry beside the lists it includes (registry_backward.hpp).
#include "convlab/registry_backward.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "convlab/error.hpp"

namespace convlab {

namespace conv2d_bwd {
#define CONVLAB_BWD_DATA_VARIANT(id) const ConvBwdDataVariant& id();
#define CONVLAB_BWD_WEIGHTS_VARIANT(id) const ConvBwdWeightsVariant& id();
#include "conv2d_bwd/list.def"
#undef CONVLAB_BWD_DATA_VARIANT
#undef CONVLAB_BWD_WEIGHTS_VARIANT
}  // namespace conv2d_bwd
namespace pool2d_bwd {
#define CONVLAB_POOL_BWD_VARIANT(id) const PoolBwdVariant& id();
#include "pool2d_bwd/list.def"
#undef CONVLAB_POOL_BWD_VARIANT
}  // namespace pool2d_bwd

namespace {

template <class V>
std::vector<const V*> checked(std::vector<const V*> list) {
  std::set<std::string_view> names;
  for (const V* v : list)
    if (!names.insert(v->name()).second)
      throw std::logic_error("convlab backward registry: two variants named " + std::string(v->name()));
  return list;
}

template <class V>
const V& find(std::span<const V* const> list, std::string_view name, const char* op) {
  std::string known;
  for (const V* v : list) {
    if (v->name() == name) return *v;
    known += (known.empty() ? "" : ", ") + std::string(v->name());
  }
  throw Error("variant", std::string(name), std::string("no ") + op + " variant has that name (known: " + known + ")");
}

}  // namespace

std::span<const ConvBwdDataVariant* const> conv2d_bwd_data_variants() {
  static const std::vector<const ConvBwdDataVariant*> list = checked<ConvBwdDataVariant>({
#define CONVLAB_BWD_DATA_VARIANT(id) &conv2d_bwd::id(),
#define CONVLAB_BWD_WEIGHTS_VARIANT(id)
#include "conv2d_bwd/list.def"
#undef CONVLAB_BWD_DATA_VARIANT
#undef CONVLAB_BWD_WEIGHTS_VARIANT
  });
  return list;
}

std::span<const ConvBwdWeightsVariant* const> conv2d_bwd_weights_variants() {
  static const std::vector<const ConvBwdWeightsVariant*> list = checked<ConvBwdWeightsVariant>({
#define CONVLAB_BWD_DATA_VARIANT(id)
#define CONVLAB_BWD_WEIGHTS_VARIANT(id) &conv2d_bwd::id(),
#include "conv2d_bwd/list.def"
#undef CONVLAB_BWD_DATA_VARIANT
#undef CONVLAB_BWD_WEIGHTS_VARIANT
  });
  return list;
}

std::span<const PoolBwdVariant* const> pool2d_bwd_variants() {
  static const std::vector<const PoolBwdVariant*> list = checked<PoolBwdVariant>({
#define CONVLAB_POOL_BWD_VARIANT(id) &pool2d_bwd::id(),
#include "pool2d_bwd/list.def"
#undef CONVLAB_POOL_BWD_VARIANT
  });
  return list;
}

const ConvBwdDataVariant& conv2d_bwd_data_variant(std::string_view name) {
  return find(conv2d_bwd_data_variants(), name, "conv2d_bwd_data");
}
const ConvBwdWeightsVariant& conv2d_bwd_weights_variant(std::string_view name) {
  return find(conv2d_bwd_weights_variants(), name, "conv2d_bwd_weights");
}
const PoolBwdVariant& pool2d_bwd_variant(std::string_view name) {
  return find(pool2d_bwd_variants(), name, "pool2d_bwd");
}

}  // namespace convlab

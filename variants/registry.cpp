// The registry beside the lists it includes: the core declares the lookup
// (src/convlab/registry.hpp) and never includes a variant's file.
#include "convlab/registry.hpp"

#include "convlab/error.hpp"

#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace convlab {

// Declarations of every factory named in the lists.
namespace conv2d {
#define CONVLAB_VARIANT(id) const ConvVariant& id();
#include "conv2d/list.def"
#undef CONVLAB_VARIANT
}  // namespace conv2d
namespace pool2d {
#define CONVLAB_VARIANT(id) const PoolVariant& id();
#include "pool2d/list.def"
#undef CONVLAB_VARIANT
}  // namespace pool2d
namespace baselines {
#define CONVLAB_CONV2D_BASELINE(id) const ConvVariant& id();
#define CONVLAB_POOL2D_BASELINE(id) const PoolVariant& id();
#include "baselines/list.def"
#undef CONVLAB_CONV2D_BASELINE
#undef CONVLAB_POOL2D_BASELINE
}  // namespace baselines

namespace {

template <class V>
std::vector<const V*> checked(std::vector<const V*> list) {
  std::set<std::string_view> names;
  for (const V* v : list)
    if (!names.insert(v->name()).second)
      throw std::logic_error("convlab registry: two variants named " + std::string(v->name()));
  return list;
}

}  // namespace

std::span<const ConvVariant* const> conv2d_variants() {
  static const std::vector<const ConvVariant*> list = checked<ConvVariant>({
#define CONVLAB_VARIANT(id) &conv2d::id(),
#include "conv2d/list.def"
#undef CONVLAB_VARIANT
#define CONVLAB_CONV2D_BASELINE(id) &baselines::id(),
#define CONVLAB_POOL2D_BASELINE(id)
#include "baselines/list.def"
#undef CONVLAB_CONV2D_BASELINE
#undef CONVLAB_POOL2D_BASELINE
  });
  return list;
}

std::span<const PoolVariant* const> pool2d_variants() {
  static const std::vector<const PoolVariant*> list = checked<PoolVariant>({
#define CONVLAB_VARIANT(id) &pool2d::id(),
#include "pool2d/list.def"
#undef CONVLAB_VARIANT
#define CONVLAB_CONV2D_BASELINE(id)
#define CONVLAB_POOL2D_BASELINE(id) &baselines::id(),
#include "baselines/list.def"
#undef CONVLAB_CONV2D_BASELINE
#undef CONVLAB_POOL2D_BASELINE
  });
  return list;
}

const ConvVariant* find_conv2d_variant(std::string_view name) {
  for (const ConvVariant* v : conv2d_variants())
    if (v->name() == name) return v;
  return nullptr;
}

const PoolVariant* find_pool2d_variant(std::string_view name) {
  for (const PoolVariant* v : pool2d_variants())
    if (v->name() == name) return v;
  return nullptr;
}

const ConvVariant& conv2d_variant(std::string_view name) {
  const ConvVariant* v = find_conv2d_variant(name);
  if (v == nullptr) throw Error("variant", std::string(name), "no conv2d variant of that name");
  return *v;
}

const PoolVariant& pool2d_variant(std::string_view name) {
  const PoolVariant* v = find_pool2d_variant(name);
  if (v == nullptr) throw Error("variant", std::string(name), "no pool2d variant of that name");
  return *v;
}

}  // namespace convlab

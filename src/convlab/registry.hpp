// The one list of every implementation, in study order (the ladder first,
// then the production baselines). Tests, the benchmark and the CLI iterate
// it; nothing else enumerates variants. Adding a variant = adding its file
// under variants/<op>/ and one line to that folder's list.def. Defined in
// variants/registry.cpp, beside the lists it includes.
#pragma once

#include <span>
#include <string_view>

#include "convlab/variant.hpp"

namespace convlab {

std::span<const ConvVariant* const> conv2d_variants();
std::span<const PoolVariant* const> pool2d_variants();

// nullptr when no variant has that name.
const ConvVariant* find_conv2d_variant(std::string_view name);
const PoolVariant* find_pool2d_variant(std::string_view name);
// The variant of that name; throws convlab::Error naming "variant" when none has it.
const ConvVariant& conv2d_variant(std::string_view name);
const PoolVariant& pool2d_variant(std::string_view name);

}  // namespace convlab

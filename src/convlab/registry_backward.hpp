// The backward pass's lists, in study order (ladder, then baselines), as
// registry.hpp lists the forward's: tests, the benchmark and the CLI iterate
// them. Adding a variant = its file under variants/<op>_bwd/ and one line in
// that folder's list.def. Defined in variants/registry_backward.cpp.
#pragma once

#include <span>
#include <string_view>

#include "convlab/backward.hpp"

namespace convlab {

std::span<const ConvBwdDataVariant* const> conv2d_bwd_data_variants();
std::span<const ConvBwdWeightsVariant* const> conv2d_bwd_weights_variants();
std::span<const PoolBwdVariant* const> pool2d_bwd_variants();

// Throw convlab::Error naming "variant" when none has that name.
const ConvBwdDataVariant& conv2d_bwd_data_variant(std::string_view name);
const ConvBwdWeightsVariant& conv2d_bwd_weights_variant(std::string_view name);
const PoolBwdVariant& pool2d_bwd_variant(std::string_view name);

}  // namespace convlab

// Baselines for the conv2d backward pass: oneDNN 2.6 (Debian's libdnnl-dev)
// behind ConvBwdDataVariant / ConvBwdWeightsVariant, both rows named `onednn`
// in their lists (variants/conv2d_bwd/list.def, under CONVLAB_HAVE_DNNL).
// bwd_data     dnnl::convolution_backward_data, created with the hint of a
//              forward_training primitive_desc of the same problem (oneDNN's rule)
// bwd_weights  dnnl::convolution_backward_weights (with diff_bias when the
//              problem has a bias), the same hint
// Memory: plain NCHW / OIHW (GOIHW when grouped) on the caller's buffers, no
//   reorders, so the rows compare with the ladder on the same layouts.
// Threads: GNU OpenMP, set around primitive creation and execution as in
//   onednn.cpp. oneDNN may split the weights reduction over threads, so its
//   bits may change with the thread count (only the ladder promises otherwise).
// supports(): whether oneDNN creates the primitive, with its message.
// Measured (AMD EPYC family 26 (Zen 5), AVX-512, 1 thread, best of 15): cifar
//   conv2 mb32ic32ih15oc64kh3 bwd_data 93, bwd_weights 101 GFLOP/s (forward
//   parallel 195). Re-run: flock /tmp/convlab-cpu.lock build/release/tests/convlab_tests
//   --gtest_also_run_disabled_tests --gtest_filter='ConvBwd.DISABLED_SuiteTiming'
#include <omp.h>

#include <fmt/core.h>

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <string>
#include <unordered_map>

#include "baselines/onednn_common.hpp"
#include "convlab/backward.hpp"

namespace convlab::conv2d_bwd {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

using onednn::cpu_engine;
using onednn::OmpThreads;
using Descs = onednn::PlainDescs;
inline Descs descs(const Conv2dParams& p) { return onednn::plain_descs(p); }

dnnl::convolution_forward::primitive_desc forward_hint(const Conv2dParams& p, const Descs& d) {
  const dnnl::convolution_forward::desc desc(dnnl::prop_kind::forward_training, dnnl::algorithm::convolution_direct,
                                             d.src, d.weights, d.bias, d.dst, d.strides, d.dilates, d.pad_l,
                                             d.pad_r);
  (void)p;
  return {desc, cpu_engine()};
}

dnnl::convolution_backward_data::primitive_desc data_pd(const Conv2dParams& p) {
  const Descs d = descs(p);
  const dnnl::convolution_backward_data::desc desc(dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst,
                                                   d.strides, d.dilates, d.pad_l, d.pad_r);
  return {desc, cpu_engine(), forward_hint(p, d)};
}

dnnl::convolution_backward_weights::primitive_desc weights_pd(const Conv2dParams& p) {
  const Descs d = descs(p);
  if (p.bias) {
    const dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src, d.weights,
                                                        d.bias, d.dst, d.strides, d.dilates, d.pad_l, d.pad_r);
    return {desc, cpu_engine(), forward_hint(p, d)};
  }
  const dnnl::convolution_backward_weights::desc desc(dnnl::algorithm::convolution_direct, d.src, d.weights, d.dst,
                                                      d.strides, d.dilates, d.pad_l, d.pad_r);
  return {desc, cpu_engine(), forward_hint(p, d)};
}

class DataPlan final : public ConvBwdDataPlan {
 public:
  DataPlan(const Conv2dParams& p, const PlanOptions& o, const float* w) : ConvBwdDataPlan(p, o), stream_(cpu_engine()) {
    const OmpThreads threads(o.threads);
    pd_ = data_pd(p);
    prim_ = dnnl::convolution_backward_data(pd_);
    const Descs d = descs(p);
    weights_ = dnnl::memory(d.weights, cpu_engine(), const_cast<float*>(w));  // read only
    dy_ = dnnl::memory(d.dst, cpu_engine(), DNNL_MEMORY_NONE);
    dx_ = dnnl::memory(d.src, cpu_engine(), DNNL_MEMORY_NONE);
  }
  std::size_t workspace_bytes() const override { return pd_.scratchpad_desc().get_size(); }
  std::string describe() const override { return fmt::format("oneDNN {}", pd_.impl_info_str()); }

 private:
  void execute(const float* dy, float* dx) override {
    const OmpThreads threads(options().threads);
    dy_.set_data_handle(const_cast<float*>(dy));  // oneDNN only reads it
    dx_.set_data_handle(dx);
    prim_.execute(stream_, {{DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DIFF_SRC, dx_}});
    stream_.wait();
  }

  dnnl::stream stream_;
  dnnl::convolution_backward_data::primitive_desc pd_;
  dnnl::convolution_backward_data prim_;
  dnnl::memory weights_, dy_, dx_;
};

class WeightsPlan final : public ConvBwdWeightsPlan {
 public:
  WeightsPlan(const Conv2dParams& p, const PlanOptions& o) : ConvBwdWeightsPlan(p, o), stream_(cpu_engine()) {
    const OmpThreads threads(o.threads);
    pd_ = weights_pd(p);
    prim_ = dnnl::convolution_backward_weights(pd_);
    const Descs d = descs(p);
    x_ = dnnl::memory(d.src, cpu_engine(), DNNL_MEMORY_NONE);
    dy_ = dnnl::memory(d.dst, cpu_engine(), DNNL_MEMORY_NONE);
    dw_ = dnnl::memory(d.weights, cpu_engine(), DNNL_MEMORY_NONE);
    if (p.bias) db_ = dnnl::memory(d.bias, cpu_engine(), DNNL_MEMORY_NONE);
  }
  std::size_t workspace_bytes() const override { return pd_.scratchpad_desc().get_size(); }
  std::string describe() const override { return fmt::format("oneDNN {}", pd_.impl_info_str()); }

 private:
  void execute(const float* x, const float* dy, float* dw, float* db) override {
    const OmpThreads threads(options().threads);
    x_.set_data_handle(const_cast<float*>(x));
    dy_.set_data_handle(const_cast<float*>(dy));
    dw_.set_data_handle(dw);
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, x_}, {DNNL_ARG_DIFF_DST, dy_}, {DNNL_ARG_DIFF_WEIGHTS, dw_}};
    if (db != nullptr) {
      db_.set_data_handle(db);
      args.insert({DNNL_ARG_DIFF_BIAS, db_});
    }
    prim_.execute(stream_, args);
    stream_.wait();
  }

  dnnl::stream stream_;
  dnnl::convolution_backward_weights::primitive_desc pd_;
  dnnl::convolution_backward_weights prim_;
  dnnl::memory x_, dy_, dw_, db_;
};

class OnednnData final : public ConvBwdDataVariant {
 public:
  std::string_view name() const override { return "onednn"; }
  std::string_view summary() const override {
    return "oneDNN 2.6 convolution_backward_data on plain NCHW/OIHW memory";
  }
  VariantKind kind() const override { return VariantKind::baseline; }
  Support supports(const Conv2dParams& p) const override {
    try {
      data_pd(p);
      return Support::yes();
    } catch (const dnnl::error& e) {
      return Support::no(fmt::format("oneDNN has no implementation: {}", e.what()));
    }
  }

 protected:
  std::unique_ptr<ConvBwdDataPlan> make_plan(const Conv2dParams& p, const float* w,
                                             const PlanOptions& o) const override {
    return std::make_unique<DataPlan>(p, o, w);
  }
};

class OnednnWeights final : public ConvBwdWeightsVariant {
 public:
  std::string_view name() const override { return "onednn"; }
  std::string_view summary() const override {
    return "oneDNN 2.6 convolution_backward_weights (and diff_bias) on plain NCHW/OIHW memory";
  }
  VariantKind kind() const override { return VariantKind::baseline; }
  Support supports(const Conv2dParams& p) const override {
    try {
      weights_pd(p);
      return Support::yes();
    } catch (const dnnl::error& e) {
      return Support::no(fmt::format("oneDNN has no implementation: {}", e.what()));
    }
  }

 protected:
  std::unique_ptr<ConvBwdWeightsPlan> make_plan(const Conv2dParams& p, const PlanOptions& o) const override {
    return std::make_unique<WeightsPlan>(p, o);
  }
};

}  // namespace

const ConvBwdDataVariant& data_onednn() {
  static const OnednnData v;
  return v;
}

const ConvBwdWeightsVariant& weights_onednn() {
  static const OnednnWeights v;
  return v;
}

}  // namespace convlab::conv2d_bwd

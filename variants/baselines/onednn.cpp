// Baselines: oneDNN 2.6 (Debian's libdnnl-dev) behind the ConvVariant
// interface, the ceiling the ladder is compared with; compiled and registered
// only when CMake finds oneDNN (CONVLAB_HAVE_DNNL in list.def).
// onednn-nchw  convolution_forward (inference, direct) on plain NCHW/OIHW
//   memory: the caller's buffers in place, no reorder anywhere.
// onednn-best  the same with format `any`, so oneDNN picks its blocked layouts.
//   plan: create the primitive, reorder the weights once. run: NCHW in and out
//   like every variant (so it is cross-checked): src reorder + convolution +
//   dst reorder. run_compute_only() (the matrix row `onednn-best:compute`) is
//   the convolution alone on the source run() last reordered: what a framework
//   that keeps oneDNN's layouts from layer to layer pays.
// Threads: GNU OpenMP; oneDNN fixes its count at primitive creation and reads
//   it again at execution, so the plan sets omp_set_num_threads around both.
//   Forward convolutions never split the reduction, so the 1-4 thread bitwise
//   test passes for these rows; `gemm:jit` plans are not guaranteed to be.
// ISA: oneDNN dispatches by itself, process-wide; convlab-bench and the CLI cap
//   it at --isa through cap_library_isa (ONEDNN_MAX_CPU_ISA). describe() names
//   the implementation (e.g. "jit:avx512_core", "gemm:jit").
// Arithmetic: fp32, no Winograd, so integer-valued inputs come out exact.
// Measured (AMD EPYC (Zen 5), AVX-512, 1 thread, scripts/run-lab --quick,
//   results/matrix-cifar.md): cifar conv2 mb32ic32ih15oc64kh3 onednn-nchw
//   108 GFLOP/s, onednn-best 162 (78 % of peak), onednn-best:compute 190 (92 %).
//   Re-run one row: build/release/convlab run --variant onednn-nchw,onednn-best
//   --shape mb32ic32ih15oc64kh3 --reps 10 --peak
#include <omp.h>

#include <fmt/core.h>

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "baselines/onednn_common.hpp"
#include "convlab/memory.hpp"
#include "convlab/variant.hpp"

namespace convlab::baselines {

namespace {

using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

using onednn::cpu_engine;
using onednn::OmpThreads;

// plain = true: the caller's layouts; false: format `any` for src/weights/dst.
dnnl::convolution_forward::primitive_desc make_pd(const Conv2dParams& p, bool plain) {
  const onednn::PlainDescs u = onednn::plain_descs(p);
  auto any = [](const dnnl::memory::desc& d) {
    return dnnl::memory::desc(d.dims(), dt::f32, tag::any);
  };
  const dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
      plain ? u.src : any(u.src), plain ? u.weights : any(u.weights), u.bias,
      plain ? u.dst : any(u.dst), u.strides, u.dilates, u.pad_l, u.pad_r);
  return {desc, cpu_engine()};
}

// Shared by both rows: the primitive on the caller's plain buffers (nchw), or
// with reorders around it (best).
class OnednnPlan final : public ConvPlan {
 public:
  OnednnPlan(const Conv2dParams& p, const PlanOptions& o, const float* w, const float* b, bool plain)
      : ConvPlan(p, o), stream_(cpu_engine()) {
    const OmpThreads threads(o.threads);  // oneDNN fixes its thread count here
    const onednn::PlainDescs u = onednn::plain_descs(p);
    pd_ = make_pd(p, plain);
    // What the plan will allocate, known from the descriptor before any of it
    // is: the scratchpad, the reordered weights and activations.
    const auto size = [](const dnnl::memory::desc& d) { return static_cast<double>(d.get_size()); };
    memory::require_available(size(pd_.scratchpad_desc()) + size(pd_.weights_desc()) + size(pd_.src_desc()) +
                                  size(pd_.dst_desc()),
                              "oneDNN's scratchpad and reordered weights and activations");
    conv_ = dnnl::convolution_forward(pd_);
    const dnnl::engine& eng = cpu_engine();
    user_src_ = dnnl::memory(u.src, eng, DNNL_MEMORY_NONE);
    user_dst_ = dnnl::memory(u.dst, eng, DNNL_MEMORY_NONE);
    if (b != nullptr) bias_ = dnnl::memory(u.bias, eng, const_cast<float*>(b));  // read only

    // Weights: in place when oneDNN takes the caller's layout, else reordered once, here.
    dnnl::memory user_w(u.weights, eng, const_cast<float*>(w));  // read only
    if (pd_.weights_desc() == u.weights) {
      weights_ = user_w;
    } else {
      weights_ = dnnl::memory(pd_.weights_desc(), eng);
      dnnl::reorder(user_w, weights_).execute(stream_, user_w, weights_);
      stream_.wait();
      packed_weight_bytes_ = pd_.weights_desc().get_size();
    }
    // Activations: internal buffers in oneDNN's layout, and the reorders to
    // and from NCHW, only where the layouts differ.
    reorder_src_ = pd_.src_desc() != u.src;
    reorder_dst_ = pd_.dst_desc() != u.dst;
    if (reorder_src_) {
      src_ = dnnl::memory(pd_.src_desc(), eng);
      src_in_ = dnnl::reorder(user_src_, src_);
    }
    dst_ = dnnl::memory(pd_.dst_desc(), eng);  // also the target of run_compute_only()
    if (reorder_dst_) dst_out_ = dnnl::reorder(dst_, user_dst_);
    workspace_bytes_ = pd_.scratchpad_desc().get_size() + (reorder_src_ ? pd_.src_desc().get_size() : 0) +
                       pd_.dst_desc().get_size();
    plain_ = plain;
  }

  std::size_t workspace_bytes() const override { return workspace_bytes_; }
  std::size_t packed_weight_bytes() const override { return packed_weight_bytes_; }
  std::string describe() const override {
    return fmt::format("oneDNN {}; src {}, dst {}, weights {}", pd_.impl_info_str(),
                       reorder_src_ ? "reordered in run" : "NCHW in place",
                       reorder_dst_ ? "reordered in run" : "NCHW in place",
                       packed_weight_bytes_ ? "reordered at plan" : "OIHW in place");
  }

  // Only onednn-best offers the split; for onednn-nchw it would time the same thing.
  bool has_compute_only() const override { return !plain_; }
  void run_compute_only() override {
    if (!ran_) throw std::logic_error("onednn-best: run_compute_only() before run()");
    const OmpThreads threads(options().threads);
    execute_conv(reorder_src_ ? src_ : user_src_, dst_);
    stream_.wait();
  }

 private:
  void execute(const float* x, float* y) override {
    const OmpThreads threads(options().threads);
    user_src_.set_data_handle(const_cast<float*>(x));  // oneDNN only reads its source
    user_dst_.set_data_handle(y);
    if (reorder_src_) src_in_.execute(stream_, user_src_, src_);
    execute_conv(reorder_src_ ? src_ : user_src_, reorder_dst_ ? dst_ : user_dst_);
    if (reorder_dst_) dst_out_.execute(stream_, dst_, user_dst_);
    stream_.wait();
    ran_ = true;
  }

  void execute_conv(const dnnl::memory& src, const dnnl::memory& dst) {
    std::unordered_map<int, dnnl::memory> args = {
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights_}, {DNNL_ARG_DST, dst}};
    if (bias_) args.insert({DNNL_ARG_BIAS, bias_});
    conv_.execute(stream_, args);
  }

  dnnl::stream stream_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward conv_;
  dnnl::memory user_src_, user_dst_, weights_, bias_, src_, dst_;
  dnnl::reorder src_in_, dst_out_;
  bool reorder_src_ = false, reorder_dst_ = false, plain_ = true, ran_ = false;
  std::size_t workspace_bytes_ = 0, packed_weight_bytes_ = 0;
};

class Onednn final : public ConvVariant {
 public:
  explicit Onednn(bool plain) : plain_(plain) {}
  std::string_view name() const override { return plain_ ? "onednn-nchw" : "onednn-best"; }
  std::string_view summary() const override {
    return plain_ ? "oneDNN 2.6 convolution on plain NCHW/OIHW memory, no reorders"
                  : "oneDNN 2.6 convolution in its preferred layouts; weights reordered at plan, "
                    "activations in run (row :compute = convolution alone)";
  }
  VariantKind kind() const override { return VariantKind::baseline; }

  // oneDNN answers by whether it has an implementation for the descriptor.
  Support supports(const Conv2dParams& p) const override {
    try {
      make_pd(p, plain_);
      return Support::yes();
    } catch (const dnnl::error& e) {
      return Support::no(fmt::format("oneDNN has no implementation: {}", e.what()));
    }
  }

 protected:
  std::unique_ptr<ConvPlan> make_plan(const Conv2dParams& p, const float* w, const float* b,
                                      const PlanOptions& o) const override {
    return std::make_unique<OnednnPlan>(p, o, w, b, plain_);
  }

 private:
  bool plain_;
};

}  // namespace

const ConvVariant& onednn_nchw() {
  static const Onednn v(true);
  return v;
}

const ConvVariant& onednn_best() {
  static const Onednn v(false);
  return v;
}

}  // namespace convlab::baselines

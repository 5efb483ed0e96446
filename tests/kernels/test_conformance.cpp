// The conformance table: every hand-written kernel against the LibTorch operator it replaces, in the
// style of ggml's test-backend-ops. A row names its kernel, its inputs (shapes, strides, dtype, the
// values that matter), the reference it is compared with, and for each output (the forward results,
// then the gradients where the kernel has a backward) its tolerance: bit for bit (a NaN matches any
// NaN, −0 only −0), or a bound. Each row runs the kernel at 1 and at 2 threads against the reference
// at 1, and checks which outputs must not change with the thread count. Non-finite and extreme inputs
// (NaN, ±inf, ±1e30, denormals) have rows wherever the LibTorch operator defines a result. A row whose
// kernel this CPU cannot run, or that LATENT_KERNELS switches off, is skipped saying why.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "latent/kernels/conv2d.h"
#include "latent/kernels/conv_transpose.h"
#include "latent/kernels/fast_math.h"
#include "latent/kernels/fast_random.h"
#include "latent/kernels/fused_adam.h"
#include "latent/kernels/fused_loss.h"
#include "latent/kernels/gemm.h"
#include "latent/kernels/pooling.h"
#include "latent/kernels/registry.h"
#include "latent/kernels/relu.h"
#include "latent/kernels/upsample.h"
#include "kernel_test_util.h"

namespace latent {
namespace {

using Tensors = std::vector<torch::Tensor>;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kDenormal = 1e-40;  // below float's smallest normal (1.2e-38)

// How an output must match the reference.
enum class Match { kBits, kNorm, kElem };
struct Tol {
  Match match = Match::kBits;
  // kNorm: max |ours − theirs| <= rel · max |theirs| over the finite elements.
  // kElem: |ours − theirs| <= abs + rel · |theirs| element by element, over the finite elements.
  // Either way the NaNs, +infs and −infs must sit at the same places.
  double rel = 0.0;
  double abs = 0.0;
  // Where LibTorch's operator has a NaN, ours may have any value, and ours is non-finite only where
  // LibTorch's is: for a reference that multiplies a NaN or an infinity by the zeros of a padded
  // border the true sum never reads (slow_conv_transpose2d's weight gradient, through im2col).
  bool reference_nans_from_padding = false;
};
Tol bits() { return {}; }
Tol norm(double rel) { return {Match::kNorm, rel, 0.0}; }
Tol elem(double rel, double abs) { return {Match::kElem, rel, abs}; }
Tol norm_where_reference_finite(double rel) { return {Match::kNorm, rel, 0.0, true}; }

struct Output {
  std::string name;
  Tol at_one;             // ours at 1 thread against the reference
  Tol at_two;             // ours at 2 threads against the reference
  bool thread_invariant;  // ours at 2 threads equal to ours at 1, bit for bit
};
Output out(const std::string& name, Tol tol, bool thread_invariant = true) {
  return {name, tol, tol, thread_invariant};
}
Output out2(const std::string& name, Tol at_one, Tol at_two, bool thread_invariant) {
  return {name, at_one, at_two, thread_invariant};
}

struct Case {
  Kernel kernel;
  std::string name;       // the row's test name
  std::string inputs;     // shapes, strides, dtype, values
  std::string reference;  // the LibTorch operator (and how it is run)
  std::vector<Output> outputs;
  // The outputs, in the order of `outputs`, computed by latent's kernel (ours) or by the reference
  // from the same seeded inputs.
  std::function<Tensors(bool ours)> run;
};

std::string describe(const torch::Tensor& t) {
  std::ostringstream s;
  s << t.sizes() << " " << t.scalar_type();
  return s.str();
}

// A NaN of any payload as one pattern, so that bit-for-bit comparisons treat NaNs as equal.
torch::Tensor canonical_bits(const torch::Tensor& t) {
  auto c = t.contiguous();
  if (c.scalar_type() == torch::kFloat)
    return torch::where(c.isnan(), torch::full({}, kNaN, c.options()), c).view(torch::kInt);
  if (c.scalar_type() == torch::kDouble)
    return torch::where(c.isnan(), torch::full({}, kNaN, c.options()), c).view(torch::kLong);
  return c;
}

bool same_bits(const torch::Tensor& a, const torch::Tensor& b) {
  return a.sizes() == b.sizes() && a.scalar_type() == b.scalar_type() &&
         torch::equal(canonical_bits(a), canonical_bits(b));
}

::testing::AssertionResult matches(const torch::Tensor& ours, const torch::Tensor& theirs, const Tol& tol) {
  if (ours.sizes() != theirs.sizes() || ours.scalar_type() != theirs.scalar_type())
    return ::testing::AssertionFailure() << "ours " << describe(ours) << ", theirs " << describe(theirs);
  if (tol.match == Match::kBits || !ours.is_floating_point()) {
    if (same_bits(ours, theirs)) return ::testing::AssertionSuccess();
    const auto differ = (canonical_bits(ours) != canonical_bits(theirs)).sum().item<int64_t>();
    return ::testing::AssertionFailure() << differ << " of " << ours.numel() << " elements differ in their bits";
  }
  const auto o = ours.to(torch::kDouble), t = theirs.to(torch::kDouble);
  if (tol.reference_nans_from_padding) {
    const auto stray = (~o.isfinite() & t.isfinite()) | (o.isposinf() & ~t.isposinf() & ~t.isnan()) |
                       (o.isneginf() & ~t.isneginf() & ~t.isnan());
    if (stray.any().item<bool>())
      return ::testing::AssertionFailure()
             << stray.sum().item<int64_t>() << " non-finite values of ours where LibTorch's differ";
    const auto finite = t.isfinite();
    if (!finite.any().item<bool>()) return ::testing::AssertionFailure() << "no finite value left to compare";
    const double worst = (o.masked_select(finite) - t.masked_select(finite)).abs().max().item<double>();
    const double scale = t.masked_select(finite).abs().max().item<double>();
    if (worst <= tol.rel * scale) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "max |ours - theirs| " << worst << " > " << tol.rel << " * max |theirs| "
                                         << scale << " where theirs is finite";
  }
  for (const auto& [what, place] : {std::pair<const char*, std::function<torch::Tensor(const torch::Tensor&)>>{
                                        "NaN", [](const torch::Tensor& v) { return v.isnan(); }},
                                    {"+inf", [](const torch::Tensor& v) { return v.isposinf(); }},
                                    {"-inf", [](const torch::Tensor& v) { return v.isneginf(); }}}) {
    if (!torch::equal(place(o), place(t)))
      return ::testing::AssertionFailure() << what << " at " << place(o).sum().item<int64_t>() << " places in ours, "
                                           << place(t).sum().item<int64_t>() << " in theirs (not all the same)";
  }
  const auto finite = t.isfinite();
  if (finite.sum().item<int64_t>() == 0) return ::testing::AssertionSuccess();
  const auto of = o.masked_select(finite), tf = t.masked_select(finite);
  const auto err = (of - tf).abs();
  if (tol.match == Match::kNorm) {
    const double worst = err.max().item<double>(), scale = tf.abs().max().item<double>();
    if (worst <= tol.rel * scale) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "max |ours - theirs| " << worst << " > " << tol.rel << " * max |theirs| "
                                         << scale;
  }
  const auto excess = err - (tol.abs + tol.rel * tf.abs());
  const auto worst = excess.argmax().item<int64_t>();
  if (excess[worst].item<double>() <= 0) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "element " << worst << " of the finite ones: ours "
                                       << of[worst].item<double>() << ", theirs " << tf[worst].item<double>()
                                       << " (allowed " << tol.abs << " + " << tol.rel << " * |theirs|)";
}

// t with `values` written, in turn, at every `step`-th element from `first` (t contiguous).
torch::Tensor with_values(torch::Tensor t, const std::vector<double>& values, int64_t first, int64_t step) {
  auto flat = t.view({-1});
  size_t v = 0;
  for (int64_t i = first; i < flat.numel(); i += step, v = (v + 1) % values.size()) flat[i].fill_(values[v]);
  return t;
}

// The special values a row with "specials" mixes into its inputs.
const std::vector<double> kSpecials = {kNaN, kInf, -kInf, 1e30, -1e30, kDenormal, -kDenormal, -0.0};
const std::vector<double> kFiniteExtremes = {1e30, -1e30, kDenormal, -kDenormal, -0.0, 0.0};

// {y, then the gradients of `inputs` for output gradient gy}, as torch::autograd::grad gives them.
Tensors forward_backward(const torch::Tensor& y, const Tensors& inputs, const torch::Tensor& gy) {
  Tensors result = {y.detach()};
  for (auto& g : torch::autograd::grad({y}, inputs, {gy})) result.push_back(g);
  return result;
}

Tensors leaves(const Tensors& ts) {
  Tensors out;
  for (const auto& t : ts) out.push_back(t.detach().clone().requires_grad_(true));
  return out;
}

// ---- gemm: Linear's product and gradients ---------------------------------------------------------

void add_gemm(std::vector<Case>& table) {
  struct Row {
    std::string name;
    int64_t m, k, n;
    bool bias, strided, specials;
  };
  const std::vector<Row> rows = {
      {"gemm_linear_40x70_to_33", 40, 70, 33, true, false, false},
      {"gemm_linear_40x70_to_33_no_bias", 40, 70, 33, false, false, false},
      {"gemm_linear_16x5_to_1", 16, 5, 1, true, false, false},
      {"gemm_linear_17x257_to_33", 17, 257, 33, true, false, false},
      {"gemm_linear_1000x300_to_90", 1000, 300, 90, true, false, false},
      {"gemm_linear_64x784_to_100_strided", 64, 784, 100, true, true, false},
      {"gemm_linear_48x70_to_33_specials", 48, 70, 33, true, false, true},
  };
  for (const auto& r : rows) {
    std::string inputs = "x (" + std::to_string(r.m) + ", " + std::to_string(r.k) + "), W (" + std::to_string(r.n) +
                         ", " + std::to_string(r.k) + ")" +
                         (r.bias ? ", b (" + std::to_string(r.n) + ")" : ", no bias") + ", float, randn";
    if (r.strided) inputs += "; x a transposed view, W every other column of a wider tensor";
    if (r.specials) inputs += "; x with NaN, ±inf, ±1e30, ±denormal, −0 every 37th element";
    table.push_back(
        {Kernel::kGemm, r.name, inputs, "torch::linear (addmm on the BLAS), autograd",
         r.bias ? std::vector<Output>{out("y", elem(1e-5, 1e-5)), out("dx", elem(1e-5, 1e-5)),
                                      out("dW", elem(1e-5, 1e-5)), out("db", elem(1e-5, 1e-5))}
                : std::vector<Output>{out("y", elem(1e-5, 1e-5)), out("dx", elem(1e-5, 1e-5)),
                                      out("dW", elem(1e-5, 1e-5))},
         [r](bool ours) {
           torch::manual_seed(6);
           auto x = r.strided ? torch::randn({r.k, r.m}).t() : torch::randn({r.m, r.k});
           if (r.specials) x = with_values(x, kSpecials, 3, 37);
           auto w = r.strided ? torch::randn({r.n, 2 * r.k}).slice(1, 0, 2 * r.k, 2) : torch::randn({r.n, r.k});
           const auto b = torch::randn({r.n});
           const auto gy = torch::randn({r.m, r.n});
           auto xr = x.detach().requires_grad_(true);
           auto wr = w.detach().requires_grad_(true);
           auto br = b.detach().requires_grad_(true);
           const torch::Tensor bias = r.bias ? br : torch::Tensor();
           const auto y = ours ? gemm_linear(xr, wr, bias) : torch::linear(xr, wr, bias);
           return forward_backward(y, r.bias ? Tensors{xr, wr, br} : Tensors{xr, wr}, gy);
         }});
  }
}

// ---- conv2d: the batch split over the threads ------------------------------------------------------

struct ConvShape {
  int64_t batch, cin, cout, h, w, k, stride, pad, out_pad, groups, dilation;
  std::string text() const {
    return "batch " + std::to_string(batch) + ", " + std::to_string(cin) + " -> " + std::to_string(cout) +
           " channels, " + std::to_string(h) + "x" + std::to_string(w) + ", kernel " + std::to_string(k) + ", stride " +
           std::to_string(stride) + ", padding " + std::to_string(pad) +
           (out_pad ? ", output padding " + std::to_string(out_pad) : "") + ", groups " + std::to_string(groups) +
           ", dilation " + std::to_string(dilation);
  }
};

// The outputs a convolution row compares, for its shape, dtype and whether x has special values.
using ConvOutputs = std::function<std::vector<Output>(const ConvShape& s, bool is_float, bool specials)>;
// Ours (the kernel) or theirs (LibTorch's operator) on in = {x, weight, bias}.
using ConvCall = std::function<torch::Tensor(bool ours, const Tensors& in, const ConvShape& s)>;

// One row per shape and dtype, and a float row with special values in x (every `specials_step`-th
// element) for the shapes in `with_specials`: x (B, Cin, H, W) randn, the weight (Cout, Cin / groups,
// k, k), or (Cin, Cout / groups, k, k) when `transposed`, the bias (Cout), an output gradient randn.
void add_conv_rows(std::vector<Case>& table, Kernel kernel, const std::string& prefix, const std::string& reference,
                   const std::vector<std::pair<std::string, ConvShape>>& shapes,
                   const std::set<std::string>& with_specials, int64_t specials_step, bool transposed,
                   const ConvOutputs& outputs, const ConvCall& call) {
  for (const auto dtype : {torch::kFloat, torch::kDouble}) {
    const bool is_float = dtype == torch::kFloat;
    for (const auto& [label, shape] : shapes) {
      for (bool specials : {false, true}) {
        if (specials && (!is_float || with_specials.count(label) == 0)) continue;
        std::string inputs = shape.text() + (is_float ? ", float" : ", double") + ", randn";
        if (specials)
          inputs += "; x with NaN, ±inf, ±1e30, ±denormal, −0 at one element in " + std::to_string(specials_step);
        table.push_back({kernel, prefix + label + (is_float ? "_float" : "_double") + (specials ? "_specials" : ""),
                         inputs, reference, outputs(shape, is_float, specials),
                         [s = shape, dtype, specials, specials_step, transposed, call](bool ours) {
                           const auto opts = torch::TensorOptions().dtype(dtype);
                           torch::manual_seed(1);
                           auto x = torch::randn({s.batch, s.cin, s.h, s.w}, opts);
                           if (specials) x = with_values(x, kSpecials, 2, specials_step);
                           const auto w = transposed ? torch::randn({s.cin, s.cout / s.groups, s.k, s.k}, opts)
                                                     : torch::randn({s.cout, s.cin / s.groups, s.k, s.k}, opts);
                           const auto b = torch::randn({s.cout}, opts);
                           const auto in = leaves({x, w, b});
                           const auto y = call(ours, in, s);
                           torch::manual_seed(2);
                           return forward_backward(y, in, torch::randn(y.sizes(), opts));
                         }});
      }
    }
  }
}

void add_conv2d(std::vector<Case>& table) {
  // The studies' shapes (3×3 stride 2 and 1, 4×4 stride 2, one input channel, W3's 64-image batch)
  // and odd ones: batches that do not halve, non-square images, groups, dilation, no padding, one image.
  const std::vector<std::pair<std::string, ConvShape>> shapes = {
      {"8x1x28x28_to_16_k3s2", {8, 1, 16, 28, 28, 3, 2, 1, 0, 1, 1}},
      {"7x16x14x14_to_32_k3s2", {7, 16, 32, 14, 14, 3, 2, 1, 0, 1, 1}},
      {"5x3x16x16_to_8_k4s2", {5, 3, 8, 16, 16, 4, 2, 1, 0, 1, 1}},
      {"3x4x9x5_to_6_groups2", {3, 4, 6, 9, 5, 3, 1, 1, 0, 2, 1}},
      {"4x3x8x8_to_5_dilation2_pad0", {4, 3, 5, 8, 8, 3, 1, 0, 0, 1, 2}},
      {"1x2x6x6_to_4", {1, 2, 4, 6, 6, 3, 1, 1, 0, 1, 1}},
      {"64x16x14x14_to_32_k3s2", {64, 16, 32, 14, 14, 3, 2, 1, 0, 1, 1}},
  };
  // At one thread the kernel makes LibTorch's own calls: bit for bit. At two every image's output and
  // input gradient come from the same kernel on a slice, bit for bit; the weight and bias gradients are
  // sums over the batch added slice by slice, equal to rounding.
  add_conv_rows(
      table, Kernel::kConv2d, "conv2d_", "torch::conv2d and its autograd backward (at::convolution_backward)", shapes,
      {"8x1x28x28_to_16_k3s2"}, 97, false,
      [](const ConvShape&, bool is_float, bool) {
        const Tol sums = norm(is_float ? 1e-5 : 1e-13);
        return std::vector<Output>{out("y", bits()), out("dx", bits()), out2("dW", bits(), sums, false),
                                   out2("db", bits(), sums, false)};
      },
      [](bool ours, const Tensors& in, const ConvShape& s) {
        const std::vector<int64_t> stride = {s.stride, s.stride}, pad = {s.pad, s.pad},
                                   dilation = {s.dilation, s.dilation};
        return ours ? batch_split_conv2d(in[0], in[1], in[2], stride, pad, dilation, s.groups)
                    : torch::conv2d(in[0], in[1], in[2], stride, pad, dilation, s.groups);
      });
}

// ---- conv_transpose2d: through the convolution kernels it is the adjoint of -------------------------

void add_conv_transpose2d(std::vector<Case>& table) {
  // The studies' shapes (3×3 stride 2 + output padding, 4×4 stride 2, 3×3 stride 1) with outputs on
  // both sides of kAdjointForwardMinChannels, and odd ones: non-square, groups, dilation, padding 0;
  // the last layer of a decoder (one output channel) at batches 1, 7 and 64; wide inputs at batch 9.
  const std::vector<std::pair<std::string, ConvShape>> shapes = {
      {"3x8x7x7_to_16_k3s2", {3, 8, 16, 7, 7, 3, 2, 1, 1, 1, 1}},
      {"2x6x6x6_to_1_k4s2", {2, 6, 1, 6, 6, 4, 2, 1, 0, 1, 1}},
      {"2x4x5x8_to_20_k3s1", {2, 4, 20, 5, 8, 3, 1, 1, 0, 1, 1}},
      {"1x2x9x4_to_3_k5s2", {1, 2, 3, 9, 4, 5, 2, 2, 1, 1, 1}},
      {"2x4x6x5_to_16_groups2", {2, 4, 16, 6, 5, 3, 2, 1, 0, 2, 1}},
      {"2x3x5x5_to_4_dilation2_pad0", {2, 3, 4, 5, 5, 3, 1, 0, 0, 1, 2}},
      {"2x16x4x4_to_32_k4s2", {2, 16, 32, 4, 4, 4, 2, 1, 0, 1, 1}},
      {"1x16x14x14_to_1_k3s2", {1, 16, 1, 14, 14, 3, 2, 1, 1, 1, 1}},
      {"7x16x14x14_to_1_k3s2", {7, 16, 1, 14, 14, 3, 2, 1, 1, 1, 1}},
      {"64x16x14x14_to_1_k3s2", {64, 16, 1, 14, 14, 3, 2, 1, 1, 1, 1}},
      {"9x32x7x7_to_16_k3s2", {9, 32, 16, 7, 7, 3, 2, 1, 1, 1, 1}},
  };
  // Under kAdjointForwardMinChannels output channels the forward is LibTorch's own, a slice at a time:
  // bit for bit at any thread count. Otherwise it and every gradient come from the convolution
  // kernels, whose rounding may depend on the slice's batch size (oneDNN picks its kernel by shape),
  // except at W3's shape (32 input channels), where the output and the input gradient are the same at
  // 1 and 2 threads; the weight and bias gradients are sums added slice by slice. With NaN or ±inf in
  // x, LibTorch's weight gradient (im2col over the padded output gradient) multiplies them by the
  // border's zeros: NaN where the true sum is finite or infinite.
  add_conv_rows(
      table, Kernel::kConvTranspose2d, "conv_transpose2d_",
      "torch::conv_transpose2d (slow_conv_transpose2d) and its autograd backward", shapes,
      {"3x8x7x7_to_16_k3s2", "2x6x6x6_to_1_k4s2"}, 151, true,
      [](const ConvShape& s, bool is_float, bool specials) {
        const Tol close = norm(is_float ? 1e-5 : 1e-13);
        const bool few = s.cout < kAdjointForwardMinChannels;
        const bool w3_shape = s.cin == 32;
        return std::vector<Output>{out("y", few ? bits() : close, few || w3_shape), out("dx", close, w3_shape),
                                   out("dW", specials ? norm_where_reference_finite(1e-5) : close, false),
                                   out("db", close, false)};
      },
      [](bool ours, const Tensors& in, const ConvShape& s) {
        const std::vector<int64_t> stride = {s.stride, s.stride}, pad = {s.pad, s.pad},
                                   out_pad = {s.out_pad, s.out_pad}, dilation = {s.dilation, s.dilation};
        return ours ? adjoint_conv_transpose2d(in[0], in[1], in[2], stride, pad, out_pad, s.groups, dilation)
                    : torch::conv_transpose2d(in[0], in[1], in[2], stride, pad, out_pad, s.groups, dilation);
      });
}

// ---- max_pool2x2, upsample2x, relu: element placement, bit for bit ---------------------------------

// Values with many ties (a few levels), NaNs, −inf and −0, so every branch of the pooling's choice runs.
torch::Tensor awkward(int64_t b, int64_t c, int64_t h, int64_t w) {
  auto x = torch::randint(0, 4, {b, c, h, w}).to(torch::kFloat) - 1.5;
  x = with_values(x, {kNaN}, 0, 7);
  x = with_values(x, {-kInf}, 3, 11);
  return with_values(x, {-0.0}, 5, 13);
}

void add_max_pool2x2(std::vector<Case>& table) {
  const std::vector<std::tuple<std::string, std::string, std::function<torch::Tensor()>>> inputs = {
      {"8x16x28x28", "x (8, 16, 28, 28) float randn",
       [] {
         return torch::randn({8, 16, 28, 28});
       }},
      {"3x5x6x10_ties_nan_neginf",
       "x (3, 5, 6, 10) float: ties among 4 levels, NaN every 7th, −inf every 11th, −0 every 13th",
       [] { return awkward(3, 5, 6, 10); }},
      {"1x1x2x2", "x (1, 1, 2, 2) float randn",
       [] {
         return torch::randn({1, 1, 2, 2});
       }},
      {"2x3x4x4_all_neginf", "x (2, 3, 4, 4) float, all −inf",
       [] {
         return torch::full({2, 3, 4, 4}, -kInf);
       }},
      {"2x3x8x8_specials", "x (2, 3, 8, 8) float randn with NaN, ±inf, ±1e30, ±denormal, −0 every 5th element",
       [] {
         return with_values(torch::randn({2, 3, 8, 8}), kSpecials, 1, 5);
       }},
  };
  for (const auto& [label, text, make] : inputs) {
    table.push_back({Kernel::kMaxPool2x2,
                     "max_pool2x2_" + label,
                     text + "; output gradient randn with a −0",
                     "torch::max_pool2d(x, 2) and its autograd backward",
                     {out("y", bits()), out("dx", bits())},
                     [make = make](bool ours) {
                       torch::manual_seed(1);
                       const auto in = leaves({make()});
                       const auto y = ours ? max_pool2x2(in[0]) : torch::max_pool2d(in[0], 2);
                       auto gy = torch::randn(y.sizes());
                       gy.view({-1})[0] = -0.0f;
                       return forward_backward(y, in, gy);
                     }});
  }
}

void add_upsample2x(std::vector<Case>& table) {
  for (const auto& shape :
       std::vector<std::vector<int64_t>>{{3, 5, 7, 7}, {2, 4, 14, 14}, {1, 1, 1, 1}, {2, 3, 5, 33}}) {
    for (bool specials : {false, true}) {
      if (specials && shape[3] != 33) continue;
      std::string label = std::to_string(shape[0]) + "x" + std::to_string(shape[1]) + "x" + std::to_string(shape[2]) +
                          "x" + std::to_string(shape[3]);
      table.push_back(
          {Kernel::kUpsample2x,
           "upsample2x_" + label + (specials ? "_specials" : ""),
           "x (" + label + ") float randn" +
               (specials ? " with NaN, ±inf, ±1e30, ±denormal, −0 every 3rd element" : "") +
               "; output gradient randn with 2×2 blocks whose sum depends on the order of additions (1e8, 1, −1e8, 1), of −0s, "
               "and of inf, −inf, 1, NaN",
           "torch::nn::Upsample(scale 2, nearest) (upsample_nearest2d) and its autograd backward",
           {out("y", bits()), out("dx", bits())},
           [shape, specials](bool ours) {
             torch::manual_seed(13);
             auto x = torch::randn(shape);
             if (specials) x = with_values(x, kSpecials, 0, 3);
             auto gy = torch::randn({shape[0], shape[1], 2 * shape[2], 2 * shape[3]});
             auto block = [&](int64_t b, std::vector<float> v) {
               if (2 * b + 1 >= gy.size(3)) return;
               gy[0][0].index_put_({torch::indexing::Slice(0, 2), torch::indexing::Slice(2 * b, 2 * b + 2)},
                                   torch::tensor(v).view({2, 2}));
             };
             block(0, {1e8f, 1.0f, -1e8f, 1.0f});
             block(1, {-0.0f, -0.0f, -0.0f, -0.0f});
             block(2, {INFINITY, -INFINITY, 1.0f, NAN});
             const auto in = leaves({x});
             const auto y =
                 ours ? upsample_nearest2x(in[0])
                      : torch::nn::functional::interpolate(in[0], torch::nn::functional::InterpolateFuncOptions()
                                                                      .scale_factor(std::vector<double>{2.0, 2.0})
                                                                      .mode(torch::kNearest));
             return forward_backward(y, in, gy);
           }});
    }
  }
}

void add_relu(std::vector<Case>& table) {
  // Small (kept on the calling thread) and large (LibTorch's own threads) tensors.
  for (const auto& [label, rows, specials] : std::vector<std::tuple<std::string, int64_t, bool>>{
           {"128x600", 128, false}, {"1024x600", 1024, false}, {"128x600_specials", 128, true}}) {
    table.push_back({Kernel::kRelu,
                     "relu_" + label,
                     "x (" + std::to_string(rows) + ", 600) float randn" +
                         (specials ? " with NaN, ±inf, ±1e30, ±denormal, −0 every 9th element" : ""),
                     "torch::relu and its autograd backward",
                     {out("y", bits()), out("dx", bits())},
                     [rows = rows, specials = specials](bool ours) {
                       torch::manual_seed(10);
                       auto x = torch::randn({rows, 600});
                       if (specials) x = with_values(x, kSpecials, 4, 9);
                       const auto gy = torch::randn({rows, 600});
                       const auto in = leaves({x});
                       return forward_backward(ours ? serial_relu(in[0]) : torch::relu(in[0]), in, gy);
                     }});
  }
}

// ---- sigmoid, bce, count_same_side ----------------------------------------------------------------

void add_sigmoid(std::vector<Case>& table) {
  // Ours is a few ulp from LibTorch's (both within ~4 ulp of the exact value); below x = −87 ours stops
  // at a denormal where LibTorch's goes on to 0: under float's smallest normal either way.
  const Tol tol = elem(1e-6, 1.2e-38);
  const std::vector<std::tuple<std::string, std::string, std::function<torch::Tensor()>>> inputs = {
      {"linspace_minus100_100", "x: 200,001 floats evenly over [−100, 100] (past both ends of float's exp)",
       // Not torch::linspace, whose values depend on the thread count.
       [] { return (torch::arange(200001, torch::kDouble) * 1e-3 - 100).to(torch::kFloat); }},
      {"64x33_randn_times5", "x (64, 33) float randn × 5",
       [] {
         return torch::randn({64, 33}) * 5;
       }},
      {"300000_randn", "x (300000) float randn (split over the threads)", [] { return torch::randn({300000}); }},
      {"specials", "x: 0, −0, NaN, ±inf, ±1e30, ±denormal, ±FLT_MAX, ±87.3, ±88.7, ±100, each 4 times (48 floats)",
       [] {
         const float big = std::numeric_limits<float>::max();
         std::vector<float> v = {0.0f, -0.0f, NAN,   INFINITY, -INFINITY, 1e30f,  -1e30f, 1e-40f, -1e-40f,
                                 big,  -big,  87.3f, -87.3f,   88.7f,     -88.7f, 100.0f, -100.0f};
         std::vector<float> all;
         for (int i = 0; i < 4; ++i) all.insert(all.end(), v.begin(), v.end());
         return torch::tensor(all);
       }},
  };
  for (const auto& [label, text, make] : inputs) {
    table.push_back({Kernel::kSigmoid,
                     "sigmoid_" + label,
                     text + " (no backward: the kernel runs outside autograd only)",
                     "torch::sigmoid (Sleef's expf)",
                     {out("y", tol)},
                     [make = make](bool ours) {
                       torch::manual_seed(2);
                       const auto x = make();
                       return Tensors{ours ? sigmoid_kernel(x) : torch::sigmoid(x)};
                     }});
  }
}

// A batch of logits and targets for the BCE rows: logits randn × scale, targets rand with the first
// example all 0 and the second all 1.
std::pair<torch::Tensor, torch::Tensor> bce_batch(const std::vector<int64_t>& shape, double scale, torch::Dtype dtype) {
  const auto opts = torch::TensorOptions().dtype(dtype);
  auto x = torch::randn(shape, opts) * scale;
  auto t = torch::rand(shape, opts);
  if (shape[0] > 1) {
    t.index_put_({0}, 0.0);
    t.index_put_({1}, 1.0);
  }
  return {x, t};
}

// Rows of logits whose one element in each is special, against targets 0, 1 or 0.5: what LibTorch's
// formula gives for each (+inf with t < 1: +inf; +inf with t = 1, −inf, NaN: NaN; ±1e30: finite).
std::pair<torch::Tensor, torch::Tensor> bce_special_rows() {
  const std::vector<std::pair<double, double>> specials = {
      {kInf, 0.0},      {kInf, 1.0},       {kInf, 0.5}, {-kInf, 0.0}, {-kInf, 1.0}, {kNaN, 0.3},
      {1e30, 0.0},      {1e30, 1.0},       {1e30, 0.5}, {-1e30, 0.0}, {-1e30, 1.0}, {-1e30, 0.5},
      {kDenormal, 0.5}, {-kDenormal, 1.0}, {-0.0, 0.0}, {0.0, 1.0}};
  auto x = torch::randn({static_cast<int64_t>(specials.size()), 300}) * 4;
  auto t = torch::rand(x.sizes());
  for (size_t r = 0; r < specials.size(); ++r) {
    const auto i = static_cast<int64_t>(r);
    x[i][17 * i] = specials[r].first;
    t[i][17 * i] = specials[r].second;
  }
  return {x, t};
}

void add_bce(std::vector<Case>& table) {
  // Mean over all elements, with its backward; float values against LibTorch's in double (a float
  // mean of 200,000 terms in LibTorch's own order is no better than ours).
  struct Row {
    std::string name, inputs;
    std::function<std::pair<torch::Tensor, torch::Tensor>()> make;
    std::vector<Output> outputs;
  };
  const std::vector<Row> mean_rows = {
      {"bce_mean_256x784_float",
       "logits (256, 784) float randn × 10, targets rand with an all-0 and an all-1 example",
       [] {
         return bce_batch({256, 784}, 10, torch::kFloat);
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", norm(1e-6))}},
      {"bce_mean_300001_float",
       "logits (300001) float randn × 5, targets rand (the sum split over the threads)",
       [] { return bce_batch({300001}, 5, torch::kFloat); },
       {out("loss", elem(1e-6, 0)), out("dlogits", norm(1e-6))}},
      {"bce_mean_6x1x5x7_double",
       "logits (6, 1, 5, 7) double rand in [−25, 25] (both sides of softplus's threshold 20), "
       "targets rand with an all-0 and an all-1 example",
       [] {
         const auto targets = bce_batch({6, 1, 5, 7}, 1, torch::kDouble).second;
         return std::make_pair(torch::rand({6, 1, 5, 7}, torch::kDouble) * 50 - 25, targets);
       },
       {out("loss", elem(0, 1e-10)), out("dlogits", elem(0, 1e-14))}},
      {"bce_mean_16x300_specials",
       "logits (16, 300) float randn × 4, one element a row: ±inf, NaN, ±1e30, ±denormal, ±0 "
       "against targets 0, 1, 0.5 (the loss is NaN)",
       bce_special_rows,
       {out("loss", elem(1e-6, 0)), out("dlogits", norm(1e-6))}},
      {"bce_mean_16x300_posinf",
       "logits (16, 300) float randn × 4 with +inf at 3 places whose targets are < 1 (the loss is +inf)",
       [] {
         auto x = torch::randn({16, 300}) * 4;
         auto t = torch::rand({16, 300}) * 0.9;
         x.view({-1})[5] = kInf;
         x.view({-1})[1000] = kInf;
         x.view({-1})[4321] = kInf;
         return std::make_pair(x, t);
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", norm(1e-6))}},
      {"bce_mean_16x300_finite_extremes",
       "logits (16, 300) float randn × 4, one element a row ±1e30, ±denormal or ±0 "
       "against targets 0, 1, 0.5",
       [] {
         const auto rows = bce_special_rows();
         return std::make_pair(rows.first.slice(0, 6).contiguous(), rows.second.slice(0, 6).contiguous());
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", norm(1e-6))}},
  };
  for (const auto& r : mean_rows) {
    table.push_back(
        {Kernel::kBce, r.name, r.inputs,
         "torch::binary_cross_entropy_with_logits (mean): the loss in double from the same inputs, the "
         "gradient by autograd in the inputs' dtype",
         r.outputs, [make = r.make](bool ours) {
           torch::manual_seed(5);
           auto [x, t] = make();
           x = x.contiguous();
           const auto in = leaves({x});
           const auto gy = torch::full({}, 3.0, x.options());
           if (ours) return forward_backward(fused_bce_with_logits_mean(in[0], t), in, gy);
           auto value =
               torch::binary_cross_entropy_with_logits(x.to(torch::kDouble), t.to(torch::kDouble)).to(x.scalar_type());
           auto grads = forward_backward(torch::binary_cross_entropy_with_logits(in[0], t), in, gy);
           return Tensors{value, grads[1]};
         }});
  }
  // Per example, with its backward, which is LibTorch's formula on the same floats: bit for bit.
  const std::vector<Row> rows_rows = {
      {"bce_rows_40x1x28x28_float",
       "logits (40, 1, 28, 28) float randn × 6, targets rand with an all-0 and an all-1 example",
       [] {
         return bce_batch({40, 1, 28, 28}, 6, torch::kFloat);
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", bits())}},
      {"bce_rows_512x784_float",
       "logits (512, 784) float randn × 5, targets rand (rows split over the threads)",
       [] {
         return bce_batch({512, 784}, 5, torch::kFloat);
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", bits())}},
      {"bce_rows_5x3000_float",
       "logits (5, 3000) float randn × 8 (rows longer than a 2048-element block), targets rand",
       [] {
         return bce_batch({5, 3000}, 8, torch::kFloat);
       },
       {out("loss", elem(1e-6, 0)), out("dlogits", bits())}},
      {"bce_rows_6x1x5x7_double",
       "logits (6, 1, 5, 7) double rand in [−25, 25], targets rand with an all-0 and an all-1 example",
       [] {
         const auto targets = bce_batch({6, 1, 5, 7}, 1, torch::kDouble).second;
         return std::make_pair(torch::rand({6, 1, 5, 7}, torch::kDouble) * 50 - 25, targets);
       },
       {out("loss", elem(0, 1e-10)), out("dlogits", elem(0, 1e-14))}},
      {"bce_rows_16x300_specials",
       "logits (16, 300) float randn × 4, one element a row: ±inf, NaN, ±1e30, ±denormal, ±0 "
       "against targets 0, 1, 0.5",
       bce_special_rows,
       {out("loss", elem(1e-6, 1e-30)), out("dlogits", bits())}},
  };
  for (const auto& r : rows_rows) {
    table.push_back(
        {Kernel::kBce, r.name, r.inputs,
         "binary_cross_entropy_with_logits(reduction none).reshape({B, −1}).sum(1): the loss in double from the "
         "same inputs, the gradient by autograd in the inputs' dtype",
         r.outputs, [make = r.make](bool ours) {
           torch::manual_seed(9);
           auto [x, t] = make();
           const auto in = leaves({x});
           const auto gy = torch::randn({x.size(0)}, x.options());
           if (ours) return forward_backward(fused_bce_with_logits_per_example(in[0], t), in, gy);
           auto value = libtorch_bce_per_example(x.to(torch::kDouble), t.to(torch::kDouble)).to(x.scalar_type());
           auto grads = forward_backward(libtorch_bce_per_example(in[0], t), in, gy);
           return Tensors{value, grads[1]};
         }});
  }
}

void add_count_same_side(std::vector<Case>& table) {
  for (const auto& [label, specials] :
       std::vector<std::pair<std::string, bool>>{{"1000x1001", false}, {"1000x1001_specials", true}}) {
    table.push_back(
        {Kernel::kCountSameSide,
         "count_same_side_" + label,
         "a, b (1000, 1001) float rand, threshold 0.5" +
             std::string(specials ? "; with NaN, ±inf, ±1e30, ±denormal, −0, 0.5 and 0.5000001 every 7th element" : ""),
         "((a > 0.5) == (b > 0.5)).sum()",
         {out("count", bits())},
         [specials = specials](bool ours) {
           torch::manual_seed(7);
           auto a = torch::rand({1000, 1001});
           auto b = torch::rand({1000, 1001});
           if (specials) {
             auto values = kSpecials;
             values.insert(values.end(), {0.5, 0.5000001});
             a = with_values(a, values, 0, 7);
             b = with_values(b, values, 3, 7);
           }
           return Tensors{ours ? count_same_side_kernel(a, b, 0.5) : ((a > 0.5) == (b > 0.5)).sum()};
         }});
  }
}

// ---- bernoulli, normal: LibTorch's draws and the generator state they leave ------------------------

// `fill` after seeding and `skip` earlier draws, then 5 more uniforms, so a generator left in another
// state shows in the second tensor.
Tensors draws_after(int64_t skip, int64_t n, const std::function<void(torch::Tensor&)>& fill) {
  torch::manual_seed(7);
  if (skip > 0) torch::rand({skip});
  auto values = torch::empty({n});
  fill(values);
  return {values, torch::rand({5})};
}

void add_bernoulli(std::vector<Case>& table) {
  // Sizes around the 624-word blocks of the stream (two words an element), starting fresh and mid-block.
  const std::vector<int64_t> skips = {0, 1, 311, 623};
  const std::vector<double> ps = {0.0, 0.1, 0.5, 0.9, 1.0};
  for (int64_t n : {1, 2, 311, 312, 313, 1000, 4097, 100003}) {
    std::vector<Output> outputs;
    for (int64_t skip : skips)
      for (double p : ps) {
        const std::string at = " after " + std::to_string(skip) + " draws, p " + std::to_string(p);
        outputs.push_back(out("mask" + at, bits()));
        outputs.push_back(out("next draws" + at, bits()));
      }
    table.push_back({Kernel::kBernoulli, "bernoulli_n" + std::to_string(n),
                     "a contiguous float tensor of " + std::to_string(n) +
                         " elements, p in {0, 0.1, 0.5, 0.9, 1}, after 0, 1, "
                         "311 and 623 earlier draws of the seeded default generator",
                     "Tensor::bernoulli_(p), then torch::rand({5}) from the generator it leaves", outputs,
                     [=](bool ours) {
                       Tensors all;
                       for (int64_t skip : skips)
                         for (double p : ps)
                           for (auto& t : draws_after(skip, n, [&](torch::Tensor& v) {
                                  if (ours)
                                    bernoulli_mask_kernel(v, p);
                                  else
                                    v.bernoulli_(p);
                                }))
                             all.push_back(t);
                       return all;
                     }});
  }
  // A probability with bits below the 2^-53 grid of the uniform draw: the comparison stays exact.
  table.push_back({Kernel::kBernoulli,
                   "bernoulli_p_off_the_grid",
                   "a float tensor of 5000 elements, p = 0.3 + 1e-17",
                   "Tensor::bernoulli_(p), then torch::rand({5})",
                   {out("mask", bits()), out("next draws", bits())},
                   [](bool ours) {
                     return draws_after(0, 5000, [&](torch::Tensor& v) {
                       if (ours)
                         bernoulli_mask_kernel(v, 0.3 + 1e-17);
                       else
                         v.bernoulli_(0.3 + 1e-17);
                     });
                   }});
  // Dropout in training: LibTorch's arithmetic around the mask.
  for (const auto& [label, p, specials] : std::vector<std::tuple<std::string, double, bool>>{
           {"p01", 0.1, false}, {"p05", 0.5, false}, {"p05_specials", 0.5, true}}) {
    table.push_back({Kernel::kBernoulli,
                     "bernoulli_dropout_64x8x14x14_" + label,
                     "x (64, 8, 14, 14) float randn" +
                         std::string(specials ? " with NaN, ±inf, ±1e30, ±denormal, −0 every 11th element" : "") +
                         ", p " + std::to_string(p) + ", training",
                     "torch::dropout(x, p, true) and its autograd backward",
                     {out("y", bits()), out("dx", bits()), out("next draws", bits())},
                     [p = p, specials = specials](bool ours) {
                       torch::manual_seed(3);
                       auto x = torch::randn({64, 8, 14, 14});
                       if (specials) x = with_values(x, kSpecials, 6, 11);
                       const auto gy = torch::randn_like(x);
                       const auto in = leaves({x});
                       torch::manual_seed(11);
                       const auto y = ours ? dropout_kernel(in[0], p) : torch::dropout(in[0], p, true);
                       auto result = forward_backward(y, in, gy);
                       result.push_back(torch::rand({5}));
                       return result;
                     }});
  }
}

void add_normal(std::vector<Case>& table) {
  // Sizes at and around the blocks of 16 (a tail redraws the last 16), the 4,096-element chunks and
  // the 624-word blocks of the stream, and a denoising batch (256 × 784).
  const std::vector<int64_t> skips = {0, 5, 623};
  const std::vector<std::pair<double, double>> params = {{0.0, 1.0}, {0.25, 1.5}, {-3.0, 0.0}};
  auto row = [&](const std::string& name, const std::string& what, int64_t n,
                 const std::vector<std::pair<double, double>>& mean_std) {
    std::vector<Output> outputs;
    std::string list;
    for (int64_t skip : skips)
      for (const auto& [mean, sd] : mean_std) {
        const std::string at =
            " after " + std::to_string(skip) + " draws, mean " + std::to_string(mean) + " std " + std::to_string(sd);
        outputs.push_back(out("values" + at, bits()));
        outputs.push_back(out("next draws" + at, bits()));
      }
    table.push_back({Kernel::kNormal, name, what + ", after 0, 5 and 623 earlier draws of the seeded default generator",
                     "Tensor::normal_(mean, std), then torch::rand({5}) from the generator it leaves", outputs,
                     [=](bool ours) {
                       Tensors all;
                       for (int64_t skip : skips)
                         for (const auto& [mean, sd] : mean_std)
                           for (auto& t : draws_after(skip, n, [&, mean = mean, sd = sd](torch::Tensor& v) {
                                  if (ours)
                                    normal_fill_kernel(v, mean, sd);
                                  else
                                    v.normal_(mean, sd);
                                }))
                             all.push_back(t);
                       return all;
                     }});
  };
  for (int64_t n : {16, 17, 31, 32, 624, 625, 4095, 4096, 4097, 4111, 256 * 784})
    row("normal_n" + std::to_string(n),
        "a contiguous float tensor of " + std::to_string(n) +
            " elements, (mean, std) in {(0, 1), (0.25, 1.5), (−3, 0)}",
        n, params);
  row("normal_n1000_extremes",
      "a float tensor of 1000 elements, (mean, std) in {(1e30, 1), (−1e30, 1e30), (0, inf), (0, 1e-40), (NaN, 1)}",
      1000, {{1e30, 1.0}, {-1e30, 1e30}, {0.0, kInf}, {0.0, 1e-40}, {kNaN, 1.0}});
}

// ---- adam ------------------------------------------------------------------------------------------

void add_adam(std::vector<Case>& table) {
  struct Row {
    std::string name, inputs;
    torch::Dtype dtype;
    double weight_decay;
    bool amsgrad, specials;
    Tol tol;
  };
  // Parameters move by ~0.05 a step; float rounding in another order stays ~1e-6 after 20 steps. Doubles
  // and amsgrad take torch::optim::Adam's own step inside FusedAdam: bit for bit.
  const std::vector<Row> rows = {
      {"adam_float", "float", torch::kFloat, 0.0, false, false, elem(0, 1e-5)},
      {"adam_float_weight_decay", "float, weight decay 0.1", torch::kFloat, 0.1, false, false, elem(0, 1e-5)},
      {"adam_float_specials", "float, gradients with NaN, ±inf, ±1e30, ±denormal, −0 every 101st element at step 3",
       torch::kFloat, 0.0, false, true, elem(0, 1e-5)},
      {"adam_double", "double, weight decay 0.1", torch::kDouble, 0.1, false, false, bits()},
      {"adam_float_amsgrad", "float, amsgrad", torch::kFloat, 0.0, true, false, bits()},
  };
  for (const auto& r : rows) {
    table.push_back({Kernel::kAdam,
                     r.name,
                     "parameters (7, 33), (5) and (40000), " + r.inputs + ", lr 0.05, 20 steps of randn gradients",
                     "torch::optim::Adam::step",
                     {out("param (7, 33)", r.tol), out("param (5)", r.tol), out("param (40000)", r.tol),
                      out("exp_avg_sq (40000)", r.tol)},
                     [r](bool ours) {
                       torch::manual_seed(3);
                       Tensors params = {torch::randn({7, 33}, r.dtype), torch::randn({5}, r.dtype),
                                         torch::randn({40000}, r.dtype)};
                       for (auto& p : params) p.set_requires_grad(true);
                       const auto opts =
                           torch::optim::AdamOptions(0.05).weight_decay(r.weight_decay).amsgrad(r.amsgrad);
                       std::unique_ptr<torch::optim::Optimizer> opt;
                       if (ours)
                         opt = std::make_unique<FusedAdam>(params, opts);
                       else
                         opt = std::make_unique<torch::optim::Adam>(params, opts);
                       for (int step = 0; step < 20; ++step) {
                         for (auto& p : params) {
                           auto g = torch::randn(p.sizes(), r.dtype);
                           if (r.specials && step == 3) g = with_values(g, kSpecials, 1, 101);
                           p.mutable_grad() = g;
                         }
                         opt->step();
                       }
                       Tensors result;
                       for (auto& p : params) result.push_back(p.detach().clone());
                       for (const auto& entry : opt->state()) {
                         const auto& state = static_cast<const torch::optim::AdamParamState&>(*entry.second);
                         if (state.exp_avg_sq().numel() == 40000) result.push_back(state.exp_avg_sq().clone());
                       }
                       return result;
                     }});
  }
}

const std::vector<Case>& table() {
  static const std::vector<Case> kTable = [] {
    std::vector<Case> t;
    add_gemm(t);
    add_conv2d(t);
    add_conv_transpose2d(t);
    add_max_pool2x2(t);
    add_upsample2x(t);
    add_relu(t);
    add_sigmoid(t);
    add_bce(t);
    add_count_same_side(t);
    add_bernoulli(t);
    add_normal(t);
    add_adam(t);
    return t;
  }();
  return kTable;
}

class Conformance : public ::testing::TestWithParam<size_t> {};

TEST_P(Conformance, Row) {
  const Case& c = table()[GetParam()];
  const auto& info = kernel_info(c.kernel);
  LATENT_REQUIRE_KERNEL(c.kernel);
  SCOPED_TRACE(info.name + " | " + c.inputs + " | against " + c.reference);
  const int before = torch::get_num_threads();
  torch::set_num_threads(1);
  const auto theirs = c.run(false);
  const auto one = c.run(true);
  torch::set_num_threads(2);
  const auto two = c.run(true);
  torch::set_num_threads(before);
  ASSERT_EQ(theirs.size(), c.outputs.size());
  ASSERT_EQ(one.size(), c.outputs.size());
  ASSERT_EQ(two.size(), c.outputs.size());
  for (size_t i = 0; i < c.outputs.size(); ++i) {
    const auto& o = c.outputs[i];
    EXPECT_TRUE(matches(one[i], theirs[i], o.at_one)) << o.name << ", ours at 1 thread";
    EXPECT_TRUE(matches(two[i], theirs[i], o.at_two)) << o.name << ", ours at 2 threads";
    if (o.thread_invariant)
      EXPECT_TRUE(same_bits(one[i], two[i])) << o.name << ": ours differs between 1 and 2 threads";
  }
}

INSTANTIATE_TEST_SUITE_P(Kernels, Conformance, ::testing::Range<size_t>(0, table().size()),
                         [](const ::testing::TestParamInfo<size_t>& info) { return table()[info.param].name; });

TEST(ConformanceTable, EveryKernelHasRowsAndEveryRowAName) {
  std::set<std::string> names;
  for (const auto& c : table()) {
    EXPECT_TRUE(names.insert(c.name).second) << "two rows named " << c.name;
    EXPECT_FALSE(c.inputs.empty()) << c.name;
    EXPECT_FALSE(c.reference.empty()) << c.name;
    EXPECT_FALSE(c.outputs.empty()) << c.name;
  }
  for (const auto& k : kernel_registry()) {
    int rows = 0;
    bool specials = false;
    for (const auto& c : table()) {
      if (c.kernel != k.kernel) continue;
      ++rows;
      specials = specials || c.inputs.find("NaN") != std::string::npos || c.inputs.find("1e30") != std::string::npos;
    }
    EXPECT_GT(rows, 0) << k.name << " has no row in the conformance table";
    EXPECT_TRUE(specials) << k.name << " has no row with non-finite or extreme inputs";
  }
}

}  // namespace
}  // namespace latent

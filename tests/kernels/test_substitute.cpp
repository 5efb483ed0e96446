// The kernel switch (LATENT_KERNELS, ScopedKernelSwitch), the registry `latent info` lists, and the
// substitution place: each module and function goes to its kernel exactly when the kernel is enabled
// and takes the input, and is LibTorch's own otherwise; whole models give the same results either way.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cstdio>
#include <filesystem>
#include <set>
#include <sstream>

#include "cli_util.h"
#include "kernel_test_util.h"
#include "latent/core/error.h"
#include "latent/kernels/fused_adam.h"
#include "latent/kernels/fused_loss.h"
#include "latent/kernels/gemm.h"
#include "latent/kernels/registry.h"
#include "latent/kernels/substitute.h"
#include "latent/models/autoencoder.h"
#include "latent/models/dense_autoencoder.h"
#include "latent/models/model_spec.h"
#include "latent/models/vae.h"
#include "latent/training/optimizer.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::rel_diff;

// ---- the switch and the registry -------------------------------------------------------------------

std::vector<std::string> names_on(const std::vector<bool>& on) {
  std::vector<std::string> out;
  for (size_t i = 0; i < on.size(); ++i)
    if (on[i]) out.push_back(kernel_registry()[i].name);
  return out;
}

TEST(KernelSwitch, AllOffAndLists) {
  const size_t n = kernel_registry().size();
  EXPECT_EQ(parse_kernel_switch("all"), std::vector<bool>(n, true));
  EXPECT_EQ(parse_kernel_switch(""), std::vector<bool>(n, true));
  EXPECT_EQ(parse_kernel_switch("off"), std::vector<bool>(n, false));
  EXPECT_EQ(names_on(parse_kernel_switch("gemm")), (std::vector<std::string>{"gemm"}));
  EXPECT_EQ(names_on(parse_kernel_switch("adam,gemm, bce ,adam")), (std::vector<std::string>{"gemm", "bce", "adam"}));
  // Every name the registry lists is accepted alone.
  for (const auto& k : kernel_registry())
    EXPECT_EQ(names_on(parse_kernel_switch(k.name)), std::vector<std::string>{k.name});
}

TEST(KernelSwitch, BadValuesAreOneLineUsageErrorsNamingTheVariableAndTheKnownNames) {
  for (const std::string bad : {"gemn", "gemm,,adam", "gemm,", "off,gemm", "all,relu", "ALL", "gemm;adam"}) {
    try {
      parse_kernel_switch(bad);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      const std::string m = e.what();
      EXPECT_EQ(m.find('\n'), std::string::npos) << m;
      EXPECT_NE(m.find("LATENT_KERNELS='" + bad + "'"), std::string::npos) << m;
      for (const auto& k : kernel_registry()) EXPECT_NE(m.find(k.name), std::string::npos) << m;
    }
  }
  const auto m = testing::error_of([] { parse_kernel_switch("gemm,sigmod"); });
  EXPECT_NE(m.find("unknown kernel 'sigmod'"), std::string::npos) << m;
}

TEST(KernelSwitch, ScopedSwitchNestsAndRestores) {
  const auto before = kernel_switch_value();
  const bool relu_before = kernel_switched_on(Kernel::kRelu);
  {
    ScopedKernelSwitch off("off");
    EXPECT_EQ(kernel_switch_value(), "off");
    for (const auto& k : kernel_registry()) {
      EXPECT_FALSE(kernel_switched_on(k.kernel)) << k.name;
      EXPECT_FALSE(kernel_enabled(k.kernel)) << k.name;
    }
    {
      ScopedKernelSwitch some("relu,adam");
      EXPECT_TRUE(kernel_switched_on(Kernel::kRelu));
      EXPECT_TRUE(kernel_switched_on(Kernel::kAdam));
      EXPECT_FALSE(kernel_switched_on(Kernel::kGemm));
      EXPECT_EQ(kernel_enabled(Kernel::kRelu), kernel_available(Kernel::kRelu));
    }
    EXPECT_EQ(kernel_switch_value(), "off");
    EXPECT_FALSE(kernel_switched_on(Kernel::kRelu));
  }
  EXPECT_EQ(kernel_switch_value(), before);
  EXPECT_EQ(kernel_switched_on(Kernel::kRelu), relu_before);
  EXPECT_THROW(ScopedKernelSwitch("nonsense"), UsageError);
  EXPECT_EQ(kernel_switch_value(), before);
}

TEST(KernelRegistry, ListsEveryKernelOnceWithAOneLineDescription) {
  std::set<std::string> names;
  for (size_t i = 0; i < kernel_registry().size(); ++i) {
    const auto& k = kernel_registry()[i];
    EXPECT_EQ(static_cast<size_t>(k.kernel), i) << k.name;
    EXPECT_EQ(&kernel_info(k.kernel), &k);
    EXPECT_TRUE(names.insert(k.name).second) << k.name;
    EXPECT_NE(k.name, "all");
    EXPECT_NE(k.name, "off");
    EXPECT_FALSE(k.description.empty()) << k.name;
    EXPECT_EQ(k.description.find('\n'), std::string::npos) << k.name;
    // A kernel with a requirement says what it is; one without is available everywhere.
    if (k.available == nullptr)
      EXPECT_TRUE(kernel_available(k.kernel)) << k.name;
    else
      EXPECT_FALSE(k.needs.empty()) << k.name;
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(Kernel::kAdam) + 1);
}

// The status `latent info` gives each kernel.
std::string status_of(const KernelInfo& k) {
  if (!kernel_available(k.kernel)) return "unavailable";
  return kernel_switched_on(k.kernel) ? "on" : "off";
}

TEST(KernelSwitch, LatentInfoListsEachKernelAndWhetherItIsOn) {
  const auto info = testing::run_cli({"info"});
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("LATENT_KERNELS=" + kernel_switch_value()), std::string::npos) << info.out;
  for (const auto& k : kernel_registry()) {
    const auto at = info.out.find("\n  " + k.name + " ");
    ASSERT_NE(at, std::string::npos) << k.name << " not listed:\n" << info.out;
    const auto line = info.out.substr(at + 1, info.out.find('\n', at + 1) - at - 1);
    std::istringstream words(line);
    std::string name, status;
    words >> name >> status;
    EXPECT_EQ(status, status_of(k)) << line;
  }
}

// Runs the latent program with `env` set; returns {exit status, stdout and stderr}.
std::pair<int, std::string> run_latent(const std::string& env, const std::string& args) {
  const auto exe = std::filesystem::read_symlink("/proc/self/exe").parent_path() / "latent";
  std::string output;
  FILE* pipe = popen((env + " " + exe.string() + " " + args + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return {-1, ""};
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(KernelSwitch, TheProgramReadsLatentKernelsFromItsEnvironment) {
  const auto bad = run_latent("LATENT_KERNELS=gemn", "info");
  EXPECT_EQ(bad.first, 2) << bad.second;
  EXPECT_EQ(std::count(bad.second.begin(), bad.second.end(), '\n'), 1) << bad.second;
  EXPECT_NE(bad.second.find("latent: error: LATENT_KERNELS='gemn': unknown kernel 'gemn'"), std::string::npos)
      << bad.second;

  const auto off = run_latent("LATENT_KERNELS=off", "info");
  ASSERT_EQ(off.first, 0) << off.second;
  const auto some = run_latent("LATENT_KERNELS=relu,adam", "info");
  ASSERT_EQ(some.first, 0) << some.second;
  for (const auto& k : kernel_registry()) {
    const std::string unavailable = "\n  " + k.name + " ";
    auto status = [&](const std::string& text) {
      const auto at = text.find(unavailable);
      std::istringstream words(at == std::string::npos ? "" : text.substr(at + 1));
      std::string name, word;
      words >> name >> word;
      return word;
    };
    const std::string expected_some = !kernel_available(k.kernel)              ? "unavailable"
                                      : (k.name == "relu" || k.name == "adam") ? "on"
                                                                               : "off";
    EXPECT_EQ(status(off.second), kernel_available(k.kernel) ? "off" : "unavailable") << k.name;
    EXPECT_EQ(status(some.second), expected_some) << k.name;
  }
}

// ---- routing ---------------------------------------------------------------------------------------

std::string graph_node(const torch::Tensor& y) { return y.grad_fn() ? y.grad_fn()->name() : ""; }

struct Route {
  Kernel kernel;
  std::string function;  // the kernel's autograd function, as its grad_fn names it
  torch::nn::AnyModule module;
  std::vector<int64_t> input;
  double tolerance;  // 0: bit for bit against LibTorch at one thread
};

std::vector<Route> routes() {
  return {
      {Kernel::kGemm, "LinearFunction", torch::nn::AnyModule(torch::nn::Linear(70, 33)), {40, 70}, 1e-5},
      {Kernel::kConv2d,
       "SplitConv2dFunction",
       torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 8, 3).padding(1))),
       {3, 4, 8, 8},
       0},
      {Kernel::kConvTranspose2d,
       "AdjointConvTranspose2dFunction",
       torch::nn::AnyModule(torch::nn::ConvTranspose2d(
           torch::nn::ConvTranspose2dOptions(4, 16, 3).stride(2).padding(1).output_padding(1))),
       {3, 4, 5, 5},
       1e-5},
      {Kernel::kMaxPool2x2, "MaxPool2x2Function", torch::nn::AnyModule(torch::nn::MaxPool2d(2)), {2, 3, 8, 8}, 0},
      {Kernel::kUpsample2x,
       "UpsampleNearest2xFunction",
       torch::nn::AnyModule(torch::nn::Upsample(
           torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest))),
       {2, 3, 4, 4},
       0},
      {Kernel::kRelu, "ReluFunction", torch::nn::AnyModule(torch::nn::ReLU()), {4, 5}, 0},
  };
}

// {y, ∂x, ∂parameters...} of seq on x for a fixed output gradient, and y's grad_fn.
std::pair<std::vector<torch::Tensor>, std::string> run_sequential(torch::nn::Sequential& seq, const torch::Tensor& x0) {
  const auto x = x0.detach().requires_grad_(true);
  const auto y = forward_sequential(seq, x);
  torch::manual_seed(1);
  std::vector<torch::Tensor> inputs = {x};
  for (const auto& p : seq->parameters()) inputs.push_back(p);
  std::vector<torch::Tensor> result = {y.detach()};
  for (auto& g : torch::autograd::grad({y}, inputs, {torch::randn(y.sizes())})) result.push_back(g);
  return {result, graph_node(y)};
}

TEST(Substitute, EachModuleGoesToItsKernelOnlyWhenItIsEnabled) {
  for (auto& r : routes()) {
    torch::manual_seed(3);
    torch::nn::Sequential seq;
    seq->push_back(r.module);
    const auto x = torch::randn(r.input);
    const auto& name = kernel_info(r.kernel).name;
    std::vector<torch::Tensor> libtorch;
    {
      ScopedKernelSwitch off("off");
      const auto [values, node] = run_sequential(seq, x);
      EXPECT_EQ(node.find(r.function), std::string::npos) << name << ": " << node;
      libtorch = values;
      // LibTorch's own module, called directly, gives the same.
      const auto direct = x.detach().requires_grad_(true);
      EXPECT_TRUE(torch::equal(seq->forward(direct), values[0])) << name;
    }
    // Every other kernel on: still LibTorch's.
    std::string others;
    for (const auto& k : kernel_registry())
      if (k.kernel != r.kernel) others += (others.empty() ? "" : ",") + k.name;
    {
      ScopedKernelSwitch all_but(others);
      EXPECT_EQ(run_sequential(seq, x).second.find(r.function), std::string::npos) << name;
    }
    if (!kernel_enabled(r.kernel)) continue;  // this CPU cannot run it, or LATENT_KERNELS turns it off
    ScopedKernelSwitch only(name);
    const auto [values, node] = run_sequential(seq, x);
    EXPECT_NE(node.find(r.function), std::string::npos) << name << ": " << node;
    ASSERT_EQ(values.size(), libtorch.size());
    for (size_t i = 0; i < values.size(); ++i) {
      if (r.tolerance == 0)
        EXPECT_TRUE(torch::equal(values[i], libtorch[i])) << name << " output " << i;
      else
        EXPECT_LT(rel_diff(values[i], libtorch[i]), r.tolerance) << name << " output " << i;
    }
  }
}

TEST(Substitute, ModulesAndInputsTheKernelsDoNotTakeAreLibTorchsOwn) {
  // Whatever the switch: other poolings and upsamplings, padding the kernels do not compute, odd and
  // strided and double inputs, single rows, in-place layers: module.forward itself, bit for bit.
  auto upsample = [](std::vector<double> scale, bool nearest) {
    auto o = torch::nn::UpsampleOptions().scale_factor(scale);
    return torch::nn::Upsample(nearest ? o.mode(torch::kNearest) : o.mode(torch::kBilinear));
  };
  const std::vector<std::pair<torch::nn::AnyModule, torch::Tensor>> cases = {
      {torch::nn::AnyModule(torch::nn::MaxPool2d(3)), torch::randn({2, 4, 12, 12})},
      {torch::nn::AnyModule(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).stride(1))),
       torch::randn({2, 3, 6, 6})},
      {torch::nn::AnyModule(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(2).ceil_mode(true))),
       torch::randn({2, 3, 5, 5})},
      {torch::nn::AnyModule(torch::nn::MaxPool2d(2)), torch::randn({2, 3, 5, 7})},
      {torch::nn::AnyModule(torch::nn::MaxPool2d(2)), torch::randn({2, 3, 8, 8}).transpose(2, 3)},
      {torch::nn::AnyModule(upsample({2.0, 2.0}, false)), torch::randn({2, 3, 4, 4})},
      {torch::nn::AnyModule(upsample({3.0, 3.0}, true)), torch::randn({2, 3, 4, 4})},
      {torch::nn::AnyModule(
           torch::nn::Upsample(torch::nn::UpsampleOptions().size(std::vector<int64_t>{8, 8}).mode(torch::kNearest))),
       torch::randn({2, 3, 4, 4})},
      {torch::nn::AnyModule(upsample({2.0, 2.0}, true)), torch::randn({2, 3, 6, 5}).transpose(2, 3)},
      {torch::nn::AnyModule(upsample({2.0, 2.0}, true)), torch::randn({1, 2, 3, 3}, torch::kDouble)},
      {torch::nn::AnyModule(
           torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3).padding(1).padding_mode(torch::kCircular))),
       torch::randn({2, 2, 5, 5})},
      {torch::nn::AnyModule(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 3, 3).padding(torch::kSame))),
       torch::randn({2, 2, 5, 5})},
      {torch::nn::AnyModule(torch::nn::Linear(8, 5)), torch::randn({15, 8})},
      {torch::nn::AnyModule(torch::nn::ReLU(torch::nn::ReLUOptions().inplace(true))), torch::randn({4, 5})},
      {torch::nn::AnyModule(torch::nn::Dropout(torch::nn::DropoutOptions(0.3).inplace(true))), torch::randn({4, 5})},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    torch::nn::Sequential seq;
    seq->push_back(cases[i].first);
    if (cases[i].second.scalar_type() == torch::kDouble) seq->to(torch::kDouble);
    torch::NoGradGuard no_grad;
    torch::manual_seed(5);
    const auto ours = forward_sequential(seq, cases[i].second.clone());
    torch::manual_seed(5);
    const auto theirs = seq->forward(cases[i].second.clone());
    EXPECT_TRUE(torch::equal(ours, theirs)) << "case " << i;
  }
  // Linear: too few rows, or doubles.
  torch::nn::Linear layer(8, 5);
  const auto few = torch::randn({kGemmMinRows - 1, 8});
  EXPECT_TRUE(torch::equal(linear(few, *layer), layer->forward(few)));
  layer->to(torch::kDouble);
  const auto dbl = torch::randn({32, 8}, torch::kDouble);
  EXPECT_TRUE(torch::equal(linear(dbl, *layer), layer->forward(dbl)));
}

TEST(Substitute, ReluAndDropoutAreLibTorchsValuesAndGradients) {
  // relu_activation: LibTorch's relu forward and backward, with and without a graph, at 1 and 2
  // threads, for tensors on both sides of kSerialOpElements.
  torch::manual_seed(10);
  for (int64_t rows : {128, 1024}) {
    const auto x = torch::randn({rows, 600});
    const auto g = torch::randn({rows, 600});
    auto reference = [&] {
      auto v = x.clone().requires_grad_(true);
      torch::relu(v).backward(g);
      return v.grad();
    }();
    const auto [one, two] = testing::at_one_and_two_threads([&] {
      auto v = x.clone().requires_grad_(true);
      auto y = relu_activation(v);
      EXPECT_TRUE(torch::equal(y, torch::relu(x)));
      y.backward(g);
      return v.grad();
    });
    EXPECT_TRUE(torch::equal(one, reference)) << rows << " rows";
    EXPECT_TRUE(torch::equal(two, reference)) << rows << " rows";
    torch::NoGradGuard no_grad;
    EXPECT_TRUE(torch::equal(relu_activation(x), torch::relu(x)));
  }
  // dropout: torch::dropout's values in training, x itself in evaluation, through a Sequential too.
  const auto x0 = torch::randn({64, 8, 14, 14});
  torch::manual_seed(11);
  const auto y = latent::dropout(x0, 0.5, true);
  torch::manual_seed(11);
  EXPECT_TRUE(torch::equal(y, torch::dropout(x0, 0.5, true)));
  EXPECT_GT((y == 0).sum().item<int64_t>(), 0);
  EXPECT_TRUE(torch::equal(latent::dropout(x0, 0.5, false), x0));
  const auto strided = x0.transpose(2, 3);
  torch::manual_seed(12);
  const auto ys = latent::dropout(strided, 0.3, true);
  torch::manual_seed(12);
  EXPECT_TRUE(torch::equal(ys, torch::dropout(strided, 0.3, true)));
  torch::nn::Sequential seq(torch::nn::Dropout(0.3));
  torch::manual_seed(12);
  const auto yq = forward_sequential(seq, x0);
  torch::manual_seed(12);
  EXPECT_TRUE(torch::equal(yq, seq->forward(x0)));
  seq->eval();
  EXPECT_TRUE(torch::equal(forward_sequential(seq, x0), x0));
}

TEST(Substitute, SigmoidUnderAutogradIsLibTorchsAndOutsideItTheKernel) {
  // Building a graph (training): torch::sigmoid itself, values and gradient bit for bit.
  torch::manual_seed(1);
  const auto x = (torch::randn({64, 33}) * 5).requires_grad_(true);
  const auto g = torch::randn({64, 33});
  const auto y = fast_sigmoid(x);
  EXPECT_TRUE(torch::equal(y, torch::sigmoid(x)));
  const auto grad = torch::autograd::grad({y}, {x}, {g})[0];
  EXPECT_TRUE(torch::equal(grad, torch::autograd::grad({torch::sigmoid(x)}, {x}, {g})[0]));
  // Doubles, strided views and empty tensors: LibTorch's, exactly, with or without a graph.
  const auto d = torch::randn({5, 7}, torch::kDouble);
  EXPECT_TRUE(torch::equal(fast_sigmoid(d), torch::sigmoid(d)));
  const auto t = torch::randn({6, 4}).t();
  EXPECT_TRUE(torch::equal(fast_sigmoid(t), torch::sigmoid(t)));
  EXPECT_EQ(fast_sigmoid(torch::empty({0, 3})).sizes(), (std::vector<int64_t>{0, 3}));
  // Without a graph (evaluation, inference): the kernel where enabled, LibTorch's where not.
  torch::NoGradGuard no_grad;
  EXPECT_FALSE(fast_sigmoid(x).requires_grad());
  EXPECT_TRUE(torch::allclose(fast_sigmoid(x), torch::sigmoid(x), 1e-6, 0));
  {
    ScopedKernelSwitch off("off");
    EXPECT_TRUE(torch::equal(fast_sigmoid(x), torch::sigmoid(x)));
  }
  c10::InferenceMode inference;
  const auto xi = x.detach().clone();
  EXPECT_TRUE(torch::allclose(fast_sigmoid(xi), torch::sigmoid(xi), 1e-6, 0));
}

TEST(Substitute, BceFunctionsAreLibTorchsWhereTheKernelDoesNotRun) {
  torch::manual_seed(9);
  const auto x = torch::randn({6, 1, 4, 4}) * 3;
  const auto t = torch::rand({6, 1, 4, 4});
  // Switched off: LibTorch's functions themselves.
  {
    ScopedKernelSwitch off("off");
    EXPECT_TRUE(torch::equal(bce_with_logits_mean(x, t), torch::binary_cross_entropy_with_logits(x, t)));
    EXPECT_TRUE(torch::equal(bce_with_logits_per_example(x, t), libtorch_bce_per_example(x, t)));
  }
  // A target that needs a gradient gets LibTorch's function, which gives it one.
  auto target = t.clone().requires_grad_(true);
  bce_with_logits_per_example(x, target).sum().backward();
  ASSERT_TRUE(target.grad().defined());
  auto target2 = t.clone().requires_grad_(true);
  bce_with_logits_mean(x, target2).backward();
  ASSERT_TRUE(target2.grad().defined());
  // Either way the value agrees with LibTorch's to float precision.
  EXPECT_NEAR(bce_with_logits_mean(x, t).item<double>(), torch::binary_cross_entropy_with_logits(x, t).item<double>(),
              1e-6);
}

TEST(Substitute, CountSameSideOfOtherTensorsIsTheLibTorchExpression) {
  torch::manual_seed(7);
  const auto a = torch::rand({100, 101});
  const auto b = torch::rand({100, 101});
  const int64_t expected = ((a > 0.5) == (b > 0.5)).sum().item<int64_t>();
  EXPECT_EQ(count_same_side(a, b, 0.5).item<int64_t>(), expected);
  EXPECT_EQ(count_same_side(a.t(), b.t(), 0.5).item<int64_t>(), expected);
  EXPECT_EQ(count_same_side(a.to(torch::kDouble), b.to(torch::kDouble), 0.5).item<int64_t>(), expected);
  ScopedKernelSwitch off("off");
  EXPECT_EQ(count_same_side(a, b, 0.5).item<int64_t>(), expected);
}

TEST(Substitute, DrawsIntoOtherTensorsAreLibTorchs) {
  // bernoulli_mask into a strided tensor: bernoulli_ itself.
  torch::manual_seed(3);
  auto strided = torch::empty({40, 6}).t();
  bernoulli_mask(strided, 0.4);
  torch::manual_seed(3);
  auto expected = torch::empty({40, 6}).t();
  expected.bernoulli_(0.4);
  EXPECT_TRUE(torch::equal(strided, expected));
  // normal_fill into strided, double, gradient-needing and short tensors: normal_ itself.
  for (auto make : std::vector<std::function<torch::Tensor()>>{
           [] {
             return torch::empty({40, 6}).t();
           },
           [] { return torch::empty({300}, torch::kFloat64); }, [] { return torch::empty({300}).requires_grad_(); },
           [] { return torch::empty({15}); }, [] { return torch::empty({1}); }}) {
    torch::manual_seed(4);
    auto ours = make();
    {
      torch::NoGradGuard no_grad;  // LibTorch refuses an in-place draw into a leaf that needs a gradient
      normal_fill(ours, 0.5, 2.0);
    }
    torch::manual_seed(4);
    auto theirs = make();
    {
      torch::NoGradGuard no_grad;
      theirs.normal_(0.5, 2.0);
    }
    EXPECT_TRUE(torch::equal(ours, theirs)) << ours.sizes();
  }
  auto t = torch::empty({100});
  EXPECT_THROW(normal_fill(t, 0.0, -1.0), c10::Error);  // LibTorch's own error for std < 0
  // randn_like: torch::randn's values, contiguous even for a strided input.
  const auto like = torch::empty({28, 40}).t();
  torch::manual_seed(9);
  const auto a = latent::randn_like(like);
  torch::manual_seed(9);
  const auto b = torch::randn({40, 28});
  EXPECT_TRUE(a.is_contiguous());
  EXPECT_EQ(a.sizes(), like.sizes());
  EXPECT_TRUE(torch::equal(a, b));
}

TEST(Substitute, TheOptimizerIsFusedAdamOnlyWhenItsKernelIsEnabled) {
  TrainingSpec spec;
  auto p = torch::zeros({2}, torch::requires_grad());
  EXPECT_EQ(dynamic_cast<FusedAdam*>(make_optimizer(spec, {p}).get()) != nullptr, kernel_enabled(Kernel::kAdam));
  ScopedKernelSwitch off("off");
  auto opt = make_optimizer(spec, {p});
  EXPECT_EQ(dynamic_cast<FusedAdam*>(opt.get()), nullptr);
  EXPECT_NE(dynamic_cast<torch::optim::Adam*>(opt.get()), nullptr);
}

// ---- whole models ----------------------------------------------------------------------------------

ModelSpec spec_of(const std::string& type) {
  ModelSpec s;
  s.type = type;
  s.latent = 4;
  s.hidden = {64, 32};
  if (type == "conv_ae") {
    s.channels = {8, 16};
    s.dropout = 0.2;
  }
  if (type == "conv_vae") s.hidden = {8, 16};
  return s;
}

// {recon, every parameter's gradient} of one training-mode batch of `type` built from seed 7.
std::vector<torch::Tensor> model_step(const std::string& type) {
  torch::manual_seed(7);
  auto model = make_autoencoder(spec_of(type), {1, 28, 28});
  const auto x = torch::rand({20, 1, 28, 28});
  torch::manual_seed(8);
  const auto out = model->forward(x);
  const auto loss = bce_with_logits_mean(out.logits, x, out.recon);
  const auto params = model->parameters();
  std::vector<torch::Tensor> result = {out.recon.detach()};
  // forward() decodes the posterior mean: a VAE's log-variance head gets no gradient.
  for (auto& g : torch::autograd::grad({loss}, params, {}, false, false, /*allow_unused=*/true))
    result.push_back(g.defined() ? g : torch::zeros({0}));
  return result;
}

TEST(Substitute, EveryModelFamilyGivesLibTorchsResultsThroughTheKernels) {
  // Kernels as the switch has them against all off, one training batch each: the reconstruction and
  // every gradient. Bit for bit where every kernel on the way is (conv2d, pooling, upsampling, relu,
  // dropout at one thread); to float rounding through gemm, conv_transpose2d and the fused loss.
  for (const std::string type : {"dense_ae", "conv_ae", "dense_vae", "conv_vae"}) {
    const auto with_kernels = model_step(type);
    std::vector<torch::Tensor> libtorch;
    {
      ScopedKernelSwitch off("off");
      libtorch = model_step(type);
    }
    ASSERT_EQ(with_kernels.size(), libtorch.size());
    for (size_t i = 0; i < libtorch.size(); ++i) {
      const std::string what = type + (i == 0 ? " reconstruction" : " gradient " + std::to_string(i));
      ASSERT_EQ(with_kernels[i].numel(), libtorch[i].numel()) << what;
      if (libtorch[i].numel() > 0) EXPECT_LT(rel_diff(with_kernels[i], libtorch[i]), 1e-5) << what;
    }
  }
}

TEST(Substitute, CudaMatchesCpu) {
  if (!torch::cuda::is_available()) GTEST_SKIP() << "no CUDA device";
  torch::manual_seed(5);
  torch::nn::Sequential seq(
      torch::nn::Conv2d(torch::nn::Conv2dOptions(4, 16, 3).stride(2).padding(1)), torch::nn::ReLU(),
      torch::nn::ConvTranspose2d(torch::nn::ConvTranspose2dOptions(16, 4, 3).stride(2).padding(1).output_padding(1)),
      torch::nn::MaxPool2d(2),
      torch::nn::Upsample(
          torch::nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest)));
  const auto x = torch::randn({4, 4, 8, 8});
  const auto cpu = forward_sequential(seq, x);
  seq->to(torch::kCUDA);
  EXPECT_LT(rel_diff(forward_sequential(seq, x.to(torch::kCUDA)).cpu(), cpu), 1e-4);
}

}  // namespace
}  // namespace latent

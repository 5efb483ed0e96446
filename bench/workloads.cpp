// latent_workloads: the side-by-side benchmark workloads (W1-W5) run through latent's library,
// plus the sgemm limit (the BLAS and latent::gemm) at their shapes. Prints one JSON object on stdout.
// bench/driver.py runs it next to bench/pytorch_workloads.py (same data, seed, threads, batch).
// Its options: kUsage below (`latent_workloads --help`).
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "latent/core/error.h"
#include "latent/core/eval_mode.h"
#include "latent/core/system.h"
#include "latent/data/dataset.h"
#include "latent/kernels/gemm.h"
#include "latent/kernels/registry.h"
#include "latent/kernels/substitute.h"
#include "latent/models/autoencoder.h"
#include "latent/models/vae.h"
#include "latent/training/objective.h"
#include "latent/training/optimizer.h"
#include "latent/data/batch.h"
#include "latent/training/loop.h"
#include "latent/training/vae_objective.h"

namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

struct Args {
  std::string workload = "w1";
  int threads = 1;
  uint64_t seed = 42;
  std::string data = "/usr/share/datasets/fashion-mnist";
  int64_t epochs = 1;
  int64_t batch = 256;
  int64_t singles = 2000;
  int64_t gemm_reps = 0;       // 0: chosen per shape to run about 0.2 s
  std::string device = "cpu";  // cpu, cuda, cuda:N or auto: where the model and the data set live
  int64_t warmup = 0;          // training runs before the timed ones (GPU: kernels' first-call set-up)
  int64_t repeat = 1;          // timed training runs, each from the same seed; "seconds" is their median
  // A/B switches for bench/NOTES.md: LibTorch's own Adam instead of the library's optimizer,
  // LibTorch's BCE with logits instead of the library's fused one, no InferenceMode in W4, glibc's default malloc
  // thresholds.
  bool torch_adam = false;
  bool torch_bce = false;
  bool torch_deconv = false;  // W3: LibTorch's ConvTranspose2d, not the conv_transpose2d kernel
  bool no_inference_mode = false;
  bool default_malloc = false;  // skip latent::keep_freed_memory()
};

// W3's model: a small convolutional denoising autoencoder. bench/pytorch_workloads.py builds
// the identical stack (same layers in the same order, so the same seeded initial weights). Its layers
// run through the substitution (kernels/substitute.h), as the studies' models do.
struct ConvAeImpl : torch::nn::Module {
  torch::nn::Sequential encoder{nullptr};
  torch::nn::Sequential decoder{nullptr};
  ConvAeImpl() {
    encoder = register_module(
        "encoder", torch::nn::Sequential(
                       torch::nn::Conv2d(torch::nn::Conv2dOptions(1, 16, 3).stride(2).padding(1)), torch::nn::ReLU(),
                       torch::nn::Conv2d(torch::nn::Conv2dOptions(16, 32, 3).stride(2).padding(1)), torch::nn::ReLU()));
    decoder = register_module(
        "decoder",
        torch::nn::Sequential(torch::nn::ConvTranspose2d(
                                  torch::nn::ConvTranspose2dOptions(32, 16, 3).stride(2).padding(1).output_padding(1)),
                              torch::nn::ReLU(),
                              torch::nn::ConvTranspose2d(
                                  torch::nn::ConvTranspose2dOptions(16, 1, 3).stride(2).padding(1).output_padding(1))));
  }
  // x: (B, 1, 28, 28) -> {code (B, 32, 7, 7), logits and recon (B, 1, 28, 28)}
  latent::AeOutput forward(const torch::Tensor& x) {
    latent::AeOutput out;
    out.code = latent::forward_sequential(encoder, x);
    out.logits = latent::forward_sequential(decoder, out.code);
    out.recon = latent::fast_sigmoid(out.logits);
    return out;
  }
};
TORCH_MODULE(ConvAe);

// The kernel switch in force less `kernel` (an A/B switch of one kernel against LibTorch's operator).
std::string switch_without(latent::Kernel kernel) {
  std::string names;
  for (const auto& k : latent::kernel_registry())
    if (k.kernel != kernel && latent::kernel_switched_on(k.kernel)) names += (names.empty() ? "" : ",") + k.name;
  return names.empty() ? "off" : names;
}

// Multiply-adds of one forward pass per example, for the FLOP count (fwd 2*MAC, backward
// 2*MAC for the weight gradient plus 2*MAC for the input gradient except on the first layer).
struct LayerMacs {
  double macs;
  bool first;
};

double train_flops_per_example(const std::vector<LayerMacs>& layers) {
  double f = 0;
  for (const auto& l : layers) f += 2 * l.macs * (l.first ? 2 : 3);
  return f;
}

std::vector<LayerMacs> dense_layers(const std::vector<int64_t>& widths) {
  std::vector<LayerMacs> out;
  for (size_t i = 0; i + 1 < widths.size(); ++i)
    out.push_back({static_cast<double>(widths[i] * widths[i + 1]), i == 0});
  return out;
}

std::vector<LayerMacs> conv_layers() {
  // conv 1->16 at 14x14 out, conv 16->32 at 7x7 out, deconv 32->16 from 7x7, deconv 16->1 from 14x14.
  return {{14.0 * 14 * 16 * 1 * 9, true},
          {7.0 * 7 * 32 * 16 * 9, false},
          {7.0 * 7 * 32 * 16 * 9, false},
          {14.0 * 14 * 16 * 1 * 9, false}};
}

std::vector<int64_t> widths_for(const std::vector<int64_t>& hidden) {
  std::vector<int64_t> w = {784};
  w.insert(w.end(), hidden.begin(), hidden.end());
  w.push_back(32);
  w.insert(w.end(), hidden.rbegin(), hidden.rend());
  w.push_back(784);
  return w;
}

// W5's dense VAE 784-512-(16 μ, 16 log σ²)-512-784: for FLOPs and product shapes its two heads are
// one 512 -> 32 product.
const std::vector<int64_t> kVaeWidths = {784, 512, 32, 512, 784};
constexpr int64_t kVaeLatent = 16;

// Mean BCE of the reconstructions of `x` (clean), in evaluation mode, batched.
double test_bce(torch::nn::Module& module, const std::function<torch::Tensor(const torch::Tensor&)>& logits_of,
                const torch::Tensor& x, int64_t batch) {
  latent::EvalMode guard(module);
  double sum = 0;
  for (int64_t b = 0; b < x.size(0); b += batch) {
    auto xb = x.slice(0, b, std::min(x.size(0), b + batch));
    sum += torch::binary_cross_entropy_with_logits(logits_of(xb), xb, {}, {}, at::Reduction::Sum).item<double>();
  }
  return sum / static_cast<double>(x.numel());
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  const auto i = static_cast<size_t>(std::min<double>(v.size() - 1, std::ceil(p * v.size()) - 1));
  return v[i];
}

// The loss of one batch (its input images), with its autograd graph.
using BatchLoss = std::function<torch::Tensor(const torch::Tensor& x)>;

// One timed training run of `module` on the training split with `batch_loss` and Adam (the
// library's, or LibTorch's with --torch-adam), through the training loop every study uses:
// {seconds, final training loss}. The clock stops after the epoch's loss is read, which waits
// for a GPU's queued work.
std::pair<double, double> timed_fit(const Args& a, const latent::TrainingSpec& tspec,
                                    std::shared_ptr<torch::nn::Module> module, const BatchLoss& batch_loss,
                                    const latent::DataSplits& data) {
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  if (a.torch_adam)
    optimizer = std::make_unique<torch::optim::Adam>(module->parameters(), torch::optim::AdamOptions(tspec.lr));
  else
    optimizer = latent::make_optimizer(tspec, module->parameters());
  latent::TrainSession session(data.train.x.device());
  session.add_module("model", module);
  session.add_optimizer("model", std::move(optimizer));
  latent::LoopOptions lo;
  lo.training = tspec;
  lo.label = a.workload;
  auto progress = latent::make_progress(latent::ProgressStyle::kQuiet);
  const latent::TensorSource train({{"x", data.train.x}});
  auto step = [&](const latent::Batch& batch, latent::TrainSession& s) {
    torch::Tensor loss = batch_loss(batch["x"]);
    s.minimize("model", loss);
    latent::StepStats stats;
    stats.mean("loss", loss, static_cast<double>(batch.size()));
    return stats;
  };
  const auto t0 = Clock::now();
  auto history = latent::train_loop(session, train, step, nullptr, lo, *progress);
  return {seconds_since(t0), history.back().train_loss};
}

// What one training run measured: its time and its final training and test losses.
struct TrainRun {
  double seconds = 0;
  double final_train_loss = 0;
  double test_loss = 0;
};

// A training workload's JSON from `once` (one run from the seed): --warmup untimed runs, then
// --repeat timed ones; "seconds" is their median (with one run, its time), the losses the last
// run's (at one CPU thread every run computes the same numbers), "runs_seconds" every timed run.
json train_result(const Args& a, const latent::DataSplits& data, const std::function<TrainRun()>& once,
                  const std::vector<LayerMacs>& layers) {
  for (int64_t r = 0; r < a.warmup; ++r) once();
  std::vector<double> times;
  TrainRun last;
  for (int64_t r = 0; r < a.repeat; ++r) {
    last = once();
    times.push_back(last.seconds);
  }
  const double seconds = percentile(times, 0.5);
  const double samples = static_cast<double>(data.train.size() * a.epochs);
  const double flops = train_flops_per_example(layers) * samples;
  json out = {{"seconds", seconds},
              {"samples_per_second", samples / seconds},
              {"final_train_loss", last.final_train_loss},
              {"test_loss", last.test_loss},
              {"flops", flops},
              {"gflops_per_second", flops / seconds / 1e9}};
  if (a.repeat > 1) out["runs_seconds"] = times;
  return out;
}

json train_workload(const Args& a, const latent::DataSplits& data) {
  const bool conv = a.workload == "w3";
  std::vector<int64_t> hidden;
  if (a.workload == "w2") hidden = {512, 256};
  latent::TrainingSpec tspec;
  tspec.batch_size = a.batch;
  tspec.epochs = a.epochs;
  latent::ReconstructionObjective objective;
  objective.loss = "bce";
  objective.noise_std = conv ? 0.3 : 0.0;

  // --torch-deconv: LibTorch's ConvTranspose2d for the whole workload.
  std::unique_ptr<latent::ScopedKernelSwitch> torch_deconv;
  if (a.torch_deconv)
    torch_deconv = std::make_unique<latent::ScopedKernelSwitch>(switch_without(latent::Kernel::kConvTranspose2d));
  auto once = [&] {
    torch::manual_seed(a.seed);
    std::shared_ptr<latent::AutoencoderBase> dense;
    ConvAe conv_model{nullptr};
    std::shared_ptr<torch::nn::Module> module;
    if (conv) {
      conv_model = ConvAe();
      module = conv_model.ptr();
    } else {
      latent::ModelSpec mspec;
      mspec.hidden = hidden;
      dense = latent::make_autoencoder(mspec, {1, 28, 28});
      module = dense;
    }
    module->to(data.train.x.device());
    BatchLoss batch_loss = [&](const torch::Tensor& x) {
      auto input = objective.corrupt(x);
      auto out = conv ? conv_model->forward(input) : dense->forward(input);
      if (a.torch_bce) return torch::binary_cross_entropy_with_logits(out.logits, x);
      return objective(out, x, "sigmoid");
    };
    const auto [seconds, final_train_loss] = timed_fit(a, tspec, module, batch_loss, data);
    const double test_loss = test_bce(
        *module,
        [&](const torch::Tensor& x) { return conv ? conv_model->forward(x).logits : dense->forward(x).logits; },
        data.test.x, 1000);
    return TrainRun{seconds, final_train_loss, test_loss};
  };
  return train_result(a, data, once, conv ? conv_layers() : dense_layers(widths_for(hidden)));
}

// W5: the dense VAE of the vae-fmnist study (latent 16) trained one epoch on the negative ELBO (BCE
// summed per image + KL, mean over the batch); the test loss is the negative ELBO per image in nats
// at z = μ (no sampling, so both sides compute the same function of the weights).
json vae_workload(const Args& a, const latent::DataSplits& data) {
  latent::TrainingSpec tspec;
  tspec.batch_size = a.batch;
  tspec.epochs = a.epochs;
  const latent::VaeObjective objective;  // BCE, beta 1, no warm-up
  latent::VaeOptions o;
  o.input_shape = {1, 28, 28};
  o.hidden = {kVaeWidths[1]};
  o.latent = kVaeLatent;
  auto once = [&] {
    torch::manual_seed(a.seed);
    latent::DenseVae model(o);
    model->to(data.train.x.device());
    BatchLoss batch_loss = [&](const torch::Tensor& x) { return objective(model->forward_vae(x), x, 1.0).loss; };
    const auto [seconds, final_train_loss] = timed_fit(a, tspec, model.ptr(), batch_loss, data);
    double test_loss = 0;
    {
      latent::EvalMode guard(*model);
      const auto& x = data.test.x;
      for (int64_t b = 0; b < x.size(0); b += 1000) {
        auto xb = x.slice(0, b, std::min(x.size(0), b + 1000));
        const auto q = model->posterior(xb);
        const auto recon = latent::reconstruction_nll("bce", model->decode_logits(q.mu), {}, xb);
        test_loss += (recon + latent::kl_divergence(q.mu, q.logvar)).sum().item<double>();
      }
      test_loss /= static_cast<double>(x.size(0));
    }
    return TrainRun{seconds, final_train_loss, test_loss};
  };
  return train_result(a, data, once, dense_layers(kVaeWidths));
}

// One value of `t` on the host: a plain read on the CPU, a copy (which waits for the queued work)
// elsewhere.
float first_value(const torch::Tensor& t) { return t.is_cpu() ? t.data_ptr<float>()[0] : t.flatten()[0].item<float>(); }

json inference_workload(const Args& a, const latent::DataSplits& data) {
  torch::manual_seed(a.seed);
  latent::ModelSpec mspec;
  auto model = latent::make_autoencoder(mspec, {1, 28, 28});
  const auto& x = data.test.x;
  model->to(x.device());
  latent::EvalMode guard(*model);
  c10::InferenceMode inference(!a.no_inference_mode);
  // A timed pass reads one value of each batch's reconstructions; the checksum (the sum of all of
  // them, for the loss-diff column) comes from one more pass outside the clock, so the time is the
  // reconstructions' alone and not a reduction's (bench/NOTES.md, change 15).
  auto pass = [&](bool checksum) {
    double sum = 0;
    for (int64_t b = 0; b < x.size(0); b += a.batch) {
      auto xb = x.slice(0, b, std::min(x.size(0), b + a.batch));
      auto recon = model->forward(xb).recon;
      sum += checksum ? recon.sum().item<double>() : first_value(recon);
    }
    return sum;
  };
  pass(false);  // warm-up
  std::vector<double> times;
  for (int r = 0; r < 5; ++r) {
    const auto t0 = Clock::now();
    const double first_values = pass(false);
    times.push_back(seconds_since(t0));
    if (first_values < 0) std::abort();  // sigmoid outputs are never negative; keeps the reads alive
  }
  const double checksum = pass(true);
  const double seconds = percentile(times, 0.5);
  std::vector<double> lat;
  for (int64_t i = 0; i < a.singles + 50; ++i) {
    auto xi = x.slice(0, i % x.size(0), i % x.size(0) + 1);
    const auto t0 = Clock::now();
    auto recon = model->forward(xi).recon;
    const float v = first_value(recon);
    const double dt = seconds_since(t0);
    if (v < 0) std::abort();  // a sigmoid output is never negative; keeps the read alive
    if (i >= 50) lat.push_back(dt);
  }
  const double flops = 2.0 * 2 * 784 * 32 * static_cast<double>(x.size(0));
  return {{"seconds", seconds},
          {"samples_per_second", static_cast<double>(x.size(0)) / seconds},
          {"mean_output", checksum / static_cast<double>(x.numel())},
          {"single_p50_ms", percentile(lat, 0.5) * 1e3},
          {"single_p99_ms", percentile(lat, 0.99) * 1e3},
          {"flops", flops},
          {"gflops_per_second", flops / seconds / 1e9}};
}

// GFLOP/s of C(m,n) = A(m,k) B(k,n) through torch::mm (the BLAS LibTorch's Linear uses) or, with
// `kernel`, through latent::gemm (the AVX-512 product latent's dense layers use where it runs: kernels/gemm.h).
double mm_rate(int64_t m, int64_t k, int64_t n, bool ta, bool tb, int64_t reps, bool kernel) {
  auto a = ta ? torch::rand({k, m}).t() : torch::rand({m, k});
  auto b = tb ? torch::rand({n, k}).t() : torch::rand({k, n});
  auto c = torch::empty({m, n});
  auto once = [&] {
    if (kernel)
      c = latent::gemm(a, b);
    else
      torch::mm_out(c, a, b);
  };
  once();
  const double flop = 2.0 * m * n * k;
  if (reps <= 0) {
    const auto t0 = Clock::now();
    once();
    reps = std::max<int64_t>(3, static_cast<int64_t>(0.2 / std::max(1e-7, seconds_since(t0))));
  }
  std::vector<double> times;
  for (int64_t r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    once();
    times.push_back(seconds_since(t0));
  }
  return flop / percentile(times, 0.5) / 1e9;
}

// The product rate at a dense workload's shapes: each Linear's forward (X W^T), input gradient
// (dY W) and weight gradient (dY^T X) at batch B, weighted by their FLOPs.
json gemm_at_shapes(const std::vector<int64_t>& widths, int64_t batch, int64_t reps, bool kernel) {
  double flop = 0, secs = 0;
  json shapes = json::array();
  for (size_t i = 0; i + 1 < widths.size(); ++i) {
    const int64_t in = widths[i], out = widths[i + 1];
    struct Mm {
      int64_t m, k, n;
      bool ta, tb;
      const char* what;
    };
    std::vector<Mm> mms = {{batch, in, out, false, true, "fwd"}, {out, batch, in, true, false, "dW"}};
    if (i > 0) mms.push_back({batch, out, in, false, false, "dX"});
    for (const auto& mm : mms) {
      const double f = 2.0 * mm.m * mm.n * mm.k;
      const double rate = mm_rate(mm.m, mm.k, mm.n, mm.ta, mm.tb, reps, kernel);
      flop += f;
      secs += f / (rate * 1e9);
      shapes.push_back({{"m", mm.m}, {"k", mm.k}, {"n", mm.n}, {"op", mm.what}, {"gflops_per_second", rate}});
    }
  }
  return {{"gflops_per_second", flop / secs / 1e9}, {"shapes", shapes}};
}

// The BLAS's rates and, when it runs here, latent's kernel's at the same shapes ("kernel": {...}).
json gemm_workload(const Args& a) {
  auto rates = [&](bool kernel) {
    return json{{"square_2048", mm_rate(2048, 2048, 2048, false, false, a.gemm_reps, kernel)},
                {"w1", gemm_at_shapes(widths_for({}), a.batch, a.gemm_reps, kernel)},
                {"w2", gemm_at_shapes(widths_for({512, 256}), a.batch, a.gemm_reps, kernel)},
                {"w5", gemm_at_shapes(kVaeWidths, a.batch, a.gemm_reps, kernel)}};
  };
  json out = rates(false);
  if (latent::kernel_enabled(latent::Kernel::kGemm)) out["kernel"] = rates(true);
  return out;
}

struct HelpRequested {};

constexpr const char* kUsage =
    "usage: latent_workloads --workload w1|w2|w3|w4|w5|gemm [--threads N] [--seed S] [--data DIR]\n"
    "                        [--epochs E] [--batch B] [--singles N] [--gemm-reps R]\n"
    "                        [--device cpu|cuda|cuda:N|auto] [--warmup W] [--repeat R]\n"
    "                        [--torch-adam] [--torch-bce] [--torch-deconv] [--no-inference-mode]\n"
    "                        [--default-malloc]\n"
    "Runs one benchmark workload through latent's library and prints one JSON object (bench/driver.py runs it;\n"
    "bench/NOTES.md explains the workloads and the A/B switches). --device puts the model and the whole data\n"
    "set there; training workloads then run W untimed and R timed times from the seed (\"seconds\": the median).\n";

Args parse(int argc, char** argv) {
  Args a;
  for (int i = 1; i < argc; ++i) {
    const std::string k = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw latent::UsageError(k + ": needs a value");
      return argv[++i];
    };
    // A whole number for option k, or a UsageError naming it and the value.
    auto number = [&]() -> int64_t {
      const std::string v = value();
      size_t used = 0;
      int64_t n = 0;
      try {
        n = std::stoll(v, &used);
      } catch (const std::exception&) {
        used = 0;
      }
      if (used == 0 || used != v.size()) throw latent::UsageError(k + ": '" + v + "' is not a whole number");
      return n;
    };
    if (k == "--help" || k == "-h") throw HelpRequested();
    if (k == "--workload")
      a.workload = value();
    else if (k == "--threads")
      a.threads = static_cast<int>(number());
    else if (k == "--seed")
      a.seed = static_cast<uint64_t>(number());
    else if (k == "--data")
      a.data = value();
    else if (k == "--epochs")
      a.epochs = number();
    else if (k == "--batch")
      a.batch = number();
    else if (k == "--singles")
      a.singles = number();
    else if (k == "--gemm-reps")
      a.gemm_reps = number();
    else if (k == "--device")
      a.device = value();
    else if (k == "--warmup")
      a.warmup = number();
    else if (k == "--repeat")
      a.repeat = number();
    else if (k == "--torch-adam")
      a.torch_adam = true;
    else if (k == "--torch-bce")
      a.torch_bce = true;
    else if (k == "--torch-deconv")
      a.torch_deconv = true;
    else if (k == "--no-inference-mode")
      a.no_inference_mode = true;
    else if (k == "--default-malloc")
      a.default_malloc = true;
    else
      throw latent::UsageError("unknown argument '" + k + "'");
  }
  const std::vector<std::string> known = {"w1", "w2", "w3", "w4", "w5", "gemm"};
  if (std::find(known.begin(), known.end(), a.workload) == known.end())
    throw latent::UsageError("--workload: '" + a.workload + "' (w1, w2, w3, w4, w5 or gemm)");
  for (auto [name, v] : {std::pair{"--threads", int64_t{a.threads}}, {"--epochs", a.epochs}, {"--batch", a.batch}})
    if (v < 1) throw latent::UsageError(std::string(name) + ": " + std::to_string(v) + " (1 or more)");
  if (a.warmup < 0) throw latent::UsageError("--warmup: " + std::to_string(a.warmup) + " (0 or more)");
  if (a.repeat < 1) throw latent::UsageError("--repeat: " + std::to_string(a.repeat) + " (1 or more)");
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  latent::prefer_passive_openmp_wait(argv);  // as the CLI does (an explicit OMP_WAIT_POLICY is kept)
  try {
    const Args a = parse(argc, argv);
    if (!a.default_malloc) latent::keep_freed_memory();
    latent::set_threads(a.threads);
    const torch::Device device = latent::resolve_device(a.device);
    json result = {{"impl", "latent"},
                   {"workload", a.workload},
                   {"threads", latent::current_threads()},
                   {"batch", a.batch},
                   {"epochs", a.epochs},
                   {"seed", a.seed},
                   {"blas", latent::blas_info()},
                   {"device", device.str()}};
    if (a.workload == "gemm") {
      result.update(gemm_workload(a));
    } else {
      latent::DataSplits data;
      data.train = latent::load_idx_split(a.data, "train").to(device);
      data.test = latent::load_idx_split(a.data, "t10k").to(device);
      if (a.workload == "w4")
        result.update(inference_workload(a, data));
      else if (a.workload == "w5")
        result.update(vae_workload(a, data));
      else
        result.update(train_workload(a, data));
    }
    std::cout << result.dump() << std::endl;
    return 0;
  } catch (const HelpRequested&) {
    std::cout << kUsage;
    return 0;
  } catch (const latent::UsageError& e) {
    std::cerr << "latent_workloads: error: " << e.what() << "\n";
    return 2;
  } catch (const c10::Error& e) {
    std::cerr << "latent_workloads: error: " << e.what_without_backtrace() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "latent_workloads: error: " << e.what() << "\n";
    return 1;
  }
}

// ResNet family (ResNet-18 and ResNet-50, 2-D and 3-D), built and initialised as torchvision's.
#include "latent/models/resnet.h"

#include <torch/nn/init.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/pooling.h>

#include <algorithm>
#include <utility>

#include "latent/core/error.h"
#include "latent/core/text.h"

namespace latent {

namespace {

// The modules of one dimensionality: Conv2d, BatchNorm2d and MaxPool2d for images, their 3-D
// versions (cubic kernels, strides and padding) for volumes. Convs have no bias, as torchvision's.
struct NdModules {
  bool volumes = false;

  torch::nn::AnyModule conv(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t padding) const {
    if (volumes)
      return torch::nn::AnyModule(
          torch::nn::Conv3d(torch::nn::Conv3dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
    return torch::nn::AnyModule(
        torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding).bias(false)));
  }
  torch::nn::AnyModule batch_norm(int64_t channels) const {
    if (volumes) return torch::nn::AnyModule(torch::nn::BatchNorm3d(channels));
    return torch::nn::AnyModule(torch::nn::BatchNorm2d(channels));
  }
  torch::nn::AnyModule max_pool(int64_t kernel, int64_t stride, int64_t padding) const {
    if (volumes)
      return torch::nn::AnyModule(
          torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(kernel).stride(stride).padding(padding)));
    return torch::nn::AnyModule(
        torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(kernel).stride(stride).padding(padding)));
  }
};

// A side after a conv or pool of this kernel, stride and padding.
int64_t side_after(int64_t side, int64_t kernel, int64_t stride, int64_t padding) {
  return (side + 2 * padding - kernel) / stride + 1;
}

// torchvision's BasicBlock (conv3x3 -> BN -> ReLU -> conv3x3 -> BN, + shortcut, ReLU) or, with
// bottleneck, its Bottleneck (conv1x1 -> BN -> ReLU -> conv3x3 (stride) -> BN -> ReLU -> conv1x1 to
// planes * 4 -> BN, + shortcut, ReLU). The shortcut is `downsample` (conv1x1 (stride) -> BN) when
// given, else the input. The caller builds downsample first, as torchvision's _make_layer does, so
// the default draws come in its order; it is registered last, as torchvision's attribute is.
class ResidualBlockImpl : public torch::nn::Module {
 public:
  ResidualBlockImpl(const NdModules& nd, int64_t in, int64_t planes, int64_t stride, bool bottleneck,
                    torch::nn::Sequential shortcut)
      : bottleneck_(bottleneck) {
    if (bottleneck) {
      conv1 = nd.conv(in, planes, 1, 1, 0);
      bn1 = nd.batch_norm(planes);
      conv2 = nd.conv(planes, planes, 3, stride, 1);
      bn2 = nd.batch_norm(planes);
      conv3 = nd.conv(planes, planes * 4, 1, 1, 0);
      bn3 = nd.batch_norm(planes * 4);
    } else {
      conv1 = nd.conv(in, planes, 3, stride, 1);
      bn1 = nd.batch_norm(planes);
      conv2 = nd.conv(planes, planes, 3, 1, 1);
      bn2 = nd.batch_norm(planes);
    }
    register_module("conv1", conv1.ptr());
    register_module("bn1", bn1.ptr());
    register_module("conv2", conv2.ptr());
    register_module("bn2", bn2.ptr());
    if (bottleneck) {
      register_module("conv3", conv3.ptr());
      register_module("bn3", bn3.ptr());
    }
    if (shortcut) downsample = register_module("downsample", shortcut);
  }

  // x: (B, in, *S) -> (B, planes * expansion, *S / stride), S the spatial sides
  torch::Tensor forward(const torch::Tensor& x) {
    torch::Tensor out = torch::relu(bn1.forward(conv1.forward(x)));
    out = bn2.forward(conv2.forward(out));
    if (bottleneck_) out = bn3.forward(conv3.forward(torch::relu(out)));
    out = out + (downsample ? downsample->forward(x) : x);
    return torch::relu(out);
  }

  // Conv2d or Conv3d, BatchNorm2d or BatchNorm3d; conv3 and bn3 only in a bottleneck.
  torch::nn::AnyModule conv1, bn1, conv2, bn2, conv3, bn3;
  torch::nn::Sequential downsample{nullptr};

 private:
  bool bottleneck_;
};

TORCH_MODULE(ResidualBlock);

void check_options(const ResNetOptions& o) {
  if ((o.input_shape.size() != 3 && o.input_shape.size() != 4) ||
      std::any_of(o.input_shape.begin(), o.input_shape.end(), [](int64_t d) { return d <= 0; }))
    throw UsageError(
        "model.input_shape: a ResNet takes images (C, H, W) or volumes (C, D, H, W) with positive sizes, got " +
        shape_text(o.input_shape));
  if (o.depth != 18 && o.depth != 50)
    throw UsageError("model.depth: ResNet-18 or ResNet-50 (18 or 50), got " + std::to_string(o.depth));
  if (o.width < 1) throw UsageError("model.width: must be positive, got " + std::to_string(o.width));
  if (o.stem != "auto" && o.stem != "small" && o.stem != "imagenet")
    throw UsageError("model.stem: '" + o.stem + "' (auto, small or imagenet)");
  if (!(o.dropout >= 0.0 && o.dropout < 1.0))
    throw UsageError("model.dropout: must be in [0, 1), got " + std::to_string(o.dropout));
  if (o.outputs < 1) throw UsageError("model.outputs: must be positive, got " + std::to_string(o.outputs));
}

}  // namespace

std::string resnet_stem(const ResNetOptions& o) {
  if (o.stem != "auto" || o.input_shape.size() < 2) return o.stem;
  const int64_t smallest = *std::min_element(o.input_shape.begin() + 1, o.input_shape.end());
  return smallest < 64 ? "small" : "imagenet";
}

ResNetImpl::ResNetImpl(ResNetOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  check_options(o);
  const bool imagenet = resnet_stem(o) == "imagenet";
  const std::vector<int64_t> sides_in(o.input_shape.begin() + 1, o.input_shape.end());
  // The stem and the three stride-2 stages divide each side by 8 (small) or 32 (imagenet); a smaller
  // side leaves the last stages convolving padding.
  const int64_t factor = imagenet ? 32 : 8;
  if (*std::min_element(sides_in.begin(), sides_in.end()) < factor)
    throw UsageError("model.input_shape: the " + shape_text(o.input_shape) + " input is smaller than the " +
                     (imagenet ? "imagenet" : "small") + " stem and the stages downsample (" + std::to_string(factor) +
                     " along each side)" + (imagenet ? "; model.stem = small takes sides from 8" : ""));

  const NdModules nd{o.input_shape.size() == 4};
  const bool bottleneck = o.depth == 50;
  const int64_t expansion = bottleneck ? 4 : 1;
  const std::vector<int64_t> blocks = bottleneck ? std::vector<int64_t>{3, 4, 6, 3} : std::vector<int64_t>{2, 2, 2, 2};

  // Modules in torchvision's order of construction (its default draws) and of registration (its
  // modules(), the order of the re-initialisation below).
  std::vector<int64_t> sides = sides_in;
  if (imagenet) {
    conv1 = nd.conv(o.input_shape[0], o.width, 7, 2, 3);
    for (auto& s : sides) s = side_after(s, 7, 2, 3);
  } else {
    conv1 = nd.conv(o.input_shape[0], o.width, 3, 1, 1);
  }
  register_module("conv1", conv1.ptr());
  bn1 = nd.batch_norm(o.width);
  register_module("bn1", bn1.ptr());
  if (imagenet) {
    maxpool = nd.max_pool(3, 2, 1);
    register_module("maxpool", maxpool.ptr());
    for (auto& s : sides) s = side_after(s, 3, 2, 1);
  }

  int64_t in = o.width;
  torch::nn::Sequential* layers[] = {&layer1, &layer2, &layer3, &layer4};
  for (size_t stage = 0; stage < 4; ++stage) {
    const int64_t planes = o.width << stage;
    torch::nn::Sequential layer;
    for (int64_t b = 0; b < blocks[stage]; ++b) {
      const int64_t stride = stage > 0 && b == 0 ? 2 : 1;
      torch::nn::Sequential shortcut{nullptr};
      if (stride != 1 || in != planes * expansion) {
        shortcut = torch::nn::Sequential();
        shortcut->push_back(nd.conv(in, planes * expansion, 1, stride, 0));
        shortcut->push_back(nd.batch_norm(planes * expansion));
      }
      layer->push_back(ResidualBlock(nd, in, planes, stride, bottleneck, shortcut));
      in = planes * expansion;
      if (stride != 1)
        for (auto& s : sides) s = side_after(s, 3, 2, 1);
    }
    *layers[stage] = register_module("layer" + std::to_string(stage + 1), layer);
  }
  feature_shape_ = {in};
  feature_shape_.insert(feature_shape_.end(), sides.begin(), sides.end());

  if (o.dropout > 0.0) dropout = register_module("dropout", torch::nn::Dropout(o.dropout));
  fc = register_module("fc", torch::nn::Linear(in, o.outputs));

  // torchvision: kaiming_normal_(fan_out, relu) for every conv, BN weight 1 and bias 0, in
  // modules() order; the Linear keeps its default.
  torch::NoGradGuard no_grad;
  for (const auto& m : modules(/*include_self=*/false)) {
    if (auto* c = m->as<torch::nn::Conv2d>())
      torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    if (auto* c = m->as<torch::nn::Conv3d>())
      torch::nn::init::kaiming_normal_(c->weight, 0.0, torch::kFanOut, torch::kReLU);
    if (m->as<torch::nn::BatchNorm2d>() || m->as<torch::nn::BatchNorm3d>()) {
      auto params = m->named_parameters(/*recurse=*/false);
      params["weight"].fill_(1.0);
      params["bias"].zero_();
    }
  }
  // The last BN of each block, so that every residual branch starts as zero.
  if (o.zero_init_residual) {
    const std::string last = bottleneck ? ".bn3.weight" : ".bn2.weight";
    for (auto& p : named_parameters()) {
      const std::string& key = p.key();
      if (key.rfind("layer", 0) == 0 && key.size() > last.size() &&
          key.compare(key.size() - last.size(), last.size(), last) == 0)
        p.value().zero_();
    }
  }
}

// x: (B, C, H, W) -> (B, feature_shape) = (B, width * 8 * expansion, H', W'); likewise (B, C, D, H, W)
torch::Tensor ResNetImpl::feature_maps(const torch::Tensor& x) {
  const auto& s = options_.input_shape;
  const std::vector<int64_t> got(x.sizes().begin(), x.sizes().end());
  if (got.size() != s.size() + 1 || !std::equal(s.begin(), s.end(), got.begin() + 1))
    throw Error("resnet: an input of shape " + shape_text(got) + "; the model takes (B, " + shape_text(s) + ")");
  torch::Tensor h = torch::relu(bn1.forward(conv1.forward(x)));
  if (!maxpool.is_empty()) h = maxpool.forward(h);
  h = layer1->forward(h);
  h = layer2->forward(h);
  h = layer3->forward(h);
  return layer4->forward(h);
}

// x: (B, C, H, W) or (B, C, D, H, W) -> logits (B, outputs)
torch::Tensor ResNetImpl::forward(const torch::Tensor& x) {
  torch::Tensor f = feature_maps(x);
  std::vector<int64_t> spatial;
  for (int64_t d = 2; d < f.dim(); ++d) spatial.push_back(d);
  f = f.mean(spatial);  // global average pooling: (B, channels)
  if (dropout) f = dropout->forward(f);
  return fc->forward(f);
}

}  // namespace latent

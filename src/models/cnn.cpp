// Small convolutional classifier family, for images (2-D) and volumes (3-D).
#include "latent/models/cnn.h"

#include <algorithm>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/models/weight_init.h"

namespace latent {

namespace {

void check_options(const CnnOptions& o) {
  if ((o.input_shape.size() != 3 && o.input_shape.size() != 4) ||
      std::any_of(o.input_shape.begin(), o.input_shape.end(), [](int64_t d) { return d <= 0; }))
    throw UsageError(
        "model.input_shape: a CNN takes images (C, H, W) or volumes (C, D, H, W) with positive sizes, got " +
        shape_text(o.input_shape));
  if (o.channels.empty()) throw UsageError("model.channels: at least one conv block is needed");
  for (int64_t c : o.channels)
    if (c <= 0) throw UsageError("model.channels: channel counts must be positive, got " + std::to_string(c));
  if (o.padding != "same" && o.padding != "valid")
    throw UsageError("model.padding: '" + o.padding + "' (same or valid)");
  if (o.kernel <= 0) throw UsageError("model.kernel: must be positive, got " + std::to_string(o.kernel));
  if (o.padding == "same" && o.kernel % 2 == 0)
    throw UsageError("model.kernel: 'same' padding needs an odd kernel, got " + std::to_string(o.kernel));
  if (o.pool < 1) throw UsageError("model.pool: must be >= 1 (1: no pooling), got " + std::to_string(o.pool));
  if (o.head != "flatten" && o.head != "gap") throw UsageError("model.head: '" + o.head + "' (flatten or gap)");
  for (int64_t w : o.fc)
    if (w <= 0) throw UsageError("model.fc: widths must be positive, got " + std::to_string(w));
  if (!(o.dropout >= 0.0 && o.dropout < 1.0))
    throw UsageError("model.dropout: must be in [0, 1), got " + std::to_string(o.dropout));
  if (!(o.conv_dropout >= 0.0 && o.conv_dropout < 1.0))
    throw UsageError("model.conv_dropout: must be in [0, 1), got " + std::to_string(o.conv_dropout));
  if (o.outputs < 1) throw UsageError("model.outputs: must be positive, got " + std::to_string(o.outputs));
}

}  // namespace

CnnImpl::CnnImpl(CnnOptions options) : options_(std::move(options)) {
  const auto& o = options_;
  check_options(o);
  WeightInitOptions init = o.init;
  init.activation = "relu";
  check_weight_init(init);

  // 2-D (C, H, W) or 3-D (C, D, H, W): the same blocks with the modules of that many dimensions.
  const bool volumes = o.input_shape.size() == 4;
  torch::nn::Sequential blocks;
  int64_t in = o.input_shape[0];
  std::vector<int64_t> sides(o.input_shape.begin() + 1, o.input_shape.end());
  const int64_t pad = o.padding == "same" ? o.kernel / 2 : 0;
  for (size_t b = 0; b < o.channels.size(); ++b) {
    const int64_t c = o.channels[b];
    if (volumes)
      blocks->push_back(torch::nn::Conv3d(torch::nn::Conv3dOptions(in, c, o.kernel).padding(pad)));
    else
      blocks->push_back(torch::nn::Conv2d(torch::nn::Conv2dOptions(in, c, o.kernel).padding(pad)));
    if (o.batch_norm) {
      if (volumes)
        blocks->push_back(torch::nn::BatchNorm3d(c));
      else
        blocks->push_back(torch::nn::BatchNorm2d(c));
    }
    blocks->push_back(torch::nn::ReLU());
    for (auto& s : sides) s = s + 2 * pad - o.kernel + 1;
    if (o.pool > 1) {
      if (volumes)
        blocks->push_back(torch::nn::MaxPool3d(torch::nn::MaxPool3dOptions(o.pool)));
      else
        blocks->push_back(torch::nn::MaxPool2d(torch::nn::MaxPool2dOptions(o.pool)));
      for (auto& s : sides) s /= o.pool;
    }
    if (std::any_of(sides.begin(), sides.end(), [](int64_t s) { return s < 1; }))
      throw UsageError("model.channels: conv block " + std::to_string(b + 1) + " of " +
                       std::to_string(o.channels.size()) + " shrinks the " +
                       shape_text({o.input_shape.begin() + 1, o.input_shape.end()}) + " input below one " +
                       (volumes ? "voxel" : "pixel") + " (kernel " + std::to_string(o.kernel) + ", " + o.padding +
                       " padding, pool " + std::to_string(o.pool) + ")");
    if (o.conv_dropout > 0.0) blocks->push_back(torch::nn::Dropout(o.conv_dropout));
    in = c;
  }
  feature_shape_ = {in};
  feature_shape_.insert(feature_shape_.end(), sides.begin(), sides.end());

  torch::nn::Sequential head;
  int64_t width = in;
  if (o.head == "flatten")
    for (int64_t s : sides) width *= s;
  for (int64_t f : o.fc) {
    head->push_back(torch::nn::Linear(width, f));
    head->push_back(torch::nn::ReLU());
    if (o.dropout > 0.0) head->push_back(torch::nn::Dropout(o.dropout));
    width = f;
  }
  head->push_back(torch::nn::Linear(width, o.outputs));

  features = register_module("features", blocks);
  classifier = register_module("classifier", head);
  init_weights(*this, init);
}

// x: (B, C, H, W) -> (B, channels.back(), H', W'); x: (B, C, D, H, W) -> (B, channels.back(), D', H', W')
torch::Tensor CnnImpl::feature_maps(const torch::Tensor& x) {
  const auto& s = options_.input_shape;
  const std::vector<int64_t> got(x.sizes().begin(), x.sizes().end());
  if (got.size() != s.size() + 1 || !std::equal(s.begin(), s.end(), got.begin() + 1))
    throw Error("cnn: an input of shape " + shape_text(got) + "; the model takes (B, " + shape_text(s) + ")");
  return features->forward(x);
}

// x: (B, C, H, W) or (B, C, D, H, W) -> logits (B, outputs)
torch::Tensor CnnImpl::forward(const torch::Tensor& x) {
  auto f = feature_maps(x);
  if (options_.head == "gap") {
    std::vector<int64_t> spatial;
    for (int64_t d = 2; d < f.dim(); ++d) spatial.push_back(d);
    f = f.mean(spatial);
  } else {
    f = f.flatten(1);
  }
  return classifier->forward(f);
}

}  // namespace latent

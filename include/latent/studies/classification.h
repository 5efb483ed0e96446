// Trained classifiers outside a study run: loading a classification study's model.pt with its
// class names (and, for tables, the standardisation and feature columns), and `latent predict`:
// the predicted class, its probability and the top k for image files, folders of images or the
// rows of a CSV/TSV table.
#pragma once

#include <torch/nn/module.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"

namespace latent {

struct LoadedClassifier {
  CheckpointMeta meta;
  Spec spec;
  std::shared_ptr<torch::nn::Module> module;  // on the CPU, in eval mode
  std::vector<std::string> class_names;
  std::vector<std::string> feature_names;  // tables only
  torch::Tensor mean, std;                 // tables only: the training split's standardisation
  bool binary = false;                     // one logit (training.loss = bce)
  bool multi_label = false;                // one logit per label; class_names names the labels

  // x: (N, *input shape), raw (tables: not yet standardised) -> (N, K) class probabilities, or
  // (N, L) per-label probabilities for a multi-label model.
  torch::Tensor probabilities(const torch::Tensor& x);
  bool takes_images() const { return meta.input_shape.size() == 3; }
};

// Throws Error naming the file when it is not a classification checkpoint.
LoadedClassifier load_classifier(const std::filesystem::path& path);

struct PredictSummary {
  int64_t rows = 0;
};

// Predicts every input and writes input,predicted,probability,top1,p1,...,topk,pk to `out` (a
// multi-label model: input,predicted,<label 1>,...,<label L>, predicted being the labels with
// probability >= 0.5 joined by ';', then each label's probability).
// Inputs: image files and folders of images for an image model, CSV/TSV files with the model's
// feature columns (a label column is ignored) for a table model. Errors name the input that does
// not fit the model (channels, columns).
PredictSummary predict_to_csv(const std::filesystem::path& model, const std::vector<std::string>& inputs,
                              const std::filesystem::path& out, int64_t top_k);

}  // namespace latent

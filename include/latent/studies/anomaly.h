// Trained anomaly detectors outside a study run: scoring a CSV file row by row in bounded
// memory (what `latent score` does) with the standardisation and threshold stored in the
// model's checkpoint.
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "latent/metrics/classification.h"
#include "latent/models/autoencoder.h"
#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"

namespace latent {

struct AnomalyDetector {
  CheckpointMeta meta;
  Spec spec;
  std::shared_ptr<AutoencoderBase> model;  // on the CPU, in eval mode
  std::vector<std::string> feature_names;
  torch::Tensor mean, std;  // (F,) standardisation fitted on the training normals
  double threshold = 0;     // rows with score > threshold are flagged

  // The anomaly score (spec.evaluation.score) of each row: x (N, F) raw features -> (N,).
  torch::Tensor score(const torch::Tensor& x);
};

// Throws Error naming the file when it is not an anomaly checkpoint.
AnomalyDetector load_anomaly_detector(const std::filesystem::path& path);

// Reconstruction error per row (mean over features of the squared error), in evaluation mode.
torch::Tensor reconstruction_error(AutoencoderBase& model, const torch::Tensor& x_standardised,
                                   int64_t batch_size = 4096);

// The anomaly score named by `score` per row of standardised data, in evaluation mode:
// "recon_error" (above), or "neg_elbo" for a VAE: the negative ELBO with z at the posterior
// mean, i.e. reconstruction NLL (`loss`: bce or mse, as in training) + KL(q(z|x) || N(0, I)).
torch::Tensor anomaly_score(AutoencoderBase& model, const torch::Tensor& x_standardised, const std::string& score,
                            const std::string& loss, int64_t batch_size = 4096);

struct ScoreSummary {
  int64_t rows = 0;
  int64_t flagged = 0;
  double threshold = 0;
  double seconds = 0;
  bool labelled = false;
  ConfusionMatrix confusion;  // when the file has the label column
};

// Scores every row of `csv` in chunks of `chunk_rows` and writes row,score,flag[,label] to `out`.
ScoreSummary score_csv(const std::filesystem::path& model_path, const std::filesystem::path& csv,
                       const std::filesystem::path& out, int64_t chunk_rows = 65536);

}  // namespace latent

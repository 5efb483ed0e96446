// Using a trained autoencoder: reconstruct or denoise image files, and write the latent codes
// of a data set as CSV. The logic behind `latent reconstruct`, `latent denoise`, `latent encode`.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace latent {

struct ImageInferenceOptions {
  std::filesystem::path model;                // a checkpoint written by a reconstruction study
  std::vector<std::filesystem::path> images;  // PNG/JPEG/BMP/... files, or folders of them
  std::filesystem::path out_dir;
  double noise_std = 0.0;  // > 0: add Gaussian noise (clipped to [0, 1]) first and save the noisy input too
  uint64_t seed = 0;       // seed of that noise
  std::string suffix = "reconstructed";  // output file: <out_dir>/<stem>-<suffix>.png
};

// Reads every image first (so a bad one stops the command before anything is written), fits
// it to the model's input shape, runs the model and writes one PNG per image. Returns the
// written files. Throws Error naming the file at fault.
std::vector<std::filesystem::path> reconstruct_images(const ImageInferenceOptions& options);

// Files as given, folders replaced by their image files (sorted). Throws Error naming an
// unreadable folder or one without images.
std::vector<std::filesystem::path> expand_image_paths(const std::vector<std::filesystem::path>& args);

struct EncodeOptions {
  std::filesystem::path model;
  std::string data;            // a built-in study or TOML spec (its [data] section), a data set name, or an IDX folder
  std::string data_dir;        // --data-dir
  std::string split = "test";  // train | test
  bool split_given = false;    // --split was on the command line (an error for a folder of images)
  std::filesystem::path out;   // codes.csv
  int64_t batch_size = 1000;
};

// Writes "index,label,z0,z1,..." with one row per example (label empty when unknown; codes of
// convolutional models flattened). Returns the number of rows.
int64_t encode_dataset(const EncodeOptions& options);

}  // namespace latent

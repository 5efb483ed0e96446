// variant_result.pt: a finished variant's metrics and figure rows.
#include "latent/studies/variant_result.h"

#include <nlohmann/json.hpp>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/fs.h"
#include "latent/data/zip_check.h"
#include "latent/training/train_state.h"

namespace latent {

namespace fs = std::filesystem;

// A finished variant's result, kept in its folder so that a resumed run does not redo it.
void save_variant_result(const fs::path& path, const VariantResult& r) {
  torch::serialize::OutputArchive archive;
  archive.write("metrics", c10::IValue(r.metrics.dump()));
  archive.write("grid_labels", c10::IValue(nlohmann::json(r.grid_labels).dump()));
  torch::serialize::OutputArchive rows;
  for (size_t i = 0; i < r.grid_rows.size(); ++i) rows.write(std::to_string(i), r.grid_rows[i].to(torch::kCPU));
  archive.write("grid_rows", rows);
  std::ostringstream bytes;  // in memory first: see save_checkpoint
  archive.save_to(bytes);
  write_file_atomic(path, bytes.str());
}

VariantResult load_variant_result(const fs::path& path, const torch::Device& device) {
  VariantResult r;
  try {
    verify_zip_checksums(path);
  } catch (const Error& e) {
    throw Error(std::string(e.what()) + "; delete it to rerun the variant");
  }
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path.string(), torch::kCPU);
    c10::IValue metrics, labels;
    archive.read("metrics", metrics);
    archive.read("grid_labels", labels);
    r.metrics = nlohmann::json::parse(metrics.toStringRef());
    r.grid_labels = nlohmann::json::parse(labels.toStringRef()).get<std::vector<std::string>>();
    torch::serialize::InputArchive rows;
    archive.read("grid_rows", rows);
    for (size_t i = 0; i < rows.keys().size(); ++i) {
      torch::Tensor t;
      rows.read(std::to_string(i), t);
      r.grid_rows.push_back(t.to(device));
    }
  } catch (const c10::Error& e) {
    throw Error(path.string() + ": damaged variant result (" + first_line(e.what_without_backtrace()) +
                "); delete it to rerun the variant");
  } catch (const nlohmann::json::exception& e) {
    throw Error(path.string() + ": damaged variant result (" + std::string(e.what()) +
                "); delete it to rerun the variant");
  }
  return r;
}

void finish_variant(const fs::path& variant_dir, const VariantResult& result) {
  save_variant_result(variant_dir / kVariantResultFile, result);
  std::error_code ec;
  fs::remove(variant_dir / kTrainStateFile, ec);
}

}  // namespace latent

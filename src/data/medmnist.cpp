// MedMNIST's table (from medmnist/info.py, v3.0.2) and the checks on its .npz files.
#include "latent/data/medmnist.h"

#include <algorithm>
#include <cctype>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/data/npy.h"

namespace latent {

namespace {

const std::vector<std::string> kOrgans = {"bladder",     "femur-left",   "femur-right", "heart",
                                          "kidney-left", "kidney-right", "liver",       "lung-left",
                                          "lung-right",  "pancreas",     "spleen"};
const std::vector<int64_t> k2d = {28, 64, 128, 224};
const std::vector<int64_t> k3d = {28, 64};
const char* const kCcBy = "CC BY 4.0";

std::vector<MedMnistInfo> make_table() {
  using T = MedMnistTask;
  return {
      {"pathmnist",
       "PathMNIST",
       T::MultiClass,
       3,
       false,
       {"adipose", "background", "debris", "lymphocytes", "mucus", "smooth muscle", "normal colon mucosa",
        "cancer-associated stroma", "colorectal adenocarcinoma epithelium"},
       89996,
       10004,
       7180,
       k2d,
       kCcBy},
      {"chestmnist",
       "ChestMNIST",
       T::MultiLabel,
       1,
       false,
       {"atelectasis", "cardiomegaly", "effusion", "infiltration", "mass", "nodule", "pneumonia", "pneumothorax",
        "consolidation", "edema", "emphysema", "fibrosis", "pleural", "hernia"},
       78468,
       11219,
       22433,
       k2d,
       kCcBy},
      {"dermamnist",
       "DermaMNIST",
       T::MultiClass,
       3,
       false,
       {"actinic keratoses and intraepithelial carcinoma", "basal cell carcinoma", "benign keratosis-like lesions",
        "dermatofibroma", "melanoma", "melanocytic nevi", "vascular lesions"},
       7007,
       1003,
       2005,
       k2d,
       "CC BY-NC 4.0"},
      {"octmnist",
       "OCTMNIST",
       T::MultiClass,
       1,
       false,
       {"choroidal neovascularization", "diabetic macular edema", "drusen", "normal"},
       97477,
       10832,
       1000,
       k2d,
       kCcBy},
      {"pneumoniamnist", "PneumoniaMNIST", T::Binary, 1, false, {"normal", "pneumonia"}, 4708, 524, 624, k2d, kCcBy},
      {"retinamnist",
       "RetinaMNIST",
       T::OrdinalRegression,
       3,
       false,
       {"0", "1", "2", "3", "4"},
       1080,
       120,
       400,
       k2d,
       kCcBy},
      {"breastmnist", "BreastMNIST", T::Binary, 1, false, {"malignant", "normal, benign"}, 546, 78, 156, k2d, kCcBy},
      {"bloodmnist",
       "BloodMNIST",
       T::MultiClass,
       3,
       false,
       {"basophil", "eosinophil", "erythroblast", "immature granulocytes(myelocytes, metamyelocytes and promyelocytes)",
        "lymphocyte", "monocyte", "neutrophil", "platelet"},
       11959,
       1712,
       3421,
       k2d,
       kCcBy},
      {"tissuemnist",
       "TissueMNIST",
       T::MultiClass,
       1,
       false,
       {"Collecting Duct, Connecting Tubule", "Distal Convoluted Tubule", "Glomerular endothelial cells",
        "Interstitial endothelial cells", "Leukocytes", "Podocytes", "Proximal Tubule Segments",
        "Thick Ascending Limb"},
       165466,
       23640,
       47280,
       k2d,
       kCcBy},
      {"organamnist", "OrganAMNIST", T::MultiClass, 1, false, kOrgans, 34561, 6491, 17778, k2d, kCcBy},
      {"organcmnist", "OrganCMNIST", T::MultiClass, 1, false, kOrgans, 12975, 2392, 8216, k2d, kCcBy},
      {"organsmnist", "OrganSMNIST", T::MultiClass, 1, false, kOrgans, 13932, 2452, 8827, k2d, kCcBy},
      {"organmnist3d",
       "OrganMNIST3D",
       T::MultiClass,
       1,
       true,
       {"liver", "kidney-right", "kidney-left", "femur-right", "femur-left", "bladder", "heart", "lung-right",
        "lung-left", "spleen", "pancreas"},
       971,
       161,
       610,
       k3d,
       kCcBy},
      {"nodulemnist3d", "NoduleMNIST3D", T::Binary, 1, true, {"benign", "malignant"}, 1158, 165, 310, k3d, kCcBy},
      {"adrenalmnist3d", "AdrenalMNIST3D", T::Binary, 1, true, {"normal", "hyperplasia"}, 1188, 98, 298, k3d, kCcBy},
      {"fracturemnist3d",
       "FractureMNIST3D",
       T::MultiClass,
       1,
       true,
       {"buckle rib fracture", "nondisplaced rib fracture", "displaced rib fracture"},
       1027,
       103,
       240,
       k3d,
       kCcBy},
      {"vesselmnist3d", "VesselMNIST3D", T::Binary, 1, true, {"vessel", "aneurysm"}, 1335, 191, 382, k3d, kCcBy},
      {"synapsemnist3d",
       "SynapseMNIST3D",
       T::Binary,
       1,
       true,
       {"inhibitory synapse", "excitatory synapse"},
       1230,
       177,
       352,
       k3d,
       kCcBy},
  };
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string join(const std::vector<int64_t>& v) {
  std::string out;
  for (auto x : v) out += (out.empty() ? "" : ", ") + std::to_string(x);
  return out;
}

std::string shape_text(const torch::Tensor& t) {
  std::string out = "(";
  for (int64_t i = 0; i < t.dim(); ++i) out += (i ? ", " : "") + std::to_string(t.size(i));
  return out + (t.dim() == 1 ? ",)" : ")");
}

const char* const kSplits[] = {"train", "val", "test"};

}  // namespace

const char* medmnist_task_name(MedMnistTask task) {
  switch (task) {
    case MedMnistTask::MultiClass:
      return "multi-class";
    case MedMnistTask::Binary:
      return "binary-class";
    case MedMnistTask::MultiLabel:
      return "multi-label";
    case MedMnistTask::OrdinalRegression:
      return "ordinal-regression";
  }
  return "?";
}

const std::vector<MedMnistInfo>& medmnist_datasets() {
  static const std::vector<MedMnistInfo> table = make_table();
  return table;
}

const MedMnistInfo& find_medmnist(const std::string& name) {
  const std::string key = lower(name);
  std::vector<std::string> names;
  for (const auto& info : medmnist_datasets()) {
    if (info.name == key) return info;
    names.push_back(info.name);
  }
  const std::string near = nearest_name(key, names);
  if (!near.empty()) throw UsageError("unknown MedMNIST data set '" + name + "'; did you mean '" + near + "'?");
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw UsageError("unknown MedMNIST data set '" + name + "' (known: " + known + ")");
}

std::string medmnist_file_name(const MedMnistInfo& info, int64_t size) {
  if (std::find(info.sizes.begin(), info.sizes.end(), size) == info.sizes.end())
    throw UsageError(info.name + ": no size " + std::to_string(size) + " (published sizes: " + join(info.sizes) + ")");
  return size == 28 ? info.name + ".npz" : info.name + "_" + std::to_string(size) + ".npz";
}

MedMnistData load_medmnist_npz(const std::filesystem::path& path, const MedMnistInfo* expected) {
  const std::string file = path.string();
  NpzReader npz(path);
  std::string missing, present;
  for (const char* split : kSplits)
    for (const char* part : {"_images", "_labels"})
      if (!npz.contains(std::string(split) + part))
        missing += (missing.empty() ? "" : ", ") + std::string(split) + part;
  if (!missing.empty()) {
    for (const auto& n : npz.names()) present += (present.empty() ? "" : ", ") + n;
    throw Error(file + ": not a MedMNIST .npz: no " + missing + " (members: " + (present.empty() ? "none" : present) +
                ")");
  }

  MedMnistData data;
  MedMnistSplit* splits[] = {&data.train, &data.val, &data.test};
  torch::Tensor first_images;
  for (int s = 0; s < 3; ++s) {
    const std::string key = std::string(kSplits[s]) + "_images";
    torch::Tensor images = npz.read(key);
    const std::string where = file + ": " + key;
    if (images.scalar_type() != torch::kUInt8)
      throw Error(where + " has dtype " + c10::toString(images.scalar_type()) + ", not uint8");
    if (images.dim() < 3 || images.dim() > 4)
      throw Error(where + " has shape " + shape_text(images) + "; (N, H, W), (N, H, W, 3) or (N, D, H, W) expected");
    if (!first_images.defined()) {
      first_images = images;
    } else if (images.sizes().slice(1) != first_images.sizes().slice(1)) {
      throw Error(where + " has shape " + shape_text(images) + " but train_images " + shape_text(first_images) +
                  " (the splits must hold images of one shape)");
    }
    splits[s]->images = images;
  }
  data.is_3d = first_images.dim() == 4 && first_images.size(3) != 3;
  data.n_channels = first_images.dim() == 4 && first_images.size(3) == 3 ? 3 : 1;
  if (expected) {
    // The expected layout decides between (N, H, W, 3) and a volume whose last size happens to be 3.
    data.is_3d = expected->is_3d;
    data.n_channels = expected->n_channels;
    const int64_t want_dim = expected->is_3d || expected->n_channels == 3 ? 4 : 3;
    const std::string layout = expected->is_3d             ? "(N, D, H, W) volumes"
                               : expected->n_channels == 3 ? "(N, H, W, 3) RGB images"
                                                           : "(N, H, W) grey images";
    if (first_images.dim() != want_dim || (expected->n_channels == 3 && !expected->is_3d && first_images.size(3) != 3))
      throw Error(file + ": train_images has shape " + shape_text(first_images) + "; " + expected->name + " has " +
                  layout);
  }

  for (int s = 0; s < 3; ++s) {
    const std::string key = std::string(kSplits[s]) + "_labels";
    const std::string where = file + ": " + key;
    torch::Tensor labels = npz.read(key);
    const auto type = labels.scalar_type();
    if (!c10::isIntegralType(type, /*includeBool=*/true))
      throw Error(where + " has dtype " + c10::toString(type) + ", not an integer type");
    if (labels.dim() == 1) labels = labels.unsqueeze(1);
    if (labels.dim() != 2) throw Error(where + " has shape " + shape_text(labels) + "; (N, L) expected");
    const int64_t n = splits[s]->images.size(0);
    if (labels.size(0) != n)
      throw Error(where + " has " + std::to_string(labels.size(0)) + " rows but " + kSplits[s] + "_images has " +
                  std::to_string(n) + " images");
    labels = labels.to(torch::kInt64).contiguous();
    if (s == 0) {
      data.label_width = labels.size(1);
    } else if (labels.size(1) != data.label_width) {
      throw Error(where + " has " + std::to_string(labels.size(1)) + " columns but train_labels has " +
                  std::to_string(data.label_width));
    }
    if (expected && labels.size(1) != expected->label_width())
      throw Error(where + " has " + std::to_string(labels.size(1)) + " columns; " + expected->name + " (" +
                  medmnist_task_name(expected->task) + ") has " + std::to_string(expected->label_width()));
    if (labels.numel() > 0) {
      const int64_t lo = labels.min().item<int64_t>();
      const int64_t hi = labels.max().item<int64_t>();
      if (lo < 0) throw Error(where + " holds a negative label (" + std::to_string(lo) + ")");
      if (expected) {
        const bool zero_one = expected->task == MedMnistTask::Binary || expected->task == MedMnistTask::MultiLabel;
        const int64_t limit = zero_one ? 2 : expected->n_classes();
        if (hi >= limit)
          throw Error(where + " holds label " + std::to_string(hi) + "; " + expected->name + " (" +
                      medmnist_task_name(expected->task) + ") has labels 0 to " + std::to_string(limit - 1));
      }
    }
    splits[s]->labels = labels;
  }
  return data;
}

}  // namespace latent

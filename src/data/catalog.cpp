// The catalogue of fetchable data sets (catalog.h). Where each checksum comes from:
// - MedMNIST v3: URLs and MD5s from the medmnist package's medmnist/info.py (version 3.0.2, keys
//   url, MD5, url_64, MD5_64, url_128, MD5_128, url_224, MD5_224); sizes are not published there.
// - MNIST: MD5s from torchvision's datasets/mnist.py (MNIST.resources, mirror
//   https://ossci-datasets.s3.amazonaws.com/mnist/); sizes and SHA-256s from TensorFlow Datasets'
//   url_checksums/mnist.txt (same files on another mirror).
// - Fashion-MNIST: MD5s from torchvision's FashionMNIST.resources; sizes and SHA-256s from
//   TensorFlow Datasets' url_checksums/fashion_mnist.txt (same URLs).
// - IMDB reviews: MD5 from torchtext's datasets/imdb.py; size and SHA-256 from TensorFlow Datasets'
//   url_checksums/imdb_reviews.txt.
// - Tiny Shakespeare: no checksum is published with karpathy/char-rnn; size and SHA-256 from
//   TensorFlow Datasets' url_checksums/tiny_shakespeare.txt (same URL).
// - Credit-card fraud (Kaggle mlg-ulb/creditcardfraud): behind a login; no published checksum.
#include "latent/data/catalog.h"

#include <cstdlib>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/data/fetch.h"

namespace latent {

namespace {

struct MedMnistSet {
  const char* name;
  const char* description;
  std::vector<const char*> md5;  // per size: 28, 64, 128, 224 (2-D) or 28, 64 (3-D)
};

// medmnist/info.py (v3.0.2): INFO[name]["MD5"], ["MD5_64"], ["MD5_128"], ["MD5_224"].
const std::vector<MedMnistSet>& medmnist_sets() {
  static const std::vector<MedMnistSet> sets = {
      {"pathmnist",
       "colon pathology, 9 classes, RGB",
       {"a8b06965200029087d5bd730944a56c1", "55aa9c1e0525abe5a6b9d8343a507616", "ac42d08fb904d92c244187169d1fd1d9",
        "2c51a510bcdc9cf8ddb2af93af1eadec"}},
      {"chestmnist",
       "chest X-ray, 14 labels (multi-label), gray",
       {"02c8a6516a18b556561a56cbdd36c4a8", "9de6cd0b934ebb5b7426cfba5efbae16", "db107e5590b27930b62dbaf558aebee3",
        "45bd33e6f06c3e8cdb481c74a89152aa"}},
      {"dermamnist",
       "dermatoscope, 7 classes, RGB",
       {"0744692d530f8e62ec473284d019b0c7", "b70a2f5635c6199aeaa28c31d7202e1f", "2defd784463fa5243564e855ed717de1",
        "8974907d8e169bef5f5b96bc506ae45d"}},
      {"octmnist",
       "retinal OCT, 4 classes, gray",
       {"c68d92d5b585d8d81f7112f81e2d0842", "e229e9440236b774d9f0dfef9d07bdaf", "0a97e76651ace45c5d943ee3f65b63ae",
        "abc493b6d529d5de7569faaef2773ba3"}},
      {"pneumoniamnist",
       "chest X-ray, pneumonia or normal, gray",
       {"28209eda62fecd6e6a2d98b1501bb15f", "8f4eceb4ccffa70c672198ea285246c6", "05b46931834c231683c68f40c47b2971",
        "d6a3c71de1b945ea11211b03746c1fe1"}},
      {"retinamnist",
       "fundus camera, 5 grades (ordinal), RGB",
       {"bd4c0672f1bba3e3a89f0e4e876791e4", "afda852cc34dcda56f86ad2b2457dbcc", "e48e916a24454daf90583d4e6efb1a18",
        "eae7e3b6f3fcbda4ae613ebdcbe35348"}},
      {"breastmnist",
       "breast ultrasound, 2 classes, gray",
       {"750601b1f35ba3300ea97c75c52ff8f6", "742edef2a1fd1524b2efff4bd7ba9364", "363e4b3f8d712e9b5de15470a2aaadf1",
        "b56378a6eefa9fed602bb16d192d4c8b"}},
      {"bloodmnist",
       "blood cell microscope, 8 classes, RGB",
       {"7053d0359d879ad8a5505303e11de1dc", "2b94928a2ae4916078ca51e05b6b800b", "adace1e0ed228fccda1f39692059dd4c",
        "b718ff6835fcbdb22ba9eacccd7b2601"}},
      {"tissuemnist",
       "kidney cortex microscope, 8 classes, gray",
       {"ebe78ee8b05294063de985d821c1c34b", "123ece2eba09d0aa5d698fda57103344", "61b955355d7425a89687b06cca3ce0c2",
        "b077128c4a949f0a4eb01517f9037b9c"}},
      {"organamnist",
       "abdominal CT (axial), 11 classes, gray",
       {"68e3f8846a6bd62f0c9bf841c0d9eacc", "2dcccc29b88e6da5a01161ef20cda288", "eeae80d0a227a8d099027e1b3cfd3b60",
        "50747347e05c87dd3aaf92c49f9f3170"}},
      {"organcmnist",
       "abdominal CT (coronal), 11 classes, gray",
       {"b9ceb9546e10131b32923c5bbeaea2b1", "3ce34a8724ea6f548e6db4744d03b6a9", "773c1f009daa3fe5d9a2a201b2a7ed94",
        "050f5e875dc056f6768abf94ec9995d1"}},
      {"organsmnist",
       "abdominal CT (sagittal), 11 classes, gray",
       {"9ab87b696fb54e2a387ebe992d6ed5f1", "53a6d115339d874c25e309a994ff46d3", "ded0c5fa01a95dc4978b956f613e9b8e",
        "b354719e553fbbb2513d5533f52a4cb1"}},
      {"organmnist3d",
       "abdominal CT volumes, 11 classes",
       {"a0c5a1ff56af4f155c46d46fbb45a2fe", "58a2205adf14a9d0a189cb06dc78bf10"}},
      {"nodulemnist3d",
       "chest CT volumes, lung nodules, 2 classes",
       {"8755a7e9e05a4d9ce80a24c3e7a256f3", "c47c5b7d457bf6332200d2ea6d64ecd8"}},
      {"adrenalmnist3d",
       "adrenal gland shapes from CT, 2 classes",
       {"bbd3c5a5576322bc4cdfea780653b1ce", "17721accfe9fb005146a47d33bc54b2f"}},
      {"fracturemnist3d",
       "chest CT volumes, rib fractures, 3 classes",
       {"6aa7b0143a6b42da40027a9dda61302f", "f01d7e6316aedf4210da0da5b7437b42"}},
      {"vesselmnist3d",
       "brain vessel shapes from MRA, 2 classes",
       {"b41fd4f7e7e2feedddb201585ecafa1b", "6bb274a8846e1097066dcd64e2c4520f"}},
      {"synapsemnist3d",
       "electron microscope volumes, synapses, 2 classes",
       {"1235b78a3cd6280881dd7850a78eadb6", "43bd14ebf3af9d3dd072446fedc14d5e"}},
  };
  return sets;
}

constexpr const char* kMedMnistRecord = "https://zenodo.org/records/10519652/files/";
constexpr int kMedMnistSizes[] = {28, 64, 128, 224};

DatasetEntry medmnist_entry(const MedMnistSet& set) {
  DatasetEntry e;
  e.name = set.name;
  e.description = std::string("MedMNIST v3 ") + set.description + " (.npz)";
  e.folder = "medmnist";
  e.checksum_source = "MD5 from medmnist's info.py (v3.0.2)";
  for (size_t i = 0; i < set.md5.size(); ++i) {
    const int size = kMedMnistSizes[i];
    // medmnist's own file names: NAME.npz at 28, NAME_SIZE.npz at the other sizes.
    const std::string file = std::string(set.name) + (size == 28 ? "" : "_" + std::to_string(size)) + ".npz";
    e.variants.push_back({size, {{file, kMedMnistRecord + file + "?download=1", set.md5[i], "", -1}}});
  }
  return e;
}

std::vector<DatasetEntry> build_catalog() {
  std::vector<DatasetEntry> c;

  DatasetEntry mnist;
  mnist.name = "mnist";
  mnist.description = "MNIST handwritten digits, 60,000 + 10,000, 28x28 gray (IDX, gzipped)";
  mnist.folder = "mnist";
  mnist.checksum_source = "MD5 from torchvision's mnist.py; size and SHA-256 from TensorFlow Datasets";
  const std::string ossci = "https://ossci-datasets.s3.amazonaws.com/mnist/";
  mnist.variants = {
      {0,
       {{"train-images-idx3-ubyte.gz", ossci + "train-images-idx3-ubyte.gz", "f68b3c2dcbeaaa9fbdd348bbdeb94873",
         "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609", 9912422},
        {"train-labels-idx1-ubyte.gz", ossci + "train-labels-idx1-ubyte.gz", "d53e105ee54ea40749a09fcbcd1e9432",
         "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c", 28881},
        {"t10k-images-idx3-ubyte.gz", ossci + "t10k-images-idx3-ubyte.gz", "9fb629c4189551a2d022fa330f9573f3",
         "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6", 1648877},
        {"t10k-labels-idx1-ubyte.gz", ossci + "t10k-labels-idx1-ubyte.gz", "ec29112dd5afa0611ce80d1b7f02629c",
         "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6", 4542}}}};
  c.push_back(mnist);

  DatasetEntry fashion;
  fashion.name = "fashion-mnist";
  fashion.description = "Fashion-MNIST clothing, 60,000 + 10,000, 28x28 gray (IDX, gzipped)";
  fashion.folder = "fashion-mnist";
  fashion.checksum_source = "MD5 from torchvision's mnist.py; size and SHA-256 from TensorFlow Datasets";
  const std::string zalando = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/";
  fashion.variants = {
      {0,
       {{"train-images-idx3-ubyte.gz", zalando + "train-images-idx3-ubyte.gz", "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
         "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84", 26421880},
        {"train-labels-idx1-ubyte.gz", zalando + "train-labels-idx1-ubyte.gz", "25c81989df183df01b3e8a0aad5dffbe",
         "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845", 29515},
        {"t10k-images-idx3-ubyte.gz", zalando + "t10k-images-idx3-ubyte.gz", "bef4ecab320f06d8554ea6380940ec79",
         "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073", 4422102},
        {"t10k-labels-idx1-ubyte.gz", zalando + "t10k-labels-idx1-ubyte.gz", "bb300cfdad3c16e7a12a480ee83cd310",
         "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5", 5148}}}};
  c.push_back(fashion);

  for (const auto& set : medmnist_sets()) c.push_back(medmnist_entry(set));

  DatasetEntry imdb;
  imdb.name = "imdb";
  imdb.description = "IMDB movie reviews (Large Movie Review Dataset v1), 25,000 + 25,000, text; unpacked to aclImdb/";
  imdb.folder = "imdb";
  imdb.unpack = Unpack::kTarGz;
  imdb.unpacked = "aclImdb";
  imdb.checksum_source = "MD5 from torchtext's imdb.py; size and SHA-256 from TensorFlow Datasets";
  imdb.variants = {{0,
                    {{"aclImdb_v1.tar.gz", "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz",
                      "7c2ac02c03563afcf9b574c7e56c153a",
                      "c40f74a18d3b61f90feba1e17730e0d38e8b97c05fde7008942e91923d1658fe", 84125825}}}};
  c.push_back(imdb);

  DatasetEntry shakespeare;
  shakespeare.name = "tiny-shakespeare";
  shakespeare.description = "Tiny Shakespeare (karpathy/char-rnn), 1.1 MB of plain text";
  shakespeare.folder = "tiny-shakespeare";
  shakespeare.checksum_source =
      "none published by char-rnn; size and SHA-256 from TensorFlow Datasets' record of the same URL";
  shakespeare.variants = {
      {0,
       {{"input.txt", "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt", "",
         "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed", 1115394}}}};
  c.push_back(shakespeare);

  DatasetEntry fraud;
  fraud.name = "creditcard";
  fraud.description = "Credit-card fraud (ULB, Kaggle), 284,807 transactions (CSV); needs a Kaggle login";
  fraud.folder = "creditcard";
  fraud.checksum_source = "none published";
  fraud.variants = {{0, {{"creditcard.csv", "https://www.kaggle.com/datasets/mlg-ulb/creditcardfraud", "", "", -1}}}};
  fraud.manual =
      "the credit-card fraud data needs a Kaggle login, so latent cannot fetch it: sign in at "
      "https://www.kaggle.com/datasets/mlg-ulb/creditcardfraud, download the archive, unzip creditcard.csv into "
      "FOLDER, then run a study with --set data.path=FOLDER/creditcard.csv (or make a synthetic table with "
      "'latent make-fraud-data')";
  c.push_back(fraud);
  return c;
}

}  // namespace

const DatasetVariant& DatasetEntry::variant(int size) const {
  if (size == 0) return variants.front();
  std::string sizes;
  for (const auto& v : variants) {
    if (v.size == size) return v;
    sizes += (sizes.empty() ? "" : ", ") + std::to_string(v.size);
  }
  if (!sized()) throw UsageError("--size: data set '" + name + "' has one size only");
  throw UsageError("--size: data set '" + name + "' has no size " + std::to_string(size) + " (sizes: " + sizes + ")");
}

const std::vector<DatasetEntry>& dataset_catalog() {
  static const std::vector<DatasetEntry> catalog = build_catalog();
  return catalog;
}

const DatasetEntry* find_catalog_entry(const std::string& name) {
  for (const auto& e : dataset_catalog())
    if (e.name == name) return &e;
  return nullptr;
}

const DatasetEntry& catalog_entry(const std::string& name) {
  if (const auto* e = find_catalog_entry(name)) return *e;
  std::vector<std::string> names;
  for (const auto& e : dataset_catalog()) names.push_back(e.name);
  const std::string near = nearest_name(name, names);
  throw UsageError("unknown data set '" + name + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)") +
                   "; 'latent data list' shows the known ones");
}

std::string fetch_command(const std::string& name, int size, const std::string& data_dir) {
  std::string cmd = "latent data fetch " + name;
  const auto* e = find_catalog_entry(name);
  if (size != 0 && e && e->sized() && size != e->variants.front().size) cmd += " --size " + std::to_string(size);
  if (!data_dir.empty())
    cmd += " --data-dir " + (data_dir.find(' ') == std::string::npos ? data_dir : "'" + data_dir + "'");
  return cmd;
}

std::string fetch_command_for_folder(const std::string& folder, const std::string& data_dir) {
  const DatasetEntry* only = nullptr;
  for (const auto& e : dataset_catalog()) {
    if (e.folder != folder) continue;
    if (only) return "";
    only = &e;
  }
  if (!only || !only->manual.empty()) return "";
  return fetch_command(only->name, 0, data_dir);
}

// The URL helpers of data/fetch.h, here because they need neither libcurl nor OpenSSL (a build
// without data fetching has them too).
std::string effective_mirror(const FetchOptions& options) {
  std::string m = options.mirror;
  if (m.empty())
    if (const char* env = std::getenv("LATENT_DATA_MIRROR"); env && *env) m = env;
  while (!m.empty() && m.back() == '/') m.pop_back();
  return m;
}

std::string source_url(const RemoteFile& file, const std::string& mirror) {
  if (mirror.empty()) return file.url;
  std::string m = mirror;
  while (!m.empty() && m.back() == '/') m.pop_back();
  return m + "/" + file.name;
}

}  // namespace latent

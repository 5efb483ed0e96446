// MedMNIST: the table against MedMNIST's info.py, file names, and the loader on small fixtures with
// the real key layout (grey, RGB, 3-D, multi-label), written by write_npz and by hand, and on
// malformed ones.
#include <gtest/gtest.h>

#include <cstdlib>

#include "latent/core/error.h"
#include "latent/data/medmnist.h"
#include "latent/data/npy.h"
#include "npz_bytes.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::TempDir;

bool has(const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; }

using Arrays = std::map<std::string, torch::Tensor>;

// A MedMNIST-shaped archive: `image` is the shape of one image, labels drawn below `classes` with
// `width` columns, stored uint8 as MedMNIST stores them.
Arrays fixture(std::vector<int64_t> image, int64_t classes, int64_t width = 1, std::vector<int64_t> n = {5, 2, 3}) {
  Arrays out;
  const char* splits[] = {"train", "val", "test"};
  for (int s = 0; s < 3; ++s) {
    std::vector<int64_t> shape = {n[s]};
    shape.insert(shape.end(), image.begin(), image.end());
    out[std::string(splits[s]) + "_images"] = torch::randint(0, 256, shape, torch::kInt64).to(torch::kUInt8);
    out[std::string(splits[s]) + "_labels"] =
        torch::randint(0, classes, {n[s], width}, torch::kInt64).to(torch::kUInt8);
  }
  return out;
}

void expect_same(const MedMnistData& d, const Arrays& a) {
  const MedMnistSplit* splits[] = {&d.train, &d.val, &d.test};
  const char* names[] = {"train", "val", "test"};
  for (int s = 0; s < 3; ++s) {
    EXPECT_EQ(splits[s]->images.scalar_type(), torch::kUInt8);
    EXPECT_TRUE(torch::equal(splits[s]->images, a.at(std::string(names[s]) + "_images"))) << names[s];
    EXPECT_EQ(splits[s]->labels.scalar_type(), torch::kInt64);
    EXPECT_TRUE(torch::equal(splits[s]->labels, a.at(std::string(names[s]) + "_labels").to(torch::kInt64))) << names[s];
  }
}

TEST(MedMnist, TableMatchesInfoPy) {
  const auto& all = medmnist_datasets();
  ASSERT_EQ(all.size(), 18u);
  int n3d = 0;
  for (const auto& info : all) {
    n3d += info.is_3d;
    EXPECT_EQ(info.sizes, info.is_3d ? (std::vector<int64_t>{28, 64}) : (std::vector<int64_t>{28, 64, 128, 224}));
    EXPECT_TRUE(info.n_channels == 1 || (info.n_channels == 3 && !info.is_3d)) << info.name;
    EXPECT_EQ(&find_medmnist(info.name), &info);
    EXPECT_GT(info.n_train, info.n_val) << info.name;
  }
  EXPECT_EQ(n3d, 6);
  EXPECT_EQ(all.front().name, "pathmnist");
  EXPECT_EQ(all.back().name, "synapsemnist3d");

  const auto& chest = find_medmnist("chestmnist");
  EXPECT_EQ(chest.task, MedMnistTask::MultiLabel);
  EXPECT_EQ(chest.label_width(), 14);
  EXPECT_EQ(chest.labels.front(), "atelectasis");
  EXPECT_EQ(chest.labels.back(), "hernia");
  EXPECT_EQ(chest.n_test, 22433);
  const auto& derma = find_medmnist("DermaMNIST");  // case ignored
  EXPECT_EQ(derma.name, "dermamnist");
  EXPECT_EQ(derma.n_channels, 3);
  EXPECT_EQ(derma.n_classes(), 7);
  EXPECT_EQ(derma.license, "CC BY-NC 4.0");
  EXPECT_EQ(derma.label_width(), 1);
  const auto& retina = find_medmnist("retinamnist");
  EXPECT_EQ(retina.task, MedMnistTask::OrdinalRegression);
  EXPECT_EQ(retina.n_classes(), 5);
  const auto& breast = find_medmnist("breastmnist");
  EXPECT_EQ(breast.task, MedMnistTask::Binary);
  EXPECT_EQ(breast.labels, (std::vector<std::string>{"malignant", "normal, benign"}));
  EXPECT_EQ(breast.n_train + breast.n_val + breast.n_test, 780);
  // v3's split sizes (info.py 3.0.2), where they differ from v2's.
  EXPECT_EQ(find_medmnist("organamnist").n_train, 34561);
  EXPECT_EQ(find_medmnist("organcmnist").n_test, 8216);
  EXPECT_EQ(find_medmnist("organsmnist").n_train, 13932);
  EXPECT_EQ(find_medmnist("vesselmnist3d").n_val, 191);
  const auto& organ3d = find_medmnist("organmnist3d");
  EXPECT_TRUE(organ3d.is_3d);
  EXPECT_EQ(organ3d.labels.front(), "liver");  // not the 2-D sets' order
  EXPECT_EQ(find_medmnist("organamnist").labels.front(), "bladder");
  EXPECT_EQ(find_medmnist("tissuemnist").n_train, 165466);
  EXPECT_STREQ(medmnist_task_name(MedMnistTask::Binary), "binary-class");
}

TEST(MedMnist, UnknownNameSuggestsTheNearest) {
  const auto msg = error_of([] { find_medmnist("dermamnst"); });
  EXPECT_EQ(msg, "unknown MedMNIST data set 'dermamnst'; did you mean 'dermamnist'?");
  EXPECT_THROW(find_medmnist("imagenet"), UsageError);
  EXPECT_TRUE(has(error_of([] { find_medmnist("imagenet"); }),
                  "unknown MedMNIST data set 'imagenet' (known: pathmnist, chestmnist, dermamnist,"));
}

TEST(MedMnist, FileNames) {
  EXPECT_EQ(medmnist_file_name(find_medmnist("dermamnist"), 28), "dermamnist.npz");
  EXPECT_EQ(medmnist_file_name(find_medmnist("dermamnist"), 64), "dermamnist_64.npz");
  EXPECT_EQ(medmnist_file_name(find_medmnist("pathmnist"), 224), "pathmnist_224.npz");
  EXPECT_EQ(medmnist_file_name(find_medmnist("nodulemnist3d"), 64), "nodulemnist3d_64.npz");
  EXPECT_EQ(error_of([] { medmnist_file_name(find_medmnist("nodulemnist3d"), 128); }),
            "nodulemnist3d: no size 128 (published sizes: 28, 64)");
}

TEST(MedMnist, GreyRgbVolumeAndMultiLabelFixturesLoad) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  struct Case {
    const char* name;
    std::vector<int64_t> image;
    int64_t classes, width, channels;
    bool is_3d;
  };
  for (const Case& c :
       {Case{"pneumoniamnist", {28, 28}, 2, 1, 1, false}, Case{"dermamnist", {28, 28, 3}, 7, 1, 3, false},
        Case{"organmnist3d", {28, 28, 28}, 11, 1, 1, true}, Case{"chestmnist", {28, 28}, 2, 14, 1, false},
        Case{"bloodmnist", {64, 64, 3}, 8, 1, 3, false}}) {
    const Arrays a = fixture(c.image, c.classes, c.width);
    const auto path = tmp / (std::string(c.name) + ".npz");
    write_npz(path, a);
    for (const MedMnistInfo* expected : {static_cast<const MedMnistInfo*>(nullptr), &find_medmnist(c.name)}) {
      const MedMnistData d = load_medmnist_npz(path, expected);
      expect_same(d, a);
      EXPECT_EQ(d.n_channels, c.channels) << c.name;
      EXPECT_EQ(d.is_3d, c.is_3d) << c.name;
      EXPECT_EQ(d.label_width, c.width) << c.name;
    }
  }
}

TEST(MedMnist, HandBuiltArchiveWithTheRealLayout) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  // breastmnist-like: 2 grey 2x2 images per split, labels (N, 1) uint8, stored members in the
  // order np.savez writes them.
  using testing::dict;
  using testing::npy_raw;
  TempDir tmp;
  std::vector<std::pair<std::string, std::string>> members;
  for (const char* split : {"train", "val", "test"}) {
    members.push_back({std::string(split) + "_images.npy",
                       npy_raw(dict("|u1", "(2, 2, 2)"), std::string("\x00\x01\x02\x03\xfc\xfd\xfe\xff", 8))});
    members.push_back({std::string(split) + "_labels.npy", npy_raw(dict("|u1", "(2, 1)"), std::string("\x01\x00", 2))});
  }
  testing::write_bytes(tmp / "breastmnist.npz", testing::stored_zip(members));
  const MedMnistData d = load_medmnist_npz(tmp / "breastmnist.npz", &find_medmnist("breastmnist"));
  EXPECT_EQ(d.test.images.sizes(), (std::vector<int64_t>{2, 2, 2}));
  EXPECT_EQ(d.test.images[1][1][1].item<int>(), 255);
  EXPECT_EQ(d.val.labels.sizes(), (std::vector<int64_t>{2, 1}));
  EXPECT_EQ(d.val.labels[0][0].item<int64_t>(), 1);
  EXPECT_EQ(d.val.labels[1][0].item<int64_t>(), 0);

  // The same archive with one member truncated (its header promises more than it holds).
  members[3].second = npy_raw(dict("|u1", "(3, 1)"), std::string("\x01\x00", 2));
  testing::write_bytes(tmp / "cut.npz", testing::stored_zip(members));
  const auto msg = error_of([&] { load_medmnist_npz(tmp / "cut.npz"); });
  EXPECT_TRUE(has(msg, (tmp / "cut.npz").string() + ": member 'val_labels.npy': truncated data")) << msg;
}

// The loader's error for a fixture changed by `edit`, checked against `expected`.
std::string load_error(const Arrays& a, const MedMnistInfo* expected = nullptr) {
  TempDir tmp;
  write_npz(tmp / "m.npz", a);
  auto msg = error_of([&] { load_medmnist_npz(tmp / "m.npz", expected); });
  const std::string prefix = (tmp / "m.npz").string();
  if (msg.compare(0, prefix.size(), prefix) == 0) msg = "m.npz" + msg.substr(prefix.size());
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  return msg;
}

TEST(MedMnist, MalformedArchivesNameFileAndKey) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  const Arrays grey = fixture({28, 28}, 2);
  const auto& pneumonia = find_medmnist("pneumoniamnist");

  Arrays a = grey;  // a wrong key
  a["val_label"] = a.at("val_labels");
  a.erase("val_labels");
  EXPECT_EQ(load_error(a),
            "m.npz: not a MedMNIST .npz: no val_labels (members: test_images, test_labels, train_images, "
            "train_labels, val_images, val_label)");

  a = grey;  // images that are not uint8
  a["test_images"] = a.at("test_images").to(torch::kFloat);
  EXPECT_EQ(load_error(a), "m.npz: test_images has dtype Float, not uint8");

  a = grey;  // images of another size in one split
  a["val_images"] = torch::zeros({2, 32, 32}, torch::kUInt8);
  EXPECT_TRUE(has(load_error(a), "m.npz: val_images has shape (2, 32, 32) but train_images (5, 28, 28)"));

  a = grey;
  a["train_images"] = torch::zeros({5, 28}, torch::kUInt8);
  EXPECT_TRUE(has(load_error(a), "m.npz: train_images has shape (5, 28)"));

  a = grey;  // labels that are not integers
  a["train_labels"] = a.at("train_labels").to(torch::kFloat);
  EXPECT_EQ(load_error(a), "m.npz: train_labels has dtype Float, not an integer type");

  a = grey;  // as many labels as images
  a["test_labels"] = torch::zeros({4, 1}, torch::kUInt8);
  EXPECT_EQ(load_error(a), "m.npz: test_labels has 4 rows but test_images has 3 images");

  a = grey;  // a binary task's labels are 0 or 1
  a["val_labels"] = torch::tensor({{0}, {2}}, torch::kUInt8);
  EXPECT_EQ(load_error(a, &pneumonia),
            "m.npz: val_labels holds label 2; pneumoniamnist (binary-class) has labels 0 to 1");
  EXPECT_EQ(load_error(a), "");  // without the table the value is fine

  a = grey;
  a["val_labels"] = torch::tensor({{0}, {-1}}, torch::kInt8);
  EXPECT_EQ(load_error(a), "m.npz: val_labels holds a negative label (-1)");

  // Multi-class labels below the number of classes: dermamnist has 7.
  Arrays rgb = fixture({28, 28, 3}, 7);
  rgb["train_labels"][0][0] = 7;
  EXPECT_EQ(load_error(rgb, &find_medmnist("dermamnist")),
            "m.npz: train_labels holds label 7; dermamnist (multi-class) has labels 0 to 6");

  // Multi-label: 14 columns of 0/1.
  const auto& chest = find_medmnist("chestmnist");
  Arrays multi = fixture({28, 28}, 2, 14);
  EXPECT_EQ(load_error(multi, &chest), "");
  multi["test_labels"][1][13] = 2;
  EXPECT_EQ(load_error(multi, &chest), "m.npz: test_labels holds label 2; chestmnist (multi-label) has labels 0 to 1");
  EXPECT_EQ(load_error(fixture({28, 28}, 2, 13), &chest),
            "m.npz: train_labels has 13 columns; chestmnist (multi-label) has 14");
  Arrays widths = fixture({28, 28}, 2, 14);
  widths["val_labels"] = torch::zeros({2, 13}, torch::kUInt8);
  EXPECT_EQ(load_error(widths), "m.npz: val_labels has 13 columns but train_labels has 14");

  // The layout must match the expected data set's.
  EXPECT_EQ(load_error(grey, &find_medmnist("dermamnist")),
            "m.npz: train_images has shape (5, 28, 28); dermamnist has (N, H, W, 3) RGB images");
  EXPECT_EQ(load_error(fixture({28, 28, 3}, 2), &pneumonia),
            "m.npz: train_images has shape (5, 28, 28, 3); pneumoniamnist has (N, H, W) grey images");
  EXPECT_EQ(load_error(grey, &find_medmnist("nodulemnist3d")),
            "m.npz: train_images has shape (5, 28, 28); nodulemnist3d has (N, D, H, W) volumes");
  EXPECT_EQ(load_error(fixture({28, 28}, 2), &chest),
            "m.npz: train_labels has 1 columns; chestmnist (multi-label) has 14");
}

TEST(MedMnist, NotAZipAndUnsupportedDtype) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  TempDir tmp;
  testing::write_bytes(tmp / "x.npz", "this is no zip archive, it is just text that goes on for a while");
  EXPECT_EQ(error_of([&] { load_medmnist_npz(tmp / "x.npz"); }),
            (tmp / "x.npz").string() + ": not a zip archive (an .npz file is one)");
  // An unsupported dtype in a member is named with the member.
  using testing::dict;
  using testing::npy_raw;
  std::vector<std::pair<std::string, std::string>> members;
  for (const char* split : {"train", "val", "test"}) {
    members.push_back({std::string(split) + "_images.npy", npy_raw(dict("<c8", "(1, 1, 1)"), std::string(8, '\0'))});
    members.push_back({std::string(split) + "_labels.npy", npy_raw(dict("|u1", "(1, 1)"), "\x01")});
  }
  testing::write_bytes(tmp / "c.npz", testing::stored_zip(members));
  EXPECT_EQ(error_of([&] { load_medmnist_npz(tmp / "c.npz"); }),
            (tmp / "c.npz").string() +
                ": member 'train_images.npy': unsupported dtype '<c8' (supported: |u1 |i1 |b1 and <i2 <i4 <i8 <u2 <u4 "
                "<u8 <f2 <f4 <f8, '>' too)");
}

// MedMNIST's files are np.savez_compressed archives: one made by numpy in that layout loads.
TEST(MedMnist, NumpysSavezCompressedLoads) {
  if (!npz_supported()) GTEST_SKIP() << "built without libzip";
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) GTEST_SKIP() << "no python3 with numpy";
  TempDir tmp;
  const std::string script =
      "import sys, numpy as np\n"
      "r = np.random.default_rng(0)\n"
      "a = {}\n"
      "for s, n in (('train', 6), ('val', 2), ('test', 3)):\n"
      "    a[s + '_images'] = (np.arange(n * 28 * 28 * 3) % 251).astype(np.uint8).reshape(n, 28, 28, 3)\n"
      "    a[s + '_labels'] = (np.arange(n) % 7).astype(np.uint8).reshape(n, 1)\n"
      "np.savez_compressed(sys.argv[1], **a)\n";
  testing::write_bytes(tmp / "make.py", script);
  const auto path = tmp / "dermamnist.npz";
  ASSERT_EQ(std::system(("/usr/bin/python3 " + (tmp / "make.py").string() + " " + path.string()).c_str()), 0);
  const MedMnistData d = load_medmnist_npz(path, &find_medmnist("dermamnist"));
  EXPECT_EQ(d.train.images.sizes(), (std::vector<int64_t>{6, 28, 28, 3}));
  EXPECT_EQ(d.n_channels, 3);
  EXPECT_FALSE(d.is_3d);
  const auto want =
      torch::arange(2 * 28 * 28 * 3, torch::kInt64).remainder(251).to(torch::kUInt8).reshape({2, 28, 28, 3});
  EXPECT_TRUE(torch::equal(d.val.images, want));
  EXPECT_TRUE(torch::equal(d.test.labels, torch::tensor({{0}, {1}, {2}}, torch::kInt64)));
}

}  // namespace
}  // namespace latent

// A user's own folder of images as a data set: PNGs written by the test, any size, gray or
// colour (alpha dropped), resized and converted, split deterministically; clear errors for bad
// folders; the conv-dae study trains on such a folder.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli_util.h"
#include "latent/data/dataset.h"
#include "latent/data/image_io.h"
#include "latent/report/image_grid.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// n images of mixed sizes: a bright square on a dark background, gray or colour.
void write_pngs(const fs::path& dir, int n, bool colour) {
  fs::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    const int64_t h = 10 + 3 * (i % 4), w = 12 + 2 * (i % 3);
    auto img = torch::full({colour ? 3 : 1, h, w}, 0.1f);
    img.slice(1, 2, 6).slice(2, 3, 8).fill_(0.9f);
    if (colour) img[0].add_(0.05f * static_cast<float>(i % 2));
    write_image_png(dir / ("img" + std::to_string(100 + i) + ".png"), img);
  }
}

ImageDataOptions folder_options(const fs::path& dir) {
  ImageDataOptions o;
  o.dataset = "images";
  o.path = dir.string();
  o.image_size = 8;
  o.test_split = 0.25;
  o.split_seed = 3;
  return o;
}

TEST(ImageFolder, LoadsResizesAndSplitsDeterministically) {
  TempDir tmp;
  write_pngs(tmp / "gray", 12, false);
  testing::write_bytes(tmp / "gray" / "notes.txt", "not an image");
  auto d = load_image_folder(folder_options(tmp / "gray"));
  EXPECT_EQ(d.train.x.sizes(), (std::vector<int64_t>{9, 1, 8, 8}));
  EXPECT_EQ(d.test.x.sizes(), (std::vector<int64_t>{3, 1, 8, 8}));
  EXPECT_FALSE(d.train.y.defined());
  EXPECT_GE(d.train.x.min().item<float>(), 0.0f);
  EXPECT_LE(d.train.x.max().item<float>(), 1.0f);
  // Every image appears once: the sums over both splits match a second load in another order.
  auto again = load_image_folder(folder_options(tmp / "gray"));
  EXPECT_TRUE(torch::equal(d.train.x, again.train.x));
  EXPECT_TRUE(torch::equal(d.test.x, again.test.x));
  auto other = folder_options(tmp / "gray");
  other.split_seed = 4;
  EXPECT_FALSE(torch::equal(load_image_folder(other).test.x, d.test.x));
  // Channels: forced to RGB gives three equal channels.
  auto rgb = folder_options(tmp / "gray");
  rgb.channels = 3;
  auto c = load_image_folder(rgb);
  EXPECT_EQ(c.train.x.size(1), 3);
  EXPECT_TRUE(torch::equal(c.train.x.select(1, 0), c.train.x.select(1, 2)));
  // val_split comes out of train.
  auto val = folder_options(tmp / "gray");
  val.val_split = 0.34;
  auto v = load_image_folder(val);
  EXPECT_EQ(v.val.size(), 3);
  EXPECT_EQ(v.train.size(), 6);
}

TEST(ImageFolder, ColourFolderIsRgbUnlessGrayIsAsked) {
  TempDir tmp;
  write_pngs(tmp / "colour", 4, true);
  auto d = load_image_folder(folder_options(tmp / "colour"));
  EXPECT_EQ(d.train.x.size(1), 3);
  auto gray = folder_options(tmp / "colour");
  gray.channels = 1;
  auto g = load_image_folder(gray);
  EXPECT_EQ(g.train.x.size(1), 1);
  // A uniform colour image converts by the BT.601 luma weights.
  TempDir one;
  fs::create_directories(one / "f");
  auto img = torch::zeros({3, 8, 8});
  img[0].fill_(1.0f);
  write_image_png(one / "f" / "a.png", img);
  write_image_png(one / "f" / "b.png", img);
  auto o = folder_options(one / "f");
  o.channels = 1;
  auto r = load_image_folder(o);
  EXPECT_NEAR(r.train.x.mean().item<float>(), 0.299f, 1e-5);
}

// PNGs with an alpha channel (RGBA, gray + alpha), as icons are stored: the alpha is dropped and
// the stored colour under it is kept, transparent pixels included.
TEST(ImageFolder, AlphaChannelIsDropped) {
  TempDir tmp;
  // (H, W, C) bytes, written through write_image_png as (C, H, W) multiples of 1/255 (exact)
  auto png = [](const std::vector<float>& bytes, int64_t h, int64_t w, int64_t c) {
    return (torch::tensor(bytes).view({h, w, c}).permute({2, 0, 1}) / 255.0).contiguous();
  };
  write_image_png(tmp / "rgba.png", png({255, 0, 0, 255, 0, 128, 0, 0, 10, 20, 30, 128, 0, 0, 255, 0}, 2, 2, 4));
  write_image_png(tmp / "ga.png", png({200, 255, 50, 0}, 1, 2, 2));

  auto colour = read_image(tmp / "rgba.png");
  ASSERT_EQ(colour.sizes(), (std::vector<int64_t>{3, 2, 2}));
  auto expected =
      torch::tensor({255, 0, 0, 0, 128, 0, 10, 20, 30, 0, 0, 255}, torch::kFloat32).view({2, 2, 3}).permute({2, 0, 1}) /
      255.0;
  EXPECT_TRUE(torch::allclose(colour, expected));

  auto gray = read_image(tmp / "ga.png");
  ASSERT_EQ(gray.sizes(), (std::vector<int64_t>{1, 1, 2}));
  EXPECT_TRUE(torch::allclose(gray, torch::tensor({200.0f / 255, 50.0f / 255}).view({1, 1, 2})));
}

TEST(ImageFolder, BadFoldersGiveOneLineErrors) {
  TempDir tmp;
  fs::create_directories(tmp / "empty");
  EXPECT_NE(testing::error_of([&] { load_image_folder(folder_options(tmp / "empty")); }).find("is an empty folder"),
            std::string::npos);
  fs::create_directories(tmp / "text");
  testing::write_bytes(tmp / "text" / "a.txt", "x");
  EXPECT_NE(testing::error_of([&] { load_image_folder(folder_options(tmp / "text")); }).find("holds no image files"),
            std::string::npos);
  write_pngs(tmp / "corrupt", 3, false);
  testing::write_bytes(tmp / "corrupt" / "broken.png", "not a png at all");
  const std::string err = testing::error_of([&] { load_image_folder(folder_options(tmp / "corrupt")); });
  EXPECT_NE(err.find("broken.png: not a readable image"), std::string::npos) << err;
  EXPECT_EQ(err.find('\n'), std::string::npos);
  EXPECT_NE(testing::error_of([&] { load_image_folder(folder_options(tmp / "missing")); }).find("is not a folder"),
            std::string::npos);
  write_pngs(tmp / "single", 1, false);
  EXPECT_NE(testing::error_of([&] { load_image_folder(folder_options(tmp / "single")); }).find("at least 2"),
            std::string::npos);
  // The dispatcher: a folder of images under the default data set, IDX folders still as IDX.
  auto o = folder_options(tmp / "corrupt");
  o.dataset = "fashion-mnist";
  EXPECT_NE(testing::error_of([&] { load_image_dataset(o); }).find("broken.png"), std::string::npos);
  testing::write_synthetic_idx(tmp / "idx", 8, 4, 8);
  auto idx = folder_options(tmp / "idx");
  idx.dataset = "fashion-mnist";
  EXPECT_EQ(load_image_dataset(idx).train.size(), 8);
}

TEST(ImageFolder, ConvDenoisingStudyTrainsOnAFolder) {
  TempDir tmp;
  write_pngs(tmp / "photos", 20, true);
  auto r = testing::run_cli({"run", "conv-dae", "--set", "data.path=" + (tmp / "photos").string(), "--set",
                             "data.image_size=8", "--set", "data.val_split=0.2", "--set", "model.channels=[4]", "--set",
                             "training.epochs=2", "--set", "training.batch_size=8", "--out", (tmp / "run").string(),
                             "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  auto m = nlohmann::json::parse(testing::read_file(tmp / "run" / "metrics.json"));
  ASSERT_EQ(m["variants"].size(), 2u);
  EXPECT_EQ(m["variants"][0]["test_examples"], 6);
  EXPECT_EQ(m["variants"][0]["train_examples"], 12);
  EXPECT_TRUE(m["variants"][0]["test"]["denoised_psnr_db"].is_number());
  EXPECT_TRUE(fs::exists(tmp / "run" / "mse" / "model.pt"));
  auto bad = testing::run_cli({"run", "conv-dae", "--set", "data.path=" + (tmp / "nowhere").string(), "--out",
                               (tmp / "r2").string(), "--quiet"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("nowhere"), std::string::npos) << bad.err;
  auto channels = testing::run_cli({"show", "conv-dae", "--set", "data.channels=2"});
  EXPECT_EQ(channels.code, 2);
  EXPECT_NE(channels.err.find("data.channels: 2 is not 0, 1 or 3"), std::string::npos) << channels.err;
}

}  // namespace
}  // namespace latent

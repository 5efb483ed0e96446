// Inference commands in-process: reconstruct / denoise round trips on PNG files the test
// writes, latent codes as CSV, and one-line errors for images and models that cannot be used.
#include <gtest/gtest.h>

#include <sstream>

#include "cli_util.h"
#include "latent/core/eval_mode.h"
#include "latent/data/image_io.h"
#include "latent/models/autoencoder.h"
#include "latent/report/image_grid.h"
#include "latent/studies/spec.h"
#include "latent/training/checkpoint.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::TempDir;

using Result = testing::CliResult;
const auto& cli = testing::run_cli;

void expect_error(const Result& r, int code, const std::string& fragment) {
  EXPECT_EQ(r.code, code) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
}

// A small conv autoencoder for 8x8 gray images, saved as a reconstruction checkpoint.
std::shared_ptr<AutoencoderBase> save_model(const std::filesystem::path& path) {
  torch::manual_seed(11);
  Spec spec = default_spec("reconstruction", "conv_ae");
  spec.values.set("model.channels", IntList{4});
  auto model = make_autoencoder(ModelSpec::from_values(spec.values), {1, 8, 8});
  CheckpointMeta meta;
  meta.kind = "reconstruction";
  meta.model_type = spec.model_type();
  meta.variant = "default";
  meta.input_shape = {1, 8, 8};
  meta.spec_toml = spec_to_toml(spec);
  save_checkpoint(path, *model, meta);
  return model;
}

TEST(Inference, ReconstructRoundTripOnPngFiles) {
  TempDir tmp;
  auto model = save_model(tmp / "model.pt");
  torch::manual_seed(3);
  const auto a = torch::rand({1, 8, 8}), b = torch::rand({1, 16, 12});
  write_image_png(tmp / "a.png", a);
  write_image_png(tmp / "b.png", b);
  write_image_png(tmp / "c.png", a.expand({3, 8, 8}).contiguous());  // gray stored as RGB
  auto r = cli({"reconstruct", (tmp / "model.pt").string(), (tmp / "a.png").string(), (tmp / "b.png").string(),
                (tmp / "c.png").string(), "-o", (tmp / "out").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* name : {"a", "b", "c"}) {
    const auto in = tmp / (std::string(name) + ".png");
    const auto out = tmp / "out" / (std::string(name) + "-reconstructed.png");
    ASSERT_TRUE(std::filesystem::exists(out)) << out;
    EXPECT_NE(r.out.find(out.string()), std::string::npos);
    torch::Tensor expected;
    {
      EvalMode guard(*model);
      expected = model->forward(fit_image(read_image(in), {1, 8, 8}, in).unsqueeze(0)).recon[0];
    }
    auto got = read_image(out);
    ASSERT_EQ(got.sizes().vec(), (std::vector<int64_t>{1, 8, 8}));
    // 8-bit PNG: within half a grey level.
    EXPECT_LE((got - expected).abs().max().item<double>(), 0.5 / 255 + 1e-6) << name;
  }
  // A PNG read back is the tensor written, to 8 bits.
  EXPECT_LE((read_image(tmp / "a.png") - a).abs().max().item<double>(), 0.5 / 255 + 1e-6);
  // A folder argument means its image files.
  auto f = cli({"reconstruct", (tmp / "model.pt").string(), (tmp / "out").string(), "-o", (tmp / "out2").string()});
  ASSERT_EQ(f.code, 0) << f.err;
  EXPECT_TRUE(std::filesystem::exists(tmp / "out2" / "a-reconstructed-reconstructed.png"));
}

TEST(Inference, DenoiseAddsSeededNoiseWhenAsked) {
  TempDir tmp;
  save_model(tmp / "model.pt");
  write_image_png(tmp / "x.png", torch::full({1, 8, 8}, 0.5));
  auto run = [&](const std::string& dir) {
    return cli({"denoise", (tmp / "model.pt").string(), (tmp / "x.png").string(), "--noise-std", "0.3", "--seed", "4",
                "-o", (tmp / dir).string()});
  };
  ASSERT_EQ(run("d1").code, 0);
  ASSERT_EQ(run("d2").code, 0);
  auto noisy = read_image(tmp / "d1" / "x-noisy.png");
  EXPECT_GT((noisy - 0.5).abs().max().item<double>(), 0.05);
  EXPECT_TRUE(torch::equal(noisy, read_image(tmp / "d2" / "x-noisy.png")));
  EXPECT_TRUE(std::filesystem::exists(tmp / "d1" / "x-denoised.png"));
}

TEST(Inference, ImagesAndModelsItCannotUseGiveOneLineErrors) {
  TempDir tmp;
  save_model(tmp / "model.pt");
  const std::string model = (tmp / "model.pt").string(), out = (tmp / "out").string();
  testing::write_bytes(tmp / "corrupt.png", "\x89PNG\r\n\x1a\n this is not really a png");
  expect_error(cli({"reconstruct", model, (tmp / "corrupt.png").string(), "-o", out}), 1,
               "corrupt.png: not a readable image");
  auto colour = torch::zeros({3, 8, 8});
  colour[0].fill_(1.0);
  write_image_png(tmp / "red.png", colour);
  expect_error(cli({"reconstruct", model, (tmp / "red.png").string(), "-o", out}), 1,
               "red.png: a colour (RGB) image, but the model takes 1-channel");
  expect_error(cli({"reconstruct", model, (tmp / "missing.png").string(), "-o", out}), 1,
               "missing.png: no such image file");
  std::filesystem::create_directories(tmp / "empty");
  expect_error(cli({"reconstruct", model, (tmp / "empty").string(), "-o", out}), 1,
               "empty: folder holds no image files");
  testing::write_bytes(tmp / "notes.txt", "hello");
  write_image_png(tmp / "ok.png", torch::zeros({1, 8, 8}));
  expect_error(cli({"denoise", (tmp / "notes.txt").string(), (tmp / "ok.png").string(), "-o", out}), 1,
               "notes.txt: not a latent checkpoint");
  expect_error(cli({"reconstruct", model, (tmp / "ok.png").string(), "-o", (tmp / "notes.txt" / "sub").string()}), 1,
               "notes.txt");
  expect_error(cli({"reconstruct", model, "-o", out}), 2, "images");
  // Nothing was written for the failed commands.
  EXPECT_FALSE(std::filesystem::exists(tmp / "out"));
}

TEST(Inference, EncodeWritesOneRowPerExampleWithLabels) {
  TempDir tmp;
  save_model(tmp / "model.pt");
  testing::write_synthetic_idx(tmp / "data", 16, 6, 8);
  auto r = cli(
      {"encode", (tmp / "model.pt").string(), "--data", (tmp / "data").string(), "-o", (tmp / "codes.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  std::istringstream csv(testing::read_file(tmp / "codes.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.substr(0, 19), "index,label,z0,z1,z");
  EXPECT_EQ(std::count(line.begin(), line.end(), ','), 1 + 4 * 4 * 4);  // 4 channels x 4 x 4 code
  int rows = 0;
  while (std::getline(csv, line)) {
    EXPECT_EQ(line.substr(0, 4), std::to_string(rows) + "," + std::to_string(rows % 4) + ",") << line;
    ++rows;
  }
  EXPECT_EQ(rows, 6);
  testing::write_synthetic_idx(tmp / "big", 4, 4, 12);
  expect_error(
      cli({"encode", (tmp / "model.pt").string(), "--data", (tmp / "big").string(), "-o", (tmp / "c2.csv").string()}),
      1, "holds 1x12x12 examples, the model takes 1x8x8");
  expect_error(cli({"encode", (tmp / "model.pt").string(), "--data", "imagenet", "-o", (tmp / "c3.csv").string()}), 2,
               "--data: 'imagenet'");
}

// The codes of a folder of images: every image in name order, converted as the studies' image
// loader does (colour to gray by luma, downscaled by area), unlabelled, with a file column.
TEST(Inference, EncodeTakesAFolderOfImages) {
  TempDir tmp;
  auto model = save_model(tmp / "model.pt");
  torch::manual_seed(5);
  const auto a = torch::rand({1, 8, 8}), b = torch::rand({1, 16, 16}), c = torch::rand({3, 8, 8});
  const std::filesystem::path dir = tmp / "pictures";
  std::filesystem::create_directories(dir);
  write_image_png(dir / "c.png", c);
  write_image_png(dir / "a.png", a);
  write_image_png(dir / "b.png", b);
  write_image_png(dir / "d,1.png", a);
  testing::write_bytes(dir / "notes.txt", "not an image");
  auto r = cli({"encode", (tmp / "model.pt").string(), "--data", dir.string(), "-o", (tmp / "codes.csv").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("wrote 4 codes"), std::string::npos) << r.out;

  // What the model should see, computed here from the 8-bit pixels.
  auto gray_of = [](const torch::Tensor& rgb) {
    return (0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]).unsqueeze(0);
  };
  const auto a8 = read_image(dir / "a.png");
  const auto inputs = torch::stack(
      {a8, torch::avg_pool2d(read_image(dir / "b.png").unsqueeze(0), 2)[0], gray_of(read_image(dir / "c.png")), a8});
  torch::Tensor expected;
  {
    EvalMode guard(*model);
    expected = model->encode(inputs).reshape({4, -1});
  }
  std::istringstream csv(testing::read_file(tmp / "codes.csv"));
  std::string line;
  std::getline(csv, line);
  EXPECT_EQ(line.substr(0, 23), "index,label,file,z0,z1,");
  EXPECT_EQ(std::count(line.begin(), line.end(), ','), 2 + expected.size(1));
  const std::vector<std::string> prefixes = {"0,,a.png,", "1,,b.png,", "2,,c.png,", "3,,\"d,1.png\","};
  int rows = 0;
  while (std::getline(csv, line)) {
    ASSERT_LT(rows, 4) << line;
    const auto& prefix = prefixes[static_cast<size_t>(rows)];
    ASSERT_EQ(line.substr(0, prefix.size()), prefix) << line;
    std::istringstream fields(line.substr(prefix.size()));
    std::string field;
    int64_t k = 0;
    while (std::getline(fields, field, ',')) {
      ASSERT_LT(k, expected.size(1));
      EXPECT_NEAR(std::stod(field), expected[rows][k].item<double>(), 1e-5) << "row " << rows << " z" << k;
      ++k;
    }
    EXPECT_EQ(k, expected.size(1));
    ++rows;
  }
  EXPECT_EQ(rows, 4);

  // A folder with neither IDX files nor images, and an empty one: one line, nothing written.
  std::filesystem::create_directories(tmp / "text");
  testing::write_bytes(tmp / "text" / "notes.txt", "hello");
  std::filesystem::create_directories(tmp / "empty");
  for (const char* bad : {"text", "empty"})
    expect_error(
        cli({"encode", (tmp / "model.pt").string(), "--data", (tmp / bad).string(), "-o", (tmp / "bad.csv").string()}),
        1, "' holds neither IDX files (train-images-idx3-ubyte) nor image files");
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.csv"));
  // --split means nothing for a folder of images: said, not ignored.
  expect_error(cli({"encode", (tmp / "model.pt").string(), "--data", dir.string(), "--split", "train", "-o",
                    (tmp / "bad.csv").string()}),
               2, "--split: 'train' does not apply to a folder of images");
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.csv"));
  // A corrupt image names the file.
  testing::write_bytes(dir / "e.png", "\x89PNG\r\n\x1a\n not really a png");
  expect_error(cli({"encode", (tmp / "model.pt").string(), "--data", dir.string(), "-o", (tmp / "bad.csv").string()}),
               1, "e.png: not a readable image");
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.csv"));
}

}  // namespace
}  // namespace latent

// Image augmentation: flips checked by hand, rotations against exact rotations, seeded
// repeatability, and the spec keys that switch it on.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/studies/spec.h"
#include "latent/training/augment.h"

namespace latent {
namespace {

TEST(Augment, FlipMirrorsOnlyTheChosenImages) {
  auto x = torch::arange(2 * 1 * 2 * 3, torch::kFloat32).view({2, 1, 2, 3});
  auto out = flip_images(x, torch::tensor({true, false}));
  auto expected0 = torch::tensor({2.f, 1.f, 0.f, 5.f, 4.f, 3.f}).view({1, 2, 3});
  EXPECT_TRUE(torch::equal(out[0], expected0)) << out[0];
  EXPECT_TRUE(torch::equal(out[1], x[1]));
}

TEST(Augment, ZeroDegreeRotationIsIdentity) {
  auto x = torch::rand({3, 2, 5, 7});
  auto out = rotate_images(x, torch::zeros({3}));
  EXPECT_TRUE(torch::allclose(out, x, 0.0, 1e-6)) << (out - x).abs().max();
}

TEST(Augment, NinetyDegreesIsTransposeOfTheFlip) {
  // Counter-clockwise by 90 degrees: rotate90(x) = transpose(flip_left_right(x)).
  auto x = torch::rand({2, 3, 6, 6});
  auto out = rotate_images(x, torch::full({2}, 90.0));
  auto expected = x.flip({3}).transpose(2, 3);
  EXPECT_TRUE(torch::allclose(out, expected, 0.0, 1e-5)) << (out - expected).abs().max();
  // A quarter turn each way: -90 is the transpose then the flip.
  auto back = rotate_images(x, torch::full({2}, -90.0));
  EXPECT_TRUE(torch::allclose(back, x.transpose(2, 3).flip({3}), 0.0, 1e-5));
  // Non-square: 180 degrees is both flips, whatever the aspect ratio.
  auto r = torch::rand({1, 1, 4, 8});
  EXPECT_TRUE(torch::allclose(rotate_images(r, torch::full({1}, 180.0)), r.flip({2, 3}), 0.0, 1e-5));
}

TEST(Augment, OffLeavesDataUnchangedOnIsSeeded) {
  auto x = torch::rand({8, 1, 6, 6});
  auto gen = at::detail::createCPUGenerator(5);
  auto same = augment_images(x, AugmentOptions{}, gen);
  EXPECT_EQ(same.data_ptr(), x.data_ptr());
  AugmentOptions on{true, 10.0};
  auto g1 = at::detail::createCPUGenerator(5), g2 = at::detail::createCPUGenerator(5),
       g3 = at::detail::createCPUGenerator(6);
  auto a = augment_images(x, on, g1), b = augment_images(x, on, g2), c = augment_images(x, on, g3);
  EXPECT_TRUE(torch::equal(a, b));
  EXPECT_FALSE(torch::equal(a, c));
  EXPECT_FALSE(torch::equal(a, x));
  EXPECT_EQ(a.sizes(), x.sizes());
  // Flips only: every image is itself or its mirror.
  auto g4 = at::detail::createCPUGenerator(5);
  auto f = augment_images(x, AugmentOptions{true, 0.0}, g4);
  for (int64_t i = 0; i < 8; ++i) EXPECT_TRUE(torch::equal(f[i], x[i]) || torch::equal(f[i], x[i].flip({2}))) << i;
}

TEST(Augment, ShiftMovesByWholePixelsWithZerosFillingIn) {
  auto x = torch::arange(1, 10, torch::kFloat32).view({1, 1, 3, 3});  // 1 2 3 / 4 5 6 / 7 8 9
  // One row down, one column left.
  auto s = shift_images(x, torch::tensor({{1, -1}}, torch::kInt64));
  auto want = torch::tensor({0, 0, 0, 2, 3, 0, 5, 6, 0}, torch::kFloat32).view({1, 1, 3, 3});
  EXPECT_TRUE(torch::equal(s, want)) << s;
  EXPECT_TRUE(torch::equal(shift_images(x, torch::zeros({1, 2}, torch::kInt64)), x));
  // Out of the frame entirely: all zeros.
  EXPECT_EQ(shift_images(x, torch::tensor({{3, 0}}, torch::kInt64)).abs().sum().item<float>(), 0.0f);
  // Each image its own offset; channels move together; a volume shifts along all three axes.
  auto two = torch::rand({2, 3, 4, 5});
  auto t = shift_images(two, torch::tensor({{0, 2}, {-1, 0}}, torch::kInt64));
  EXPECT_TRUE(torch::equal(t[0].narrow(2, 2, 3), two[0].narrow(2, 0, 3)));
  EXPECT_EQ(t[0].narrow(2, 0, 2).abs().sum().item<float>(), 0.0f);
  EXPECT_TRUE(torch::equal(t[1].narrow(1, 0, 3), two[1].narrow(1, 1, 3)));
  auto v = torch::rand({1, 1, 4, 4, 4});
  auto w = shift_images(v, torch::tensor({{1, 1, -2}}, torch::kInt64));
  EXPECT_TRUE(torch::equal(w[0][0].slice(0, 1).slice(1, 1).slice(2, 0, 2), v[0][0].slice(0, 0, 3).slice(1, 0, 3).slice(2, 2)));
  EXPECT_THROW(shift_images(x, torch::zeros({1, 3}, torch::kInt64)), Error);
}

TEST(Augment, JitterScalesBrightnessThenContrastAndFlipsVolumes) {
  auto x = torch::tensor({0.2f, 0.4f, 0.6f, 0.8f}).view({1, 1, 2, 2});
  // Brightness x 1.5: .3 .6 .9 1.2 -> clipped to 1; mean .7; contrast x 0.5: .5 .65 .8 .85.
  auto j = jitter_images(x, torch::tensor({1.5}), torch::tensor({0.5}));
  EXPECT_TRUE(torch::allclose(j, torch::tensor({0.5f, 0.65f, 0.8f, 0.85f}).view({1, 1, 2, 2}), 1e-6, 1e-6)) << j;
  EXPECT_TRUE(torch::allclose(jitter_images(x, torch::ones({1}), torch::ones({1})), x));
  // A volume flips along its last axis.
  auto v = torch::rand({2, 1, 3, 4, 5});
  auto f = flip_images(v, torch::tensor({true, false}));
  EXPECT_TRUE(torch::equal(f[0], v[0].flip({3})));
  EXPECT_TRUE(torch::equal(f[1], v[1]));
  AugmentOptions o;
  o.rotate_degrees = 5;
  auto gen = at::detail::createCPUGenerator(1);
  EXPECT_THROW(augment_images(v, o, gen), Error);
  o.rotate_degrees = 0;
  o.jitter = 0.2;
  o.flip = true;
  o.shift = 1;
  auto a = augment_images(v, o, gen);
  EXPECT_EQ(a.sizes(), v.sizes());
  EXPECT_GE(a.min().item<float>(), 0.0f);
  EXPECT_LE(a.max().item<float>(), 1.0f);
}

TEST(Augment, SeededShiftsStayWithinTheRange) {
  auto x = torch::ones({64, 1, 9, 9});
  AugmentOptions o;
  o.shift = 2;
  auto g1 = at::detail::createCPUGenerator(3), g2 = at::detail::createCPUGenerator(3);
  auto a = augment_images(x, o, g1), b = augment_images(x, o, g2);
  EXPECT_TRUE(torch::equal(a, b));
  // A shift of at most 2 per axis keeps at least 7 x 7 of the 81 ones, and the centre pixel.
  auto kept = a.sum({1, 2, 3});
  EXPECT_GE(kept.min().item<float>(), 49.0f);
  EXPECT_TRUE((a.select(2, 4).select(2, 4) == 1).all().item<bool>());
  EXPECT_LT(kept.min().item<float>(), 81.0f);  // 64 draws: some image moved
}

TEST(Augment, SpecKeys) {
  auto s = parse_study_spec("study = \"a\"\n[training]\naugment_flip = true\naugment_rotate = 12.5\n", "a.toml");
  auto o = AugmentOptions::from_values(s.variants[0].spec.values);
  EXPECT_TRUE(o.flip);
  EXPECT_DOUBLE_EQ(o.rotate_degrees, 12.5);
  EXPECT_EQ(o.shift, 0);
  EXPECT_EQ(AugmentOptions::from_values(
                parse_study_spec("study = \"a\"\n", "a.toml", {"training.augment_shift=3"}).variants[0].spec.values)
                .shift,
            3);
  EXPECT_FALSE(AugmentOptions::from_values(default_spec("reconstruction").values).enabled());
  try {
    parse_study_spec("study = \"a\"\n[training]\naugment_flip = 1\n", "a.toml");
    ADD_FAILURE() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("training.augment_flip: expected true or false"), std::string::npos)
        << e.what();
  }
  auto t = parse_study_spec("study = \"a\"\n", "a.toml", {"training.augment_flip=true"});
  EXPECT_TRUE(t.variants[0].spec.get<bool>("training.augment_flip"));
  EXPECT_NE(spec_to_toml(t.base).find("augment_flip = true"), std::string::npos);
}

}  // namespace
}  // namespace latent

// Word-vector files: word2vec text and binary round trip byte for byte, GloVe text reads and writes,
// the format is detected, malformed files give one-line errors naming the file and line or record;
// cosine neighbours and analogies on hand-made vectors.
#include <gtest/gtest.h>

#include <cstring>

#include "latent/core/error.h"
#include "latent/data/word_vectors.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::read_file;
using testing::TempDir;
using testing::write_bytes;

std::string le_floats(const std::vector<float>& values) {
  std::string out(values.size() * 4, '\0');
  std::memcpy(out.data(), values.data(), out.size());  // the test machines are little-endian
  return out;
}

WordVectors random_vectors(int64_t words, int64_t dim) {
  WordVectors v;
  for (int64_t i = 0; i < words; ++i) v.words.push_back("w" + std::to_string(i) + (i % 3 ? "" : "é"));
  torch::manual_seed(3);
  v.vectors = torch::randn({words, dim}) * 2;
  return v;
}

TEST(WordVectors, Word2VecTextRoundTripsByteForByte) {
  TempDir tmp;
  const std::string text =
      "3 4\n"
      "the 0.100000 -0.250000 1.500000 0.000000 \n"
      "king -3.125000 0.000001 2.000000 -0.500000 \n"
      "</s> 0.333333 0.666667 -0.999999 12.345678 \n";
  write_bytes(tmp / "in.txt", text);
  const WordVectors v = read_word_vectors(tmp / "in.txt");
  ASSERT_EQ(v.words, (std::vector<std::string>{"the", "king", "</s>"}));
  ASSERT_EQ(v.vectors.sizes(), (std::vector<int64_t>{3, 4}));
  EXPECT_FLOAT_EQ(v.vectors[0][1].item<float>(), -0.25f);
  EXPECT_FLOAT_EQ(v.vectors[1][0].item<float>(), -3.125f);
  EXPECT_FLOAT_EQ(v.vectors[2][3].item<float>(), 12.345678f);
  write_word_vectors(tmp / "out.txt", v, WordVectorsFormat::kWord2VecText);
  EXPECT_EQ(read_file(tmp / "out.txt"), text);

  // Random values: written, read and written again, the same bytes; the values to 6 decimals.
  const WordVectors r = random_vectors(50, 7);
  write_word_vectors(tmp / "r1.txt", r, WordVectorsFormat::kWord2VecText);
  const WordVectors back = read_word_vectors(tmp / "r1.txt");
  EXPECT_EQ(back.words, r.words);
  EXPECT_LE((back.vectors - r.vectors).abs().max().item<float>(), 1e-6f);  // 6 decimals, then float rounding
  write_word_vectors(tmp / "r2.txt", back, WordVectorsFormat::kWord2VecText);
  EXPECT_EQ(read_file(tmp / "r1.txt"), read_file(tmp / "r2.txt"));
}

TEST(WordVectors, Word2VecBinaryRoundTripsByteForByte) {
  TempDir tmp;
  const std::string bytes =
      "2 3\nthe " + le_floats({0.1f, -2.5f, 3e-8f}) + "\nking " + le_floats({1.0f, 10.0f / 3, -0.0f}) + "\n";
  write_bytes(tmp / "in.bin", bytes);
  const WordVectors v = read_word_vectors(tmp / "in.bin");
  ASSERT_EQ(v.words, (std::vector<std::string>{"the", "king"}));
  EXPECT_EQ(v.vectors[0][2].item<float>(), 3e-8f);
  EXPECT_EQ(v.vectors[1][1].item<float>(), 10.0f / 3);
  write_word_vectors(tmp / "out.bin", v, WordVectorsFormat::kWord2VecBinary);
  EXPECT_EQ(read_file(tmp / "out.bin"), bytes);

  const WordVectors r = random_vectors(40, 9);
  write_word_vectors(tmp / "r.bin", r, WordVectorsFormat::kWord2VecBinary);
  const WordVectors back = read_word_vectors(tmp / "r.bin");
  EXPECT_EQ(back.words, r.words);
  EXPECT_TRUE(torch::equal(back.vectors, r.vectors));  // binary keeps every bit
  write_word_vectors(tmp / "r2.bin", back, WordVectorsFormat::kWord2VecBinary);
  EXPECT_EQ(read_file(tmp / "r.bin"), read_file(tmp / "r2.bin"));
}

TEST(WordVectors, ReadsGloveAndOtherTextLayouts) {
  TempDir tmp;
  // GloVe: no header; glove.c's layout writes back byte for byte.
  const std::string glove = "the 0.418000 0.249680 -0.412420\n, 0.013441 0.236820 -0.168990\n";
  write_bytes(tmp / "glove.txt", glove);
  const WordVectors g = read_word_vectors(tmp / "glove.txt");
  ASSERT_EQ(g.words, (std::vector<std::string>{"the", ","}));
  ASSERT_EQ(g.dim(), 3);
  EXPECT_FLOAT_EQ(g.vectors[1][2].item<float>(), -0.16899f);
  write_word_vectors(tmp / "glove2.txt", g, WordVectorsFormat::kGloveText);
  EXPECT_EQ(read_file(tmp / "glove2.txt"), glove);
  // gensim's text layout (no trailing space), Windows line ends, short numbers.
  write_bytes(tmp / "gensim.txt", "2 2\r\nla 1 -2e-1\r\nle .5 3\r\n");
  const WordVectors s = read_word_vectors(tmp / "gensim.txt");
  ASSERT_EQ(s.words, (std::vector<std::string>{"la", "le"}));
  EXPECT_FLOAT_EQ(s.vectors[0][1].item<float>(), -0.2f);
  EXPECT_FLOAT_EQ(s.vectors[1][0].item<float>(), 0.5f);
  // The same vectors in each format read back alike through detection.
  for (auto f : {WordVectorsFormat::kWord2VecText, WordVectorsFormat::kWord2VecBinary, WordVectorsFormat::kGloveText}) {
    write_word_vectors(tmp / "any", s, f);
    const WordVectors again = read_word_vectors(tmp / "any");
    EXPECT_EQ(again.words, s.words) << format_name(f);
    EXPECT_TRUE(torch::allclose(again.vectors, s.vectors)) << format_name(f);
  }
}

void expect_error(const testing::TempDir& tmp, const std::string& name, const std::string& bytes,
                  const std::string& fragment) {
  write_bytes(tmp / name, bytes);
  const std::string e = error_of([&] { read_word_vectors(tmp / name); });
  EXPECT_NE(e.find((tmp / name).string()), std::string::npos) << e;
  EXPECT_NE(e.find(fragment), std::string::npos) << e;
  EXPECT_EQ(e.find('\n'), std::string::npos) << e;
}

TEST(WordVectors, MalformedFilesGiveOneLineErrors) {
  TempDir tmp;
  expect_error(tmp, "dim.txt", "3 3\na 1 2 3 \nb 1 2 \nc 1 2 3 \n", "dim.txt:3: 'b' has 2 values, expected 3");
  expect_error(tmp, "glove_dim.txt", "a 1 2 3\nb 1 2 3\nc 1 2 3 4\n", "glove_dim.txt:3: 'c' has 4 values, expected 3");
  expect_error(tmp, "number.txt", "2 2\na 1 2\nb 1 x2\n", "number.txt:3: value 2 of 'b', 'x2', is not a finite number");
  expect_error(tmp, "nan.txt", "a 1 nan\n", "nan.txt:1: value 2 of 'a', 'nan', is not a finite number");
  expect_error(tmp, "short.txt", "3 2\na 1 2\nb 3 4\n", "short.txt: the header says 3 words, the file has 2");
  expect_error(tmp, "long.txt", "1 2\na 1 2\nb 3 4\n", "long.txt:3: more words than the header's 1");
  expect_error(tmp, "empty.txt", "", "empty.txt: empty file");
  expect_error(tmp, "zero.txt", "0 100\n", "zero.txt:1: the header '0 100' needs at least one word");
  expect_error(tmp, "lonely.txt", "word\n", "lonely.txt:1: expected a word and its values");
  const std::string full = "2 3\na " + le_floats({1, 2, 3}) + "\nb " + le_floats({4, 5, 6}) + "\n";
  expect_error(tmp, "cut.bin", full.substr(0, full.size() - 8),
               "cut.bin: record 2 of 2 ('b'): truncated, 5 of 12 bytes");
  expect_error(tmp, "few.bin", "3 3\na " + le_floats({1, 2, 3}) + "\n", "few.bin: record 2 of 3: the file ends");
  expect_error(tmp, "more.bin", full + "c " + le_floats({1, 2, 3}) + "\n",
               "more.bin: more data after the header's 2 words");
  const std::string e = error_of([&] { read_word_vectors(tmp / "none.txt"); });
  EXPECT_NE(e.find("none.txt: no such file"), std::string::npos) << e;
  // A word that no vectors file can hold is refused before anything is written.
  WordVectors bad{{"two words"}, torch::zeros({1, 2})};
  EXPECT_NE(error_of([&] {
              write_word_vectors(tmp / "bad.txt", bad, WordVectorsFormat::kWord2VecText);
            }).find("word 1 ('two words') is empty or holds whitespace"),
            std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(tmp / "bad.txt"));
}

TEST(WordVectors, NeighboursAndAnalogiesByCosine) {
  // Hand-made 2-D vectors: cosines are the cosines of the angles between them.
  WordVectors v{
      {"man", "king", "woman", "queen", "apple", "pear"},
      torch::tensor({1.0f, 0.0f, 2.0f, 2.0f, 0.0f, 1.0f, -0.5f, 3.0f, 1.0f, -1.0f, 2.0f, -1.9f}).reshape({6, 2})};
  const WordIndex index(v, "hand.txt");
  const auto near = index.similar("man", 2);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0].word, "pear");  // cos = 2 / sqrt(7.61) = 0.7250 > cos(man, king) = cos(man, apple) = 0.7071
  EXPECT_NEAR(near[0].similarity, 2 / std::sqrt(7.61), 1e-6);
  EXPECT_NEAR(near[1].similarity, std::sqrt(0.5), 1e-6);
  EXPECT_EQ(index.similar("man", 100).size(), 5u);  // every other word, not the word itself
  // man : king = woman : ?   unit(king) - unit(man) + unit(woman) = (-0.293, 1.707): queen, not woman itself.
  const auto a = index.analogy("man", "king", "woman", 3);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].word, "queen");
  const double qx = -0.5 / std::sqrt(9.25), qy = 3 / std::sqrt(9.25);
  const double tx = std::sqrt(0.5) - 1, ty = std::sqrt(0.5) + 1;
  EXPECT_NEAR(a[0].similarity, (qx * tx + qy * ty) / std::sqrt(tx * tx + ty * ty), 1e-5);
  for (const auto& n : a) EXPECT_TRUE(n.word != "man" && n.word != "king" && n.word != "woman");
  const std::string e = error_of([&] { index.similar("quen", 1); });
  EXPECT_NE(e.find("'quen' is not among the 6 words of hand.txt; did you mean 'queen'?"), std::string::npos) << e;
  EXPECT_THROW(index.analogy("man", "king", "zebra", 1), UsageError);
}

}  // namespace
}  // namespace latent

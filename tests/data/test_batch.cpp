// Batches and data sources: named fields, tensor sources as fast paths of index_select, padded
// and sorted token batches with their lengths, bucketing by length, the prefetch thread, and a
// packed LSTM trained through the loop on variable-length sequences (packed equals padded-and-cut).
#include <gtest/gtest.h>

#include "latent/data/batch.h"
#include "latent/training/loop.h"
#include "test_util.h"

namespace latent {
namespace {

TEST(Batch, NamedFieldsAndAClearErrorForAMissingOne) {
  Batch b({{"x", torch::zeros({2, 3})}, {"y", torch::ones({2})}}, 2);
  EXPECT_TRUE(b.has("x"));
  EXPECT_FALSE(b.has("tokens"));
  EXPECT_EQ(b["y"].size(0), 2);
  try {
    (void)b["tokens"];
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "batch: no field 'tokens' (it has: x, y)");
  }
  b.set("lengths", torch::ones({2}));
  EXPECT_TRUE(b.has("lengths"));
}

TEST(TensorSource, GathersEveryFieldAndSkipsUndefinedOnes) {
  const auto x = torch::arange(12, torch::kFloat32).reshape({6, 2});
  const auto y = torch::arange(6, torch::kInt64);
  TensorSource s({{"x", x}, {"y", y}, {"none", torch::Tensor()}});
  EXPECT_EQ(s.size(), 6);
  const Batch b = s.get(torch::tensor({4, 1}, torch::kInt64));
  EXPECT_EQ(b.size(), 2);
  EXPECT_TRUE(torch::equal(b["x"], x.index_select(0, torch::tensor({4, 1}))));
  EXPECT_TRUE(torch::equal(b["y"], torch::tensor({4, 1}, torch::kInt64)));
  EXPECT_FALSE(b.has("none"));
  EXPECT_THROW(TensorSource({{"x", x}, {"y", torch::zeros({5})}}), Error);
}

SequenceSource letters(SequenceOptions o) {
  // lengths 3, 1, 5, 2
  return SequenceSource({{1, 2, 3}, {4}, {5, 6, 7, 8, 9}, {10, 11}}, torch::tensor({0, 1, 0, 1}, torch::kInt64), o);
}

TEST(SequenceSource, PadsToTheLongestInTheBatchAndKeepsLengths) {
  const Batch b = letters({}).get(torch::tensor({0, 1, 3}, torch::kInt64));
  EXPECT_TRUE(torch::equal(b["tokens"], torch::tensor({1, 2, 3, 4, 0, 0, 10, 11, 0}, torch::kInt64).reshape({3, 3})));
  EXPECT_TRUE(torch::equal(b["lengths"], torch::tensor({3, 1, 2}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(b["y"], torch::tensor({0, 1, 1}, torch::kInt64)));
  EXPECT_FALSE(b.has("index"));
}

TEST(SequenceSource, TruncatesAndPadsAtEitherEndAsKerasDoes) {
  SequenceOptions o;
  o.max_length = 3;
  o.pad_id = 9;
  o.truncate_front = true;  // truncating="pre": keep the last tokens
  o.pad_front = true;       // padding="pre"
  const Batch b = letters(o).get(torch::tensor({2, 3}, torch::kInt64));
  EXPECT_TRUE(torch::equal(b["tokens"], torch::tensor({7, 8, 9, 9, 10, 11}, torch::kInt64).reshape({2, 3})));
  EXPECT_TRUE(torch::equal(b["lengths"], torch::tensor({3, 2}, torch::kInt64)));
  o.truncate_front = o.pad_front = false;
  const Batch post = letters(o).get(torch::tensor({2, 3}, torch::kInt64));
  EXPECT_TRUE(torch::equal(post["tokens"], torch::tensor({5, 6, 7, 10, 11, 9}, torch::kInt64).reshape({2, 3})));
}

TEST(SequenceSource, SortsABatchByLengthForPackingAndSaysWhereEachRowCameFrom) {
  SequenceOptions o;
  o.sort_by_length = true;
  const Batch b = letters(o).get(torch::tensor({0, 1, 2, 3}, torch::kInt64));
  EXPECT_TRUE(torch::equal(b["lengths"], torch::tensor({5, 3, 2, 1}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(b["index"], torch::tensor({2, 0, 3, 1}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(b["y"], torch::tensor({0, 0, 1, 1}, torch::kInt64)));
}

TEST(SequenceSource, BucketingGroupsSimilarLengthsDeterministically) {
  std::vector<std::vector<int64_t>> seqs;
  for (int64_t i = 0; i < 40; ++i) seqs.push_back(std::vector<int64_t>(static_cast<size_t>(1 + (i * 7) % 13), i));
  SequenceOptions o;
  o.bucket_batches = 5;  // windows of 5 batches of 4
  SequenceSource s(seqs, {}, o);
  auto gen = at::detail::createCPUGenerator(3);
  const auto order = torch::randperm(40, gen, torch::kInt64);
  const auto arranged = s.arrange(order, 4);
  EXPECT_TRUE(torch::equal(arranged, s.arrange(order, 4)));
  EXPECT_TRUE(torch::equal(std::get<0>(arranged.sort()), torch::arange(40, torch::kInt64)));  // a permutation still
  // Within each window of 20 the lengths fall; padding per batch is smaller than without buckets.
  auto padding = [&](const torch::Tensor& ord) {
    int64_t pad = 0;
    for (const auto& idx : batch_slices(ord, 4)) {
      const Batch b = s.get(idx);
      pad += b["tokens"].numel() - b["lengths"].sum().item<int64_t>();
    }
    return pad;
  };
  EXPECT_LT(padding(arranged), padding(order));
  EXPECT_TRUE(torch::equal(s.arrange(order, 4), order) == false);
  SequenceSource plain(seqs, {}, {});
  EXPECT_TRUE(torch::equal(plain.arrange(order, 4), order));
}

TEST(Prefetcher, ServesTheSameBatchesOnABackgroundThread) {
  const auto x = torch::rand({50, 3});
  TensorSource s({{"x", x}});
  const auto slices = batch_slices(torch::randperm(50, torch::kInt64), 8);
  Prefetcher direct(s, slices, 2, false), background(s, slices, 2, true);
  for (size_t i = 2; i < slices.size(); ++i) EXPECT_TRUE(torch::equal(direct.get(i)["x"], background.get(i)["x"])) << i;
  Prefetcher abandoned(s, slices, 0, true);  // destroyed before every batch is taken: joins cleanly
  (void)abandoned.get(0);
}

// Embedding -> LSTM over packed sequences -> the last hidden state -> a linear score.
struct PackedLstm : torch::nn::Module {
  torch::nn::Embedding embed{nullptr};
  torch::nn::LSTM lstm{nullptr};
  torch::nn::Linear head{nullptr};
  PackedLstm() {
    embed = register_module("embed", torch::nn::Embedding(torch::nn::EmbeddingOptions(12, 6).padding_idx(0)));
    lstm = register_module("lstm", torch::nn::LSTM(torch::nn::LSTMOptions(6, 8).batch_first(true)));
    head = register_module("head", torch::nn::Linear(8, 1));
  }
  // tokens (B, T) sorted by decreasing length, lengths (B) -> (B) scores
  torch::Tensor forward(const torch::Tensor& tokens, const torch::Tensor& lengths) {
    auto packed = torch::nn::utils::rnn::pack_padded_sequence(embed->forward(tokens), lengths, /*batch_first=*/true);
    auto out = lstm->forward_with_packed_input(packed);
    auto h = std::get<0>(std::get<1>(out));  // (layers, B, hidden)
    return head->forward(h[-1]).squeeze(1);
  }
};

TEST(SequenceSource, TrainsAPackedLstmThroughTheLoopOnVariableLengthBatches) {
  torch::manual_seed(5);
  // Class 1: sequences of 3s and 4s; class 0: of 5s and 6s; lengths 2 to 9.
  std::vector<std::vector<int64_t>> seqs;
  std::vector<int64_t> labels;
  for (int64_t i = 0; i < 48; ++i) {
    const int64_t len = 2 + i % 8, cls = i % 2;
    std::vector<int64_t> s;
    for (int64_t t = 0; t < len; ++t) s.push_back(cls ? 3 + t % 2 : 5 + t % 2);
    seqs.push_back(s);
    labels.push_back(cls);
  }
  SequenceOptions o;
  o.sort_by_length = true;
  o.bucket_batches = 2;
  SequenceSource source(seqs, torch::tensor(labels, torch::kInt64), o);
  auto model = std::make_shared<PackedLstm>();
  // Packed equals running each sequence alone, unpadded (what packing is for).
  {
    torch::NoGradGuard no_grad;
    const Batch b = source.get(torch::arange(6, torch::kInt64));
    const auto scores = model->forward(b["tokens"], b["lengths"]);
    for (int64_t r = 0; r < 6; ++r) {
      const int64_t len = b["lengths"][r].item<int64_t>();
      const auto alone =
          model->forward(b["tokens"].slice(0, r, r + 1).slice(1, 0, len), torch::tensor({len}, torch::kInt64));
      EXPECT_NEAR(scores[r].item<double>(), alone[0].item<double>(), 1e-6) << r;
    }
  }
  TrainSession session;
  session.add_module("model", model);
  session.add_optimizer("model",
                        std::make_unique<torch::optim::Adam>(model->parameters(), torch::optim::AdamOptions(0.02)));
  LoopOptions lo;
  lo.training.epochs = 15;
  lo.training.batch_size = 8;
  auto step = [&](const Batch& b, TrainSession& s) {
    auto loss =
        torch::binary_cross_entropy_with_logits(model->forward(b["tokens"], b["lengths"]), b["y"].to(torch::kFloat32));
    s.minimize("model", loss);
    StepStats stats;
    stats.mean("loss", loss, static_cast<double>(b.size()));
    return stats;
  };
  auto progress = make_progress(ProgressStyle::kQuiet);
  const History h = train_loop(session, source, step, nullptr, lo, *progress);
  EXPECT_LT(h.back().train_loss, 0.1 * h.front().train_loss) << h.front().train_loss << " -> " << h.back().train_loss;
}

}  // namespace
}  // namespace latent

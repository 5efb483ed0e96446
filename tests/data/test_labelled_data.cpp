// Labelled data for classifiers: class sub-folders of images (names, labels, resizing said once,
// bad folders and files), CSV/TSV tables with numeric or text labels (and every bad cell named by
// file, line and column), the training-split standardisation, and stratified seeded splits.
#include <gtest/gtest.h>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/data/class_folders.h"
#include "latent/data/csv.h"
#include "latent/data/labelled_table.h"
#include "latent/data/stratified_split.h"
#include "latent/report/image_grid.h"
#include "test_util.h"

namespace latent {
namespace {

using testing::error_of;
using testing::TempDir;
using testing::write_bytes;
namespace fs = std::filesystem;

// n gray PNGs of h x w in dir, each a different brightness.
void write_pngs(const fs::path& dir, int n, int64_t h, int64_t w, int64_t channels = 1) {
  fs::create_directories(dir);
  for (int i = 0; i < n; ++i) {
    auto img = torch::full({channels, h, w}, 0.1f + 0.2f * static_cast<float>(i));
    if (channels == 3) img[0].fill_(0.9f);
    write_image_png(dir / ("img" + std::to_string(i) + ".png"), img);
  }
}

ClassFoldersOptions size8() {
  ClassFoldersOptions o;
  o.image_size = 8;
  return o;
}

TEST(ClassFolders, ReadsClassesInSortedOrderAndSaysMixedSizesOnce) {
  TempDir tmp;
  write_pngs(tmp / "zebra", 2, 10, 12);
  write_pngs(tmp / "cat", 3, 8, 8);
  write_pngs(tmp / ".ipynb_checkpoints", 1, 8, 8);  // hidden: skipped
  write_pngs(tmp.path(), 1, 8, 8);                  // images directly in the root: ignored
  write_bytes(tmp / "cat" / "notes.txt", "not an image");
  auto d = read_class_folders(tmp.path(), size8());
  EXPECT_EQ(d.class_names, (std::vector<std::string>{"cat", "zebra"}));
  EXPECT_EQ(d.x.sizes(), (std::vector<int64_t>{5, 1, 8, 8}));
  EXPECT_TRUE(torch::equal(d.y, torch::tensor({0, 0, 0, 1, 1}, torch::kInt64)));
  ASSERT_EQ(d.files.size(), 5u);
  EXPECT_EQ(d.files[0].filename(), "img0.png");
  EXPECT_EQ(d.files[3].parent_path().filename(), "zebra");
  EXPECT_GE(d.x.min().item<float>(), 0.0f);
  EXPECT_LE(d.x.max().item<float>(), 1.0f);
  // The first cat image is a flat 0.1 gray (PNG's 8 bits: 26/255).
  EXPECT_NEAR(d.x[0].mean().item<float>(), 26.0f / 255.0f, 1e-6);
  EXPECT_EQ(d.resized, 2);
  EXPECT_NE(
      d.note.find(
          "data.path: the images come in more than one size (width x height from 8x8 to 12x10); 2 of 5 were resized to 8x8"),
      std::string::npos)
      << d.note;
}

TEST(ClassFolders, OneSizeHasNoNoteAndColourIsKept) {
  TempDir tmp;
  write_pngs(tmp / "a", 2, 6, 6, 3);
  write_pngs(tmp / "b", 2, 6, 6, 1);
  auto o = size8();
  auto d = read_class_folders(tmp.path(), o);
  EXPECT_TRUE(d.note.empty()) << d.note;
  EXPECT_EQ(d.resized, 4);  // all 6x6 -> 8x8, one size: nothing to say
  EXPECT_EQ(d.x.size(1), 3);
  o.channels = 1;
  EXPECT_EQ(read_class_folders(tmp.path(), o).x.size(1), 1);
  o.image_size = 6;
  EXPECT_EQ(read_class_folders(tmp.path(), o).resized, 0);
}

TEST(ClassFolders, BadFoldersAreOneLineErrors) {
  TempDir tmp;
  EXPECT_NE(error_of([&] {
              read_class_folders(tmp / "missing", size8());
            }).find("data.path: '" + (tmp / "missing").string() + "' is not a folder"),
            std::string::npos);
  write_pngs(tmp / "flat", 3, 8, 8);
  EXPECT_NE(error_of([&] { read_class_folders(tmp / "flat", size8()); }).find("has no class sub-folders"),
            std::string::npos);
  write_pngs(tmp / "one" / "cat", 2, 8, 8);
  EXPECT_NE(error_of([&] {
              read_class_folders(tmp / "one", size8());
            }).find("has one class folder ('cat'); a classifier needs at least two"),
            std::string::npos);
  write_pngs(tmp / "empty" / "cat", 2, 8, 8);
  fs::create_directories(tmp / "empty" / "dog");
  write_bytes(tmp / "empty" / "dog" / "readme.txt", "no images");
  EXPECT_NE(error_of([&] {
              read_class_folders(tmp / "empty", size8());
            }).find("data.path: class folder '" + (tmp / "empty" / "dog").string() + "' holds no image files"),
            std::string::npos);
  write_pngs(tmp / "broken" / "cat", 2, 8, 8);
  write_pngs(tmp / "broken" / "dog", 1, 8, 8);
  write_bytes(tmp / "broken" / "dog" / "bad.png", "this is not a PNG");
  const std::string broken = error_of([&] { read_class_folders(tmp / "broken", size8()); });
  EXPECT_NE(broken.find((tmp / "broken" / "dog" / "bad.png").string() + ": not a readable image"), std::string::npos)
      << broken;
  EXPECT_EQ(broken.find('\n'), std::string::npos);
  auto o = size8();
  o.what = "--data";
  o.channels = 2;
  try {
    read_class_folders(tmp / "broken", o);
    FAIL() << "no error";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("data.channels: 1, 3 or 0"), std::string::npos);
  }
}

fs::path write_text(const TempDir& tmp, const std::string& name, const std::string& text) {
  write_bytes(tmp / name, text);
  return tmp / name;
}

LabelledTableOptions label(const std::string& column, int64_t classes = 0) {
  LabelledTableOptions o;
  o.label = column;
  o.classes = classes;
  return o;
}

TEST(LabelledTable, TextLabelsAreNumberedInSortedOrder) {
  TempDir tmp;
  auto p = write_text(tmp, "t.csv", "a,species,b\n1,dog,2\n3,cat,4\n5,\"New York, cat\",6\n7,dog,8\n");
  auto t = read_labelled_table(p, label("species"));
  EXPECT_FALSE(t.numeric_labels);
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"New York, cat", "cat", "dog"}));
  EXPECT_TRUE(torch::equal(t.y, torch::tensor({2, 1, 0, 2}, torch::kInt64)));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(torch::equal(t.x, torch::tensor({{1.0f, 2.0f}, {3.0f, 4.0f}, {5.0f, 6.0f}, {7.0f, 8.0f}})));
}

TEST(LabelledTable, NumericLabelsAndTsvByExtensionOrHeader) {
  TempDir tmp;
  auto tsv = write_text(tmp, "t.tsv", "x1\tx2\ty\n0.5\t1\t0\n1.5\t2\t2\n2.5\t3\t1.0\n");
  auto t = read_labelled_table(tsv, label("y"));
  EXPECT_TRUE(t.numeric_labels);
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_TRUE(torch::equal(t.y, torch::tensor({0, 2, 1}, torch::kInt64)));
  EXPECT_TRUE(torch::allclose(t.x, torch::tensor({{0.5f, 1.0f}, {1.5f, 2.0f}, {2.5f, 3.0f}})));
  auto by_header = write_text(tmp, "t.txt", "x1\tx2\ty\n0.5\t1\t0\n1.5\t2\t1\n");
  EXPECT_EQ(detect_delimiter(by_header), '\t');
  EXPECT_EQ(read_labelled_table(by_header, label("y")).x.size(1), 2);
  EXPECT_EQ(detect_delimiter(write_text(tmp, "c.txt", "a,b\tc\n1,2\n")), ',');
  // Declared classes: K = 5 even though only 0..2 occur.
  EXPECT_EQ(read_labelled_table(tsv, label("y", 5)).class_names.size(), 5u);
}

TEST(LabelledTable, BadCellsNameFileLineAndColumn) {
  TempDir tmp;
  // Line 3 is blank; the out-of-range label is on line 4.
  auto range = write_text(tmp, "range.csv", "a,b,label\n1,2,0\n\n3,4,3\n");
  EXPECT_NE(
      error_of([&] {
        read_labelled_table(range, label("label", 3));
      }).find(range.string() + ": line 4, column 3 ('label'): label 3 is out of range: data.classes = 3 allows 0..2"),
      std::string::npos);
  auto negative = write_text(tmp, "neg.csv", "a,label\n1,0\n2,-1\n");
  EXPECT_NE(error_of([&] {
              read_labelled_table(negative, label("label"));
            }).find("neg.csv: line 3, column 2 ('label'): label '-1' is not a class number"),
            std::string::npos);
  auto fraction = write_text(tmp, "frac.csv", "a,label\n1,0\n2,1.5\n");
  EXPECT_NE(error_of([&] {
              read_labelled_table(fraction, label("label"));
            }).find("line 3, column 2 ('label'): label '1.5' is not a class number"),
            std::string::npos);
  auto missing = write_text(tmp, "missing.csv", "a,label\n1,cat\n2,\n");
  EXPECT_NE(error_of([&] {
              read_labelled_table(missing, label("label"));
            }).find("missing.csv: line 3, column 2 ('label'): empty cell"),
            std::string::npos);
  auto text = write_text(tmp, "text.csv", "a,b,label\n1,2,cat\n3,four,dog\n");
  EXPECT_NE(error_of([&] {
              read_labelled_table(text, label("label"));
            }).find("text.csv: line 3, column 2 ('b'): 'four' is not a number"),
            std::string::npos);
  auto one = write_text(tmp, "one.csv", "a,label\n1,cat\n2,cat\n");
  EXPECT_NE(error_of([&] { read_labelled_table(one, label("label")); }).find("holds one class only ('cat')"),
            std::string::npos);
  auto ragged = write_text(tmp, "ragged.tsv", "a\tlabel\n1\tcat\n2\tdog\textra\n");
  EXPECT_NE(error_of([&] { read_labelled_table(ragged, label("label")); }).find("line 3: 3 fields, the header has 2"),
            std::string::npos);
}

TEST(LabelledTable, MissingLabelColumnListsColumnsAndSuggestsTheNearest) {
  TempDir tmp;
  auto p = write_text(tmp, "t.csv", "sepal_length,sepal_width,Species\n1,2,a\n3,4,b\n");
  const std::string e = error_of([&] { read_labelled_table(p, label("species ")); });
  EXPECT_NE(
      e.find(
          "no label column 'species ' in the header (columns: sepal_length, sepal_width, Species); did you mean 'Species'?"),
      std::string::npos)
      << e;
  EXPECT_EQ(error_of([&] { read_labelled_table(p, label("colour")); }).find("did you mean"), std::string::npos);
  try {
    read_labelled_table(p, label(""));
    FAIL() << "no error";
  } catch (const UsageError& u) {
    EXPECT_NE(std::string(u.what()).find("data.label: required"), std::string::npos);
  }
  EXPECT_EQ(edit_distance("kitten", "sitting"), 3u);
  EXPECT_EQ(nearest_name("CLAS", {"Amount", "Class", "Time"}), "Class");
  EXPECT_EQ(nearest_name("zzzzzz", {"Amount", "Class"}), "");
}

TEST(LabelledTable, TabSplittingKeepsQuotedTabs) {
  std::vector<std::string> fields;
  EXPECT_EQ(split_csv_line("1\t\"a\tb\"\t3", fields, '\t'), "");
  EXPECT_EQ(fields, (std::vector<std::string>{"1", "a\tb", "3"}));
  EXPECT_EQ(split_csv_line("1,2\t3", fields, '\t'), "");
  EXPECT_EQ(fields, (std::vector<std::string>{"1,2", "3"}));
}

TEST(Standardizer, FitsOnTrainingRowsAndAppliesToOthers) {
  // Column 0: 1 3 5 -> mean 3, population std √(8/3); column 1 is constant: std 1.
  auto train = torch::tensor({{1.0f, 10.0f}, {3.0f, 10.0f}, {5.0f, 10.0f}});
  auto s = Standardizer::fit(train);
  EXPECT_TRUE(torch::allclose(s.mean, torch::tensor({3.0, 10.0}, torch::kFloat64)));
  EXPECT_NEAR(s.std[0].item<double>(), std::sqrt(8.0 / 3.0), 1e-12);
  EXPECT_EQ(s.std[1].item<double>(), 1.0);
  auto other = s.apply(torch::tensor({{3.0f, 11.0f}, {3.0f + std::sqrt(8.0f / 3.0f), 9.0f}}));
  EXPECT_EQ(other.scalar_type(), torch::kFloat32);
  EXPECT_TRUE(torch::allclose(other, torch::tensor({{0.0f, 1.0f}, {1.0f, -1.0f}}), 1e-6, 1e-6));
  auto z = s.apply(train);
  EXPECT_NEAR(z.select(1, 0).mean().item<double>(), 0.0, 1e-6);
  EXPECT_NEAR(z.select(1, 0).std(/*unbiased=*/false).item<double>(), 1.0, 1e-6);
  EXPECT_NE(error_of([&] {
              s.apply(torch::zeros({2, 3}));
            }).find("fitted on 2 columns, applied to 3"),
            std::string::npos);
}

// Per-class counts of labels[index].
std::vector<int64_t> counts(const torch::Tensor& labels, const torch::Tensor& index, int64_t classes) {
  auto c = torch::bincount(labels.index_select(0, index), {}, classes);
  return std::vector<int64_t>(c.data_ptr<int64_t>(), c.data_ptr<int64_t>() + classes);
}

TEST(StratifiedSplit, KeepsEachClassShareAndIsSeeded) {
  // 60 / 30 / 10 examples, interleaved; 20% held out -> 12 / 6 / 2.
  auto labels = torch::cat(
      {torch::zeros({60}, torch::kInt64), torch::ones({30}, torch::kInt64), torch::full({10}, 2, torch::kInt64)});
  labels = labels.index_select(0, torch::randperm(100, at::detail::createCPUGenerator(5), torch::kInt64));
  auto s = stratified_split(labels, 0.2, 7, "data.val_split");
  EXPECT_EQ(counts(labels, s.held_out, 3), (std::vector<int64_t>{12, 6, 2}));
  EXPECT_EQ(counts(labels, s.train, 3), (std::vector<int64_t>{48, 24, 8}));
  // A partition of 0..99, each part sorted.
  auto all = std::get<0>(torch::sort(torch::cat({s.train, s.held_out})));
  EXPECT_TRUE(torch::equal(all, torch::arange(100, torch::kInt64)));
  EXPECT_TRUE(torch::equal(s.train, std::get<0>(torch::sort(s.train))));
  // Same seed, same split; another seed, another.
  EXPECT_TRUE(torch::equal(stratified_split(labels, 0.2, 7, "data.val_split").held_out, s.held_out));
  EXPECT_FALSE(torch::equal(stratified_split(labels, 0.2, 8, "data.val_split").held_out, s.held_out));
}

TEST(StratifiedSplit, UnevenSharesGoToTheLargestRemaindersAndSingletonsStayInTraining) {
  // 7 / 5 / 1 examples, 30%: 4 held out of 13; shares 2.1, 1.5, 0.3 -> floors 2, 1, 0; the one left
  // goes to class 1 (remainder .5); class 2's only example stays in training.
  std::vector<int64_t> y(7, 0);
  y.insert(y.end(), 5, 1);
  y.push_back(2);
  auto labels = torch::tensor(y, torch::kInt64);
  auto s = stratified_split(labels, 0.3, 1, "data.test_split");
  EXPECT_EQ(counts(labels, s.held_out, 3), (std::vector<int64_t>{2, 2, 0}));
  EXPECT_EQ(s.train.size(0), 9);
}

TEST(RandomSplit, HoldsOutTheRoundedShareSeeded) {
  auto s = random_split(10, 0.25, 3, "data.test_split");  // round(2.5) = 3 held out
  EXPECT_EQ(s.held_out.size(0), 3);
  EXPECT_EQ(s.train.size(0), 7);
  auto all = std::get<0>(torch::sort(torch::cat({s.train, s.held_out})));
  EXPECT_TRUE(torch::equal(all, torch::arange(10, torch::kInt64)));
  EXPECT_TRUE(torch::equal(s.held_out, std::get<0>(torch::sort(s.held_out))));
  EXPECT_TRUE(torch::equal(random_split(10, 0.25, 3, "k").held_out, s.held_out));
  EXPECT_EQ(random_split(2, 0.01, 3, "k").held_out.size(0), 1);  // at least one each side
  EXPECT_NE(error_of([] { random_split(1, 0.5, 0, "data.val_split"); }).find("data.val_split: 1 examples"),
            std::string::npos);
}

TEST(LabelledTable, MultiLabelColumnsAreSplitFromTheFeatures) {
  TempDir tmp;
  testing::write_bytes(tmp / "m.csv", "a,f1,b,f2\n1,0.5,0,2\n0,1.5,1,3\n1,2.5,1,4\n");
  const LabelledTable t = read_multilabel_table(tmp / "m.csv", {"b", "a"});
  EXPECT_TRUE(t.multi_label);
  EXPECT_EQ(t.class_names, (std::vector<std::string>{"b", "a"}));
  EXPECT_EQ(t.feature_names, (std::vector<std::string>{"f1", "f2"}));
  EXPECT_TRUE(torch::equal(t.y, torch::tensor({{0, 1}, {1, 0}, {1, 1}}, torch::kInt64)));
  EXPECT_TRUE(torch::equal(t.x, torch::tensor({{0.5f, 2.0f}, {1.5f, 3.0f}, {2.5f, 4.0f}})));
  EXPECT_NE(error_of([&] { read_multilabel_table(tmp / "m.csv", {"a"}); }).find("at least two label columns"),
            std::string::npos);
  EXPECT_NE(error_of([&] { read_multilabel_table(tmp / "m.csv", {"a", "a"}); }).find("'a' is listed twice"),
            std::string::npos);
  testing::write_bytes(tmp / "only.csv", "a,b\n1,0\n");
  EXPECT_NE(error_of([&] { read_multilabel_table(tmp / "only.csv", {"a", "b"}); }).find("no feature columns"),
            std::string::npos);
}

TEST(StratifiedSplit, BadArgumentsNameTheKey) {
  auto labels = torch::tensor({0, 1, 0, 1}, torch::kInt64);
  for (double f : {0.0, 1.0, -0.5}) {
    try {
      stratified_split(labels, f, 0, "data.val_split");
      FAIL() << "no error for " << f;
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("data.val_split: must be between 0 and 1"), std::string::npos);
    }
  }
  EXPECT_NE(error_of([] {
              stratified_split(torch::tensor({0}, torch::kInt64), 0.5, 0, "data.val_split");
            }).find("1 examples cannot be split"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              stratified_split(torch::tensor({0.0, 1.0}), 0.5, 0, "data.val_split");
            }).find("integer class labels"),
            std::string::npos);
}

}  // namespace
}  // namespace latent

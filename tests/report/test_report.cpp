// report.html, `latent report`, `latent compare` and the run's TensorBoard files, on a tiny
// two-variant run: self-contained (no URL but data: URIs), escaped, rebuilt identically from the
// folder's files, and clear one-line errors for folders that are not runs.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "cli_util.h"
#include "latent/report/chart.h"
#include "latent/report/html_report.h"
#include "latent/report/run_folder.h"
#include "latent/report/tensorboard.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;
const auto& cli = testing::run_cli;

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// A two-variant reconstruction run on 8x8 synthetic digits, 2 epochs: a few seconds.
void tiny_run(const TempDir& tmp, const std::string& out) {
  testing::write_synthetic_idx(tmp / "data", 96, 24, 8);
  auto r = cli({"run",     "dae-mnist",
                "--set",   "data.dataset=idx",
                "--set",   "data.path=" + (tmp / "data").string(),
                "--set",   "model.hidden=[8]",
                "--set",   "model.latent=3",
                "--set",   "training.epochs=2",
                "--set",   "evaluation.grid_images=4",
                "--set",   "description=<b>denoising & \"plain\"</b>",
                "--out",   (tmp / out).string(),
                "--quiet", "--threads",
                "1"});
  ASSERT_EQ(r.code, 0) << r.err;
}

TEST(Report, RunFolderGetsSelfContainedReportEventsAndRebuildsIt) {
  TempDir tmp;
  tiny_run(tmp, "run");
  const fs::path run = tmp / "run";
  const std::string html = testing::read_file(run / "report.html");
  ASSERT_FALSE(html.empty());
  // Self-contained: no URL at all, every image inline.
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  const size_t images = count(html, "<img ");
  EXPECT_EQ(count(html, " src=\"data:image/"), images);
  EXPECT_EQ(count(html, " src="), images);
  // Per variant (2): reconstructions grid, and where the build draws charts (PLplot) the training loss
  // and learning rate charts.
  EXPECT_GE(images, charts_available() ? 6u : 2u);
  EXPECT_EQ(count(html, "src=\"data:image/png;base64,iVBORw0KGgo"), count(html, "class=\"grid\""));
  // Escaped text, the machine header, the sweep with its best variant, one section per variant.
  EXPECT_NE(html.find("&lt;b&gt;denoising &amp; &quot;plain&quot;&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(html.find("<b>denoising"), std::string::npos);
  const auto metrics = nlohmann::json::parse(testing::read_file(run / "metrics.json"));
  for (const char* k : {"host", "cpu", "libtorch", "device", "threads"})
    EXPECT_TRUE(metrics["machine"].contains(k)) << k;
  EXPECT_TRUE(metrics.contains("started"));
  EXPECT_NE(html.find("<th>LibTorch</th><td>" + metrics["machine"]["libtorch"].get<std::string>() + "</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<th>seed</th><td>42</td>"), std::string::npos);
  EXPECT_NE(html.find("<th>wall time</th>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Sweep</h2>"), std::string::npos);
  EXPECT_EQ(count(html, "<tr class=\"best\">"), 1u);
  EXPECT_NE(html.find("<h2>Variant denoising</h2>"), std::string::npos);
  EXPECT_NE(html.find("<h2>Variant plain</h2>"), std::string::npos);
  EXPECT_EQ(count(html, "<h3>Resolved spec</h3>"), 2u);
  EXPECT_EQ(count(html, "<h3>Training curves</h3>"), charts_available() ? 2u : 0u);
  EXPECT_NE(html.find("<h2>Study figures</h2>"), std::string::npos);
  for (const char* v : {"denoising", "plain"})
    for (const char* f : {"figures/training_loss.svg", "figures/learning_rate.svg", "figures/pixel_accuracy.svg"})
      EXPECT_EQ(fs::exists(run / v / f), charts_available()) << v << f;

  // The best variant is the one with the higher test PSNR of denoised inputs.
  const auto& vs = metrics["variants"];
  const bool first_best =
      vs[0]["test"]["denoised_psnr_db"].get<double>() > vs[1]["test"]["denoised_psnr_db"].get<double>();
  const std::string best = vs[first_best ? 0 : 1]["name"].get<std::string>();
  EXPECT_NE(html.find("<tr class=\"best\"><td><a href=\"#variant-" + best + "\">"), std::string::npos) << best;

  // TensorBoard: one events file per variant with train/val loss and lr per epoch.
  for (const char* v : {"denoising", "plain"}) {
    std::vector<fs::path> events;
    for (const auto& e : fs::directory_iterator(run / v))
      if (e.path().filename().string().rfind("events.out.tfevents.", 0) == 0) events.push_back(e.path());
    ASSERT_EQ(events.size(), 1u) << v;
    const std::string bytes = testing::read_file(events[0]);
    EXPECT_EQ(count(bytes, "train_loss"), 2u);
    EXPECT_EQ(count(bytes, "val_loss"), 2u);
    EXPECT_EQ(count(bytes, "test/psnr_db"), 1u);
    EXPECT_EQ(count(bytes, "figures/reconstructions"), 1u);
  }

  // `latent report` rebuilds the same page (and charts) from the folder's files alone.
  fs::remove(run / "report.html");
  fs::remove(run / "plain" / "figures" / "training_loss.svg");
  auto r = cli({"report", run.string()});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(testing::read_file(run / "report.html"), html);
}

TEST(Report, CompareTablesAndOverlaidCurves) {
  TempDir tmp;
  tiny_run(tmp, "a");
  fs::copy(tmp / "a", tmp / "b", fs::copy_options::recursive);
  auto r = cli({"compare", (tmp / "a").string(), (tmp / "b").string(), "-o", (tmp / "cmp.html").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = testing::read_file(tmp / "cmp.html");
  EXPECT_EQ(html.find("http://"), std::string::npos);
  EXPECT_EQ(count(html, "<tr><td>" + (tmp / "a").string() + " / "), 2u);
  EXPECT_EQ(count(html, "<tr><td>" + (tmp / "b").string() + " / "), 2u);
  EXPECT_NE(html.find("<th>test PSNR (dB)</th>"), std::string::npos);  // the kind's declared columns
  EXPECT_EQ(count(html, "<img "), 3u);                                 // validation loss, training loss, learning rate
  EXPECT_EQ(count(html, "src=\"data:image/svg+xml;base64,"), 3u);
}

TEST(Report, BadRunFoldersGiveOneLineErrorsNamingTheFile) {
  TempDir tmp;
  auto one_line = [](const testing::CliResult& r) { return r.err.find('\n') == r.err.size() - 1; };
  auto r = cli({"report", (tmp / "nowhere").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("nowhere: not a folder"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(one_line(r));
  fs::create_directories(tmp / "empty");
  r = cli({"report", (tmp / "empty").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("metrics.json: missing"), std::string::npos) << r.err;
  testing::write_bytes(tmp / "empty" / "metrics.json", "{\"variants\": [");
  r = cli({"compare", (tmp / "empty").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("metrics.json: not valid JSON"), std::string::npos) << r.err;
  EXPECT_TRUE(one_line(r));
  testing::write_bytes(tmp / "empty" / "metrics.json", R"({"variants": [{"name": "v"}]})");
  testing::write_bytes(tmp / "empty" / "history.csv",
                       "epoch,train_loss,val_loss,lr,seconds\n1,0.5,0.4,0.001,1\n2,zero,0.3,0.001,1\n");
  r = cli({"report", (tmp / "empty").string()});
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("history.csv: line 3: train_loss 'zero' is not a number"), std::string::npos) << r.err;
  EXPECT_TRUE(one_line(r));
  testing::write_bytes(tmp / "empty" / "history.csv", "a,b\n1,2\n");
  EXPECT_NE(cli({"report", (tmp / "empty").string()}).err.find("history.csv: line 1: header without"),
            std::string::npos);
  EXPECT_EQ(cli({"compare"}).code, 2);
  // A minimal but valid folder: metrics and a history, nothing else; sections without content are left out.
  testing::write_bytes(tmp / "empty" / "history.csv", "epoch,train_loss,val_loss,lr,seconds\n1,0.5,,0.001,1\n");
  r = cli({"report", (tmp / "empty").string()});
  ASSERT_EQ(r.code, 0) << r.err;
  const std::string html = testing::read_file(tmp / "empty" / "report.html");
  EXPECT_EQ(html.find("<h2>Sweep</h2>"), std::string::npos);
  EXPECT_EQ(html.find("<h3>Figures</h3>"), std::string::npos);
  EXPECT_EQ(html.find("<h3>Resolved spec</h3>"), std::string::npos);
  EXPECT_EQ(html.find("<h3>Training curves</h3>") != std::string::npos, charts_available());  // a chart of the history
}

TEST(Report, Base64AndEscaping) {
  EXPECT_EQ(base64_encode(""), "");
  EXPECT_EQ(base64_encode("f"), "Zg==");
  EXPECT_EQ(base64_encode("fo"), "Zm8=");
  EXPECT_EQ(base64_encode("foo"), "Zm9v");
  EXPECT_EQ(base64_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64_encode(std::string("\xff\xfe\x00", 3)), "//4A");
  EXPECT_EQ(html_escape("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
}

}  // namespace
}  // namespace latent

// report.html in a real browser: headless Chromium opens the report of a run made here, and the
// test fails on any console message or any image that did not load (naturalWidth 0, checked by
// the page's own ?selftest script); a screenshot report.png is saved in the run folder (build/browser-test-run). A copy
// with one corrupted image must fail the same check, so the check is known to bite.
#include <gtest/gtest.h>

#include <cstdio>
#include <regex>

#include "cli_util.h"
#include "latent/report/chart.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

struct Output {
  int code = -1;
  std::string out, err;
};

Output shell(const std::string& cmd, const fs::path& err_file) {
  Output o;
  FILE* p = popen((cmd + " 2> '" + err_file.string() + "'").c_str(), "r");
  if (!p) return o;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) o.out.append(buf, n);
  o.code = pclose(p);
  o.err = testing::read_file(err_file);
  return o;
}

std::string chromium_command(const TempDir& tmp) {
  return "timeout 60 chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run --disable-extensions --hide-scrollbars "
         "--user-data-dir='" +
         (tmp / "profile").string() + "' ";
}

struct SelfTest {
  int images = -1, broken = -1;
  std::string detail;
  std::vector<std::string> console;
};

// Opens `html` with ?selftest and reads the result the page writes into its DOM.
SelfTest open_page(const TempDir& tmp, const fs::path& html) {
  const Output o =
      shell(chromium_command(tmp) + "--enable-logging=stderr --v=0 --virtual-time-budget=5000 --dump-dom 'file://" +
                fs::absolute(html).string() + "?selftest'",
            tmp / "chromium.err");
  SelfTest t;
  std::smatch m;
  if (std::regex_search(o.out, m, std::regex("SELFTEST images=(\\d+) broken=(\\d+)([^<]*) END"))) {
    t.images = std::stoi(m[1]);
    t.broken = std::stoi(m[2]);
    t.detail = m[3];
  } else {
    t.detail = "no self-test result in the DOM (exit " + std::to_string(o.code) + "): " + o.err.substr(0, 2000);
  }
  std::istringstream lines(o.err);
  for (std::string line; std::getline(lines, line);)
    if (line.find("CONSOLE") != std::string::npos) t.console.push_back(line);
  return t;
}

TEST(Browser, ReportLoadsEveryImageWithoutConsoleErrors) {
  if (std::system("command -v chromium > /dev/null 2>&1") != 0)
    GTEST_SKIP() << "chromium not installed (scripts/setup.sh installs it)";
  TempDir tmp;
  testing::write_synthetic_idx(tmp / "data", 96, 40);
  // The run stays behind in the build folder (browser-test-run/report.png) for people to look at.
  const fs::path run = fs::absolute("browser-test-run");
  fs::remove_all(run);
  // A VAE run: PNG grids, a PNG latent scatter and SVG training curves in one report.
  auto r = testing::run_cli({"run", "vae-fmnist", "--set", "data.path=" + (tmp / "data").string(), "--set",
                             "data.dataset=idx", "--set", "training.epochs=1", "--set", "model.hidden=[16]", "--out",
                             run.string(), "--quiet", "--threads", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  const fs::path report = run / "report.html";
  const std::string html = testing::read_file(report);
  size_t images = 0;
  for (size_t at = html.find("<img "); at != std::string::npos; at = html.find("<img ", at + 1)) ++images;
  ASSERT_GT(images, latent::charts_available() ? 10u : 5u);  // without PLplot: the PNG grids only

  const SelfTest ok = open_page(tmp, report);
  EXPECT_EQ(ok.images, static_cast<int>(images)) << ok.detail;
  EXPECT_EQ(ok.broken, 0) << ok.detail;
  EXPECT_TRUE(ok.console.empty()) << ok.console.front();

  // One corrupted data URI and one console message: the same checks must report both.
  std::string bad = html;
  bad.replace(bad.find("</body>"), 7, "<script>console.error('injected error');</script></body>");
  const std::string png = "data:image/png;base64,iVBORw0KGgo";
  const size_t at = bad.find(png);
  ASSERT_NE(at, std::string::npos);
  bad.replace(at, png.size(), "data:image/png;base64,AAAAAAAAAAA");
  testing::write_bytes(tmp / "broken.html", bad);
  const SelfTest broken = open_page(tmp, tmp / "broken.html");
  EXPECT_EQ(broken.images, static_cast<int>(images)) << broken.detail;
  EXPECT_EQ(broken.broken, 1) << broken.detail;
  ASSERT_EQ(broken.console.size(), 1u);
  EXPECT_NE(broken.console[0].find("injected error"), std::string::npos) << broken.console[0];

  // The screenshot, kept in the run folder.
  const fs::path shot = run / "report.png";
  shell(chromium_command(tmp) + "--window-size=1200,2000 --screenshot='" + shot.string() + "' 'file://" +
            fs::absolute(report).string() + "'",
        tmp / "chromium.err");
  const std::string bytes = testing::read_file(shot);
  ASSERT_GT(bytes.size(), 1000u);
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
}

}  // namespace
}  // namespace latent

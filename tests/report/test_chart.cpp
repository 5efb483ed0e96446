// PLplot charts: SVG and PNG files with the title, labels and legend in them; non-finite points
// skipped; bad paths rejected with an error instead of PLplot exiting the process.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "latent/report/chart.h"
#include "test_util.h"

namespace latent {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

// Width and height from a PNG's IHDR chunk.
std::pair<uint32_t, uint32_t> png_size(const std::string& bytes) {
  auto be32 = [&](size_t at) {
    return (uint32_t(uint8_t(bytes[at])) << 24) | (uint32_t(uint8_t(bytes[at + 1])) << 16) |
           (uint32_t(uint8_t(bytes[at + 2])) << 8) | uint32_t(uint8_t(bytes[at + 3]));
  };
  return {be32(16), be32(20)};
}

// The SVG with PLplot's character references (&#x4c;) turned back into ASCII characters.
std::string svg_text(const std::string& svg) {
  std::string out;
  for (size_t i = 0; i < svg.size(); ++i) {
    const size_t end = svg.find(';', i);
    if (svg.compare(i, 3, "&#x") == 0 && end != std::string::npos && end - i <= 6) {
      out += static_cast<char>(std::stoi(svg.substr(i + 3, end - i - 3), nullptr, 16));
      i = end;
    } else {
      out += svg[i];
    }
  }
  return out;
}

LineChart two_series() {
  LineChart c;
  c.title = "Loss #1 & <co>";
  c.x_label = "epoch";
  c.y_label = "loss";
  c.series.push_back({"train", {1, 2, 3}, {0.9, 0.5, 0.4}});
  c.series.push_back({"validation", {1, 2, 3}, {1.0, 0.7, 0.6}, -1, true});
  return c;
}

TEST(Chart, LineChartSvgHoldsTitleLabelsAndLegend) {
  if (!charts_available()) GTEST_SKIP() << "built without PLplot (LATENT_WITH_PLPLOT=OFF)";
  TempDir tmp;
  write_chart(tmp / "loss.svg", two_series());
  const std::string svg = testing::read_file(tmp / "loss.svg");
  ASSERT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
  EXPECT_EQ(svg.find("<co>"), std::string::npos);  // text is escaped by the driver
  // '#' reaches the picture as itself (it is PLplot's escape character).
  const std::string text = svg_text(svg);
  for (const char* s : {"Loss #1 & <co>", "epoch", "loss", "train", "validation"})
    EXPECT_NE(text.find(s), std::string::npos) << s;
  EXPECT_FALSE(fs::exists(tmp / "loss.svg.tmp"));
  EXPECT_EQ(render_svg(two_series()), svg);
}

TEST(Chart, EveryKindRendersAsPng) {
  if (!charts_available()) GTEST_SKIP() << "built without PLplot (LATENT_WITH_PLPLOT=OFF)";
  TempDir tmp;
  write_chart(tmp / "loss.png", two_series());
  ScatterChart s{"latent", "z1", "z2", {0, 1, 2, 3}, {0, 1, 0, 1}, {0, 1, 2, 1}, {"a", "b", "c"}, std::nullopt};
  write_chart(tmp / "scatter.png", s);
  HistogramChart h;
  h.title = "scores";
  h.groups = {{"normal", {1, 2, 2, 3}}, {"anomaly", {5, 6}}};
  h.markers = {{"threshold", 4.0}};
  write_chart(tmp / "hist.png", h);
  MatrixChart m{"confusion", "predicted", "true", {"normal", "fraud"}, {"normal", "fraud"}, {{90, 3}, {2, 5}}};
  write_chart(tmp / "confusion.png", m);
  for (const char* f : {"loss.png", "scatter.png", "hist.png", "confusion.png"}) {
    const std::string png = testing::read_file(tmp / f);
    ASSERT_GT(png.size(), 24u) << f;
    EXPECT_EQ(png.substr(1, 3), "PNG") << f;
  }
  EXPECT_EQ(png_size(testing::read_file(tmp / "loss.png")), std::make_pair(720u, 450u));
  EXPECT_EQ(png_size(testing::read_file(tmp / "scatter.png")), std::make_pair(720u, 560u));
  EXPECT_EQ(png_size(testing::read_file(tmp / "confusion.png")), std::make_pair(560u, 480u));
  // Ten classes with long names: a wider page (vertical column names, long names cut).
  MatrixChart ten;
  ten.title = "ten";
  for (int k = 0; k < 10; ++k) {
    ten.row_names.push_back("a rather long class name number " + std::to_string(k));
    ten.values.push_back(std::vector<double>(10, k));
  }
  ten.col_names = ten.row_names;
  write_chart(tmp / "ten.png", ten);
  EXPECT_EQ(png_size(testing::read_file(tmp / "ten.png")), std::make_pair(820u, 600u));
}

TEST(Chart, ScatterLegendNamesEveryClassPresent) {
  if (!charts_available()) GTEST_SKIP() << "built without PLplot (LATENT_WITH_PLPLOT=OFF)";
  TempDir tmp;
  ScatterChart s{"codes",
                 "z1",
                 "z2",
                 {0, 1, 2, 3, 4},
                 {0, 1, 0, 1, 0},
                 {2, 0, -1, 2, 0},
                 {"T-shirt/top", "Trouser", "Pullover"},
                 std::nullopt};
  write_chart(tmp / "s.svg", s);
  const std::string text = svg_text(testing::read_file(tmp / "s.svg"));
  for (const char* name : {"T-shirt/top", "Pullover", "class -1"})
    EXPECT_NE(text.find(name), std::string::npos) << name;
  EXPECT_EQ(text.find("Trouser"), std::string::npos);  // class 1 has no points
}

TEST(Chart, NonFiniteAndDegenerateDataAreSafe) {
  if (!charts_available()) GTEST_SKIP() << "built without PLplot (LATENT_WITH_PLPLOT=OFF)";
  TempDir tmp;
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  LineChart c;
  c.series.push_back({"a", {0, 1, 2}, {nan, inf, 1.0}});
  c.series.push_back({"b", {}, {}});
  c.series.push_back({"c", {0, 1e300}, {1, 1}});
  write_chart(tmp / "odd.svg", c);
  c.log_y = true;
  c.series.push_back({"d", {0, 1}, {-1, 0}});
  write_chart(tmp / "odd-log.svg", c);
  // A constant small series gets a range around its value, not around 0: its ticks show it.
  LineChart lr;
  lr.series.push_back({"lr", {1, 2, 3}, {1e-3, 1e-3, 1e-3}});
  write_chart(tmp / "lr.svg", lr);
  EXPECT_NE(svg_text(testing::read_file(tmp / "lr.svg")).find("0.00100"), std::string::npos);
  HistogramChart h;
  h.groups = {{"empty", {}}, {"constant", {2, 2, 2}}};
  write_chart(tmp / "h.svg", h);
  EXPECT_NE(testing::read_file(tmp / "h.svg").find("</svg>"), std::string::npos);
}

TEST(Chart, BadPathsAreErrorsNotExits) {
  if (!charts_available()) GTEST_SKIP() << "built without PLplot (LATENT_WITH_PLPLOT=OFF)";
  TempDir tmp;
  EXPECT_NE(testing::error_of([&] { write_chart(tmp / "no-such-dir" / "x.svg", two_series()); }).find("no-such-dir"),
            std::string::npos);
  EXPECT_NE(testing::error_of([&] { write_chart(tmp / "x.gif", two_series()); }).find(".svg or .png"),
            std::string::npos);
  MatrixChart ragged{"", "", "", {}, {}, {{1, 2}, {3}}};
  EXPECT_NE(testing::error_of([&] { write_chart(tmp / "m.svg", ragged); }).find("ragged"), std::string::npos);
}

}  // namespace
}  // namespace latent

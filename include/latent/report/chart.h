// Charts drawn with PLplot: line charts with named series, scatter plots coloured by class,
// histograms and matrix heatmaps (confusion matrices), written as SVG (PLplot's svg driver)
// or PNG (pngcairo) by the file's extension. Every chart has a title, axis labels and, when it
// has more than one series or class, a legend. Non-finite points are skipped.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace latent {

struct ChartSeries {
  std::string name;
  std::vector<double> x, y;
  int64_t colour = -1;  // index into the 10-colour palette (blue, orange, green, red, purple, brown, pink, grey,
                        // olive, cyan); -1: the series' position
  bool dashed = false;
  bool markers = false;  // a symbol at every point besides the line
};

// x0, x1, y0, y1
using ChartRange = std::array<double, 4>;

struct LineChart {
  std::string title, x_label, y_label;
  std::vector<ChartSeries> series;
  std::optional<ChartRange> range;   // default: the data's range, padded
  bool log_y = false;                // logarithmic y axis (non-positive values skipped)
  std::string legend = "top-right";  // top-right, top-left, bottom-right, bottom-left (inside) or outside (right)
  bool integer_x = false;            // whole-number ticks on x (epochs)
};

struct ScatterChart {
  std::string title, x_label, y_label;
  std::vector<double> x, y;
  std::vector<int64_t> classes;          // one per point (empty: all class 0)
  std::vector<std::string> class_names;  // legend text per class (missing: "class k")
  std::optional<ChartRange> range;
};

struct HistogramGroup {
  std::string name;
  std::vector<double> values;
};

struct HistogramChart {
  std::string title, x_label, y_label;
  std::vector<HistogramGroup> groups;  // drawn translucent over each other
  int64_t bins = 50;
  bool scale_to_peak = false;                           // each group divided by its own tallest bin
  std::vector<std::pair<std::string, double>> markers;  // labelled vertical lines (e.g. a threshold)
};

// A matrix as coloured cells with the value printed in each (e.g. a confusion matrix, rows =
// true class, columns = predicted class).
struct MatrixChart {
  std::string title, x_label, y_label;
  std::vector<std::string> row_names, col_names;
  std::vector<std::vector<double>> values;  // [row][col]
};

// False in a build without PLplot (-DLATENT_WITH_PLPLOT=OFF): then write_chart writes nothing
// and render_svg returns "".
bool charts_available();

// Writes the chart; the format follows the extension (.svg or .png). Atomic.
void write_chart(const std::filesystem::path& path, const LineChart& chart);
void write_chart(const std::filesystem::path& path, const ScatterChart& chart);
void write_chart(const std::filesystem::path& path, const HistogramChart& chart);
void write_chart(const std::filesystem::path& path, const MatrixChart& chart);

// The SVG text of a line chart (for pages that embed charts without writing files).
std::string render_svg(const LineChart& chart);

}  // namespace latent

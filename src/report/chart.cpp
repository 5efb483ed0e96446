// Charts through PLplot's C API. PLplot keeps global state (a current stream), so each chart
// makes its own stream (plmkstrm), ends it (plend1) and restores the previous one, all under
// one mutex. Inputs are checked before PLplot sees them: PLplot exits the process on errors.
#include "latent/report/chart.h"

#if LATENT_HAVE_PLPLOT
#include <plplot.h>
#endif
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <mutex>

#include "latent/core/error.h"
#include "latent/core/fs.h"

namespace latent {

#if LATENT_HAVE_PLPLOT

bool charts_available() { return true; }

namespace {

// Ten distinct colours (blue, orange, green, red, purple, brown, pink, grey, olive, cyan).
const std::vector<std::array<uint8_t, 3>>& palette() {
  static const std::vector<std::array<uint8_t, 3>> kPalette = {
      {31, 119, 180}, {255, 127, 14},  {44, 160, 44},   {214, 39, 40},  {148, 103, 189},
      {140, 86, 75},  {227, 119, 194}, {127, 127, 127}, {188, 189, 34}, {23, 190, 207},
  };
  return kPalette;
}

// cmap0 layout: 0 background, 1 ink, 2 grid, 3.. the palette (opaque), then the palette translucent.
constexpr PLINT kBackground = 0, kInk = 1, kGrid = 2, kFirstColour = 3;
constexpr double kTranslucent = 0.45;

// Palette slot of any class index (negative ones included).
size_t slot(int64_t k) {
  const auto n = static_cast<int64_t>(palette().size());
  return static_cast<size_t>(((k % n) + n) % n);
}

PLINT colour_index(int64_t k) { return kFirstColour + static_cast<PLINT>(slot(k)); }
PLINT translucent_index(int64_t k) { return colour_index(k) + static_cast<PLINT>(palette().size()); }

// PLplot text: '#' starts an escape sequence.
std::string text(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '#') out += '#';
    out += c;
  }
  return out;
}

std::mutex& plplot_mutex() {
  static std::mutex m;
  return m;
}

// One PLplot stream writing one file; ended and the previous stream restored on destruction.
class Stream {
 public:
  Stream(const fs::path& file, const std::string& device, int width, int height) : lock_(plplot_mutex()) {
    plgstrm(&previous_);
    plmkstrm(&stream_);
    if (stream_ < 0) throw Error(file.string() + ": no free PLplot stream");
    plsdev(device.c_str());
    const std::string name = file.string();
    plsfnam(name.c_str());
    plspage(0, 0, width, height, 0, 0);
    plscmap0n(kFirstColour + 2 * static_cast<PLINT>(palette().size()));
    plscol0(kBackground, 255, 255, 255);
    plscol0(kInk, 0, 0, 0);
    plscol0(kGrid, 225, 225, 225);
    for (size_t k = 0; k < palette().size(); ++k) {
      const auto& c = palette()[k];
      plscol0(colour_index(static_cast<int64_t>(k)), c[0], c[1], c[2]);
      plscol0a(translucent_index(static_cast<int64_t>(k)), c[0], c[1], c[2], kTranslucent);
    }
    plinit();
    pladv(0);
    plschr(0, 0.85);
  }
  ~Stream() {
    plend1();
    plsstrm(previous_);
  }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;

 private:
  std::lock_guard<std::mutex> lock_;
  PLINT previous_ = 0, stream_ = -1;
};

// Renders into `path` through a temporary file (checked writable first: PLplot exits on failure).
template <typename Draw>
void render_file(const fs::path& path, int width, int height, Draw draw) {
  const std::string ext = path.extension().string();
  if (ext != ".svg" && ext != ".png") throw Error(path.string() + ": charts are written as .svg or .png");
  write_atomic_with(path, [&](const fs::path& tmp) {
    {
      std::ofstream probe(tmp, std::ios::binary);
      if (!probe) throw Error(path.string() + ": cannot write");
    }
    Stream s(tmp, ext == ".svg" ? "svg" : "pngcairo", width, height);
    draw();
  });
}

bool finite(double v) { return std::isfinite(v); }

// Padded [lo, hi] of the finite values; a degenerate range is widened.
std::array<double, 2> padded(const std::vector<const std::vector<double>*>& columns, double pad = 0.04) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* c : columns)
    for (double v : *c)
      if (finite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
  if (!(lo <= hi)) return {0.0, 1.0};
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {
    const double w = hi != 0 ? std::abs(hi) * 0.1 : 0.5;  // a constant 1e-3 learning rate stays readable
    return {lo - w, hi + w};
  }
  const double w = (hi - lo) * pad;
  return {lo - w, hi + w};
}

// Decimals that tell ticks apart on an axis spanning `span` (about five ticks).
int decimals(double span) {
  if (!(span > 0) || !std::isfinite(span)) return 0;
  return std::clamp(static_cast<int>(-std::floor(std::log10(span / 5.0))), 0, 8);
}

// Viewport, window, grid, axes and labels; each axis with the decimals its range needs.
void axes(const ChartRange& r, const std::string& title, const std::string& x_label, const std::string& y_label,
          bool log_y, bool room_right = false, bool integer_x = false) {
  if (room_right)
    plvpor(0.1, 0.72, 0.12, 0.9);
  else
    plvpor(0.1, 0.95, 0.12, 0.9);
  plwind(r[0], r[1], r[2], r[3]);
  const double x_tick = integer_x ? std::max(1.0, std::round((r[1] - r[0]) / 8.0)) : 0.0;
  const PLINT x_sub = integer_x ? 1 : 0;
  plcol0(kGrid);
  pllsty(1);
  plwidth(1);
  plbox("g", x_tick, x_sub, log_y ? "gl" : "g", 0, 0);
  plcol0(kInk);
  plprec(1, integer_x ? 0 : decimals(r[1] - r[0]));
  plbox("bcfnst", x_tick, x_sub, "", 0, 0);
  plprec(1, log_y ? 0 : decimals(r[3] - r[2]));
  plbox("", 0, 0, log_y ? "bcnstvl" : "bcfnstv", 0, 0);
  pllab(text(x_label).c_str(), text(y_label).c_str(), text(title).c_str());
}

enum class Key { kLine, kBox };

void legend(const std::vector<std::string>& names, const std::vector<PLINT>& colours, const std::vector<PLINT>& styles,
            Key key, PLINT position) {
  const auto n = static_cast<PLINT>(names.size());
  if (n == 0) return;
  std::vector<std::string> escaped;
  for (const auto& s : names) escaped.push_back(text(s));
  std::vector<const char*> labels, symbols(names.size(), "");
  for (const auto& s : escaped) labels.push_back(s.c_str());
  std::vector<PLINT> opt(names.size(), key == Key::kLine ? PL_LEGEND_LINE : PL_LEGEND_COLOR_BOX);
  std::vector<PLINT> text_colours(names.size(), kInk), patterns(names.size(), 0), numbers(names.size(), 1);
  std::vector<PLFLT> box_scales(names.size(), 0.8), widths(names.size(), 2.0), symbol_scales(names.size(), 1.0);
  PLFLT w = 0, h = 0;
  pllegend(&w, &h, PL_LEGEND_BACKGROUND | PL_LEGEND_BOUNDING_BOX, position, 0.02, 0.02, 0.06, kBackground, kInk, 1, 0,
           0, n, opt.data(), 0.8, 0.8, 2.0, 0.0, text_colours.data(), labels.data(), colours.data(), patterns.data(),
           box_scales.data(), widths.data(), colours.data(), styles.data(), widths.data(), colours.data(),
           symbol_scales.data(), numbers.data(), symbols.data());
}

constexpr PLINT kInsideTopRight = PL_POSITION_INSIDE | PL_POSITION_TOP | PL_POSITION_RIGHT | PL_POSITION_VIEWPORT;
constexpr PLINT kOutsideRight = PL_POSITION_OUTSIDE | PL_POSITION_RIGHT | PL_POSITION_VIEWPORT;

PLINT legend_position(const std::string& where) {
  PLINT p = PL_POSITION_INSIDE | PL_POSITION_VIEWPORT;
  if (where == "top-left") return p | PL_POSITION_TOP | PL_POSITION_LEFT;
  if (where == "bottom-left") return p | PL_POSITION_BOTTOM | PL_POSITION_LEFT;
  if (where == "bottom-right") return p | PL_POSITION_BOTTOM | PL_POSITION_RIGHT;
  return kInsideTopRight;
}

void draw_line_chart(const LineChart& c) {
  // Finite points (and, on a log axis, positive ones) of each series, y as drawn.
  std::vector<std::vector<double>> xs(c.series.size()), ys(c.series.size());
  for (size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    for (size_t j = 0; j < std::min(s.x.size(), s.y.size()); ++j) {
      if (!finite(s.x[j]) || !finite(s.y[j]) || (c.log_y && s.y[j] <= 0)) continue;
      xs[i].push_back(s.x[j]);
      ys[i].push_back(c.log_y ? std::log10(s.y[j]) : s.y[j]);
    }
  }
  ChartRange r{};
  if (c.range) {
    r = *c.range;
    if (c.log_y) r[2] = std::log10(std::max(r[2], 1e-300)), r[3] = std::log10(std::max(r[3], 1e-300));
  } else {
    std::vector<const std::vector<double>*> cx, cy;
    for (size_t i = 0; i < xs.size(); ++i) cx.push_back(&xs[i]), cy.push_back(&ys[i]);
    const auto px = padded(cx, 0.0), py = padded(cy);
    r = {px[0], px[1], py[0], py[1]};
  }
  const bool outside = c.legend == "outside";
  axes(r, c.title, c.x_label, c.y_label, c.log_y, outside, c.integer_x);
  std::vector<std::string> names;
  std::vector<PLINT> colours, styles;
  for (size_t i = 0; i < c.series.size(); ++i) {
    const auto& s = c.series[i];
    const PLINT col = colour_index(s.colour >= 0 ? s.colour : static_cast<int64_t>(i));
    const PLINT style = s.dashed ? 2 : 1;
    plcol0(col);
    pllsty(style);
    plwidth(2);
    const auto n = static_cast<PLINT>(xs[i].size());
    if (n >= 2) plline(n, xs[i].data(), ys[i].data());
    if (n >= 1 && (s.markers || n == 1)) {
      plssym(0, 1.0);
      plpoin(n, xs[i].data(), ys[i].data(), 17);
    }
    if (!s.name.empty()) names.push_back(s.name), colours.push_back(col), styles.push_back(style);
  }
  pllsty(1);
  plwidth(1);
  if (names.size() > 1 || (names.size() == 1 && c.series.size() > 1))
    legend(names, colours, styles, Key::kLine, outside ? kOutsideRight : legend_position(c.legend));
}

void draw_scatter(const ScatterChart& c) {
  ChartRange r{};
  if (c.range) {
    r = *c.range;
  } else {
    const auto px = padded({&c.x}), py = padded({&c.y});
    r = {px[0], px[1], py[0], py[1]};
  }
  std::set<int64_t> classes;
  const size_t n = std::min(c.x.size(), c.y.size());
  auto class_of = [&](size_t i) { return i < c.classes.size() ? c.classes[i] : int64_t{0}; };
  for (size_t i = 0; i < n; ++i)
    if (finite(c.x[i]) && finite(c.y[i])) classes.insert(class_of(i));
  const bool keyed = classes.size() > 1 || !c.class_names.empty();
  axes(r, c.title, c.x_label, c.y_label, false, keyed);
  plssym(0, 0.8);
  // Points in data order (runs of one class at a time), so that no class is always drawn over
  // the others; points outside the window are left out (PLplot would draw them over the margins).
  std::vector<double> x, y;
  int64_t current = 0;
  auto flush = [&] {
    plcol0(colour_index(current));
    if (!x.empty()) plpoin(static_cast<PLINT>(x.size()), x.data(), y.data(), 17);
    x.clear(), y.clear();
  };
  for (size_t i = 0; i < n; ++i) {
    if (!(c.x[i] >= r[0] && c.x[i] <= r[1] && c.y[i] >= r[2] && c.y[i] <= r[3])) continue;  // NaN fails too
    if (class_of(i) != current) flush(), current = class_of(i);
    x.push_back(c.x[i]), y.push_back(c.y[i]);
  }
  flush();
  std::vector<std::string> names;
  std::vector<PLINT> colours, styles;
  for (int64_t k : classes) {
    names.push_back(k >= 0 && static_cast<size_t>(k) < c.class_names.size() ? c.class_names[static_cast<size_t>(k)]
                                                                            : "class " + std::to_string(k));
    colours.push_back(colour_index(k));
    styles.push_back(1);
  }
  if (keyed) legend(names, colours, styles, Key::kBox, kOutsideRight);
}

void draw_histogram(const HistogramChart& c) {
  check(c.bins > 0, "chart: histogram bins must be positive");
  std::vector<const std::vector<double>*> cols;
  for (const auto& g : c.groups) cols.push_back(&g.values);
  std::vector<double> marker_xs;
  for (const auto& m : c.markers)
    if (finite(m.second)) marker_xs.push_back(m.second);
  cols.push_back(&marker_xs);
  const auto px = padded(cols, 0.02);
  const double lo = px[0], hi = px[1], w = (hi - lo) / static_cast<double>(c.bins);
  std::vector<std::vector<double>> counts(c.groups.size(), std::vector<double>(static_cast<size_t>(c.bins), 0.0));
  double top = 0;
  for (size_t g = 0; g < c.groups.size(); ++g) {
    for (double v : c.groups[g].values) {
      if (!finite(v)) continue;
      const auto b = std::clamp<int64_t>(static_cast<int64_t>((v - lo) / w), 0, c.bins - 1);
      counts[g][static_cast<size_t>(b)] += 1;
    }
    const double peak = *std::max_element(counts[g].begin(), counts[g].end());
    if (c.scale_to_peak && peak > 0)
      for (auto& v : counts[g]) v /= peak;
    top = std::max(top, c.scale_to_peak ? 1.0 : peak);
  }
  const ChartRange r{lo, hi, 0.0, std::max(top, 1e-12) * 1.08};
  axes(r, c.title, c.x_label, c.y_label, false);
  std::vector<std::string> names;
  std::vector<PLINT> colours, styles;
  for (size_t g = 0; g < c.groups.size(); ++g) {
    plcol0(translucent_index(static_cast<int64_t>(g)));
    for (int64_t b = 0; b < c.bins; ++b) {
      const double h = counts[g][static_cast<size_t>(b)];
      if (h <= 0) continue;
      const double x0 = lo + static_cast<double>(b) * w;
      PLFLT bx[4] = {x0, x0 + w, x0 + w, x0}, by[4] = {0, 0, h, h};
      plfill(4, bx, by);
    }
    names.push_back(c.groups[g].name);
    colours.push_back(translucent_index(static_cast<int64_t>(g)));
    styles.push_back(1);
  }
  plcol0(kInk);
  for (const auto& m : c.markers) {
    if (!finite(m.second)) continue;
    pllsty(2);
    pljoin(m.second, r[2], m.second, r[3]);
    pllsty(1);
    plptex(m.second + (r[1] - r[0]) * 0.01, r[3] * 0.95, 1, 0, 0, text(m.first).c_str());
  }
  if (names.size() > 1) legend(names, colours, styles, Key::kBox, kInsideTopRight);
}

// Matrices wider than this many columns get vertical column names and a wider page.
constexpr PLINT kHorizontalNameColumns = 6;
// Row and column names longer than this are cut (with "...") so that they fit beside the matrix.
constexpr size_t kMatrixNameChars = 24;

std::string matrix_name(const std::string& name) {
  return name.size() <= kMatrixNameChars ? name : name.substr(0, kMatrixNameChars - 3) + "...";
}

void draw_matrix(const MatrixChart& c) {
  const auto rows = static_cast<PLINT>(c.values.size());
  check(rows > 0, "chart: empty matrix");
  const auto cols = static_cast<PLINT>(c.values[0].size());
  check(cols > 0, "chart: empty matrix");
  for (const auto& row : c.values) check(static_cast<PLINT>(row.size()) == cols, "chart: ragged matrix");
  double peak = 0;
  for (const auto& row : c.values)
    for (double v : row)
      if (finite(v)) peak = std::max(peak, std::abs(v));
  const bool vertical = cols > kHorizontalNameColumns;
  plvpor(0.18, 0.92, vertical ? 0.3 : 0.15, 0.88);
  plwind(0, cols, 0, rows);
  PLFLT pos[2] = {0, 1}, red[2] = {1, 0.12}, green[2] = {1, 0.35}, blue[2] = {1, 0.65};
  plscmap1l(1, 2, pos, red, green, blue, nullptr);
  for (PLINT i = 0; i < rows; ++i) {
    for (PLINT j = 0; j < cols; ++j) {
      const double v = c.values[static_cast<size_t>(i)][static_cast<size_t>(j)];
      // Shade on a log scale so that small counts beside a large one still show.
      const double t = finite(v) && peak > 0 ? std::log1p(std::abs(v)) / std::log1p(peak) : 0.0;
      const double y0 = rows - 1 - i;  // row 0 at the top
      PLFLT bx[4] = {static_cast<PLFLT>(j), static_cast<PLFLT>(j + 1), static_cast<PLFLT>(j + 1),
                     static_cast<PLFLT>(j)};
      PLFLT by[4] = {y0, y0, y0 + 1, y0 + 1};
      plcol1(t);
      plfill(4, bx, by);
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", v);
      plcol0(t > 0.55 ? kBackground : kInk);
      plptex(j + 0.5, y0 + 0.45, 1, 0, 0.5, buf);
    }
  }
  plcol0(kInk);
  plbox("bc", 0, 0, "bc", 0, 0);
  for (PLINT j = 0; j < cols; ++j)
    if (static_cast<size_t>(j) < c.col_names.size()) {
      const std::string name = text(matrix_name(c.col_names[static_cast<size_t>(j)]));
      if (vertical)
        plmtex("bv", 0.8, (j + 0.5) / cols, 1.0, name.c_str());
      else
        plmtex("b", 1.5, (j + 0.5) / cols, 0.5, name.c_str());
    }
  for (PLINT i = 0; i < rows; ++i)
    if (static_cast<size_t>(i) < c.row_names.size())
      plmtex("lv", 0.8, 1.0 - (i + 0.5) / rows, 1.0, text(matrix_name(c.row_names[static_cast<size_t>(i)])).c_str());
  plmtex("b", vertical ? 10.5 : 3.2, 0.5, 0.5, text(c.x_label).c_str());
  plmtex("l", 6.5, 0.5, 0.5, text(c.y_label).c_str());
  plmtex("t", 1.5, 0.5, 0.5, text(c.title).c_str());
}

}  // namespace

void write_chart(const fs::path& path, const LineChart& chart) {
  render_file(path, 720, 450, [&] { draw_line_chart(chart); });
}
void write_chart(const fs::path& path, const ScatterChart& chart) {
  render_file(path, 720, 560, [&] { draw_scatter(chart); });
}
void write_chart(const fs::path& path, const HistogramChart& chart) {
  render_file(path, 720, 450, [&] { draw_histogram(chart); });
}
void write_chart(const fs::path& path, const MatrixChart& chart) {
  // 560 x 480 up to 6 columns; wider matrices get room for their cells and vertical names.
  const auto cols = static_cast<int>(chart.values.empty() ? 0 : chart.values[0].size());
  const auto rows = static_cast<int>(chart.values.size());
  const int width = cols > kHorizontalNameColumns ? std::max(560, 200 + 62 * cols) : 560;
  const int height = cols > kHorizontalNameColumns ? std::max(480, 260 + 34 * rows) : 480;
  render_file(path, width, height, [&] { draw_matrix(chart); });
}

std::string render_svg(const LineChart& chart) {
  std::string tmpl = (fs::temp_directory_path() / "latent-chart-XXXXXX").string();
  const int fd = mkstemp(tmpl.data());
  if (fd < 0) throw Error(tmpl + ": cannot create a temporary file");
  close(fd);
  const fs::path svg = tmpl + ".svg";
  std::error_code ec;
  try {
    write_chart(svg, chart);
  } catch (...) {
    fs::remove(tmpl, ec);
    throw;
  }
  std::string out = read_text_file(svg);
  fs::remove(svg, ec);
  fs::remove(tmpl, ec);
  return out;
}

#else  // built without PLplot (-DLATENT_WITH_PLPLOT=OFF): no charts are drawn.

bool charts_available() { return false; }
void write_chart(const fs::path&, const LineChart&) {}
void write_chart(const fs::path&, const ScatterChart&) {}
void write_chart(const fs::path&, const HistogramChart&) {}
void write_chart(const fs::path&, const MatrixChart&) {}
std::string render_svg(const LineChart&) { return ""; }

#endif

}  // namespace latent

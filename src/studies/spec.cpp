// Spec schema, TOML parsing, --set overrides, variants and sweeps, and TOML output.
#include "latent/studies/spec.h"

#include <toml++/toml.h>

#include <functional>
#include <limits>
#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "latent/core/error.h"
#include "latent/core/text.h"
#include "latent/models/autoencoder.h"
#include "latent/models/init.h"
#include "latent/models/layers.h"

namespace latent {

namespace {

using IntList = std::vector<int64_t>;
using NodePtr = std::unique_ptr<toml::node>;

// One key of the schema: how to read it from a TOML node into a Spec, and how to write it back.
struct Field {
  std::string key;
  std::string type;
  std::string doc;
  std::function<void(Spec&, const toml::node&, const std::string& where)> set;
  std::function<NodePtr(const Spec&)> get;
};

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::array: return "an array";
    case toml::node_type::table: return "a table";
    default: return "a date/time";
  }
}

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& what) {
  throw UsageError(where + ": " + key + ": " + what);
}

template <class V>
V read_value(const toml::node& n, const std::string& where, const std::string& key);

template <>
int64_t read_value<int64_t>(const toml::node& n, const std::string& where, const std::string& key) {
  if (auto v = n.as_integer()) return v->get();
  fail(where, key, "expected an integer, got " + type_name(n));
}

template <>
double read_value<double>(const toml::node& n, const std::string& where, const std::string& key) {
  if (auto v = n.as_floating_point()) return v->get();
  if (auto v = n.as_integer()) return static_cast<double>(v->get());
  fail(where, key, "expected a number, got " + type_name(n));
}

template <>
std::string read_value<std::string>(const toml::node& n, const std::string& where, const std::string& key) {
  if (auto v = n.as_string()) return v->get();
  fail(where, key, "expected a string, got " + type_name(n));
}

template <>
bool read_value<bool>(const toml::node& n, const std::string& where, const std::string& key) {
  if (auto v = n.as_boolean()) return v->get();
  fail(where, key, "expected true or false, got " + type_name(n));
}

template <>
IntList read_value<IntList>(const toml::node& n, const std::string& where, const std::string& key) {
  auto arr = n.as_array();
  if (!arr) fail(where, key, "expected an array of integers, got " + type_name(n));
  IntList out;
  for (const auto& el : *arr) {
    auto v = el.as_integer();
    if (!v) fail(where, key, "expected an array of integers, found " + type_name(el) + " in it");
    out.push_back(v->get());
  }
  return out;
}

NodePtr to_node(int64_t v) { return std::make_unique<toml::value<int64_t>>(v); }
NodePtr to_node(double v) { return std::make_unique<toml::value<double>>(v); }
NodePtr to_node(bool v) { return std::make_unique<toml::value<bool>>(v); }
NodePtr to_node(const std::string& v) { return std::make_unique<toml::value<std::string>>(v); }
NodePtr to_node(const IntList& v) {
  auto arr = std::make_unique<toml::array>();
  for (auto x : v) arr->push_back(x);
  return arr;
}

template <class V> std::string type_label();
template <> std::string type_label<int64_t>() { return "integer"; }
template <> std::string type_label<double>() { return "float"; }
template <> std::string type_label<std::string>() { return "string"; }
template <> std::string type_label<bool>() { return "boolean"; }
template <> std::string type_label<IntList>() { return "array of integers"; }

// A check returns an empty string when the value is fine, else what is wrong with it.
template <class V>
using Check = std::function<std::string(const V&)>;

template <class V>
Field field(std::string key, V& (*ref)(Spec&), std::string doc, Check<V> check = nullptr) {
  Field f;
  f.key = key;
  f.type = type_label<V>();
  f.doc = std::move(doc);
  f.set = [key, ref, check](Spec& s, const toml::node& n, const std::string& where) {
    V v = read_value<V>(n, where, key);
    if (check) {
      std::string problem = check(v);
      if (!problem.empty()) fail(where, key, problem);
    }
    ref(s) = v;
  };
  f.get = [ref](const Spec& s) { return to_node(ref(const_cast<Spec&>(s))); };
  return f;
}

std::string num(double v) {
  std::ostringstream ss;
  ss << v;
  return ss.str();
}

template <class V>
Check<V> range(double lo, double hi) {
  return [lo, hi](const V& v) -> std::string {
    if (!(static_cast<double>(v) >= lo && static_cast<double>(v) <= hi))
      return num(static_cast<double>(v)) + " is out of range [" + num(lo) + ", " + num(hi) + "]";
    return "";
  };
}

Check<std::string> one_of(std::vector<std::string> choices) {
  return [choices](const std::string& v) -> std::string {
    for (const auto& c : choices)
      if (c == v) return "";
    std::string list;
    for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
    return "'" + v + "' is not one of: " + list;
  };
}

Check<IntList> positive_list() {
  return [](const IntList& v) -> std::string {
    for (auto x : v)
      if (x <= 0) return "widths must be positive, got " + std::to_string(x);
    return "";
  };
}

constexpr double kBig = 1e9;

std::string join_names(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

#define LATENT_REF(T, expr) +[](Spec& s) -> T& { return expr; }

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = {
      field<std::string>("study", LATENT_REF(std::string, s.study), "study name; names the run folder runs/<study>/"),
      field<std::string>("kind", LATENT_REF(std::string, s.kind), "study runner: reconstruction, vae or anomaly"),
      field<std::string>("description", LATENT_REF(std::string, s.description), "one line shown by `latent list`"),
      field<int64_t>("seed", LATENT_REF(int64_t, s.seed), "random seed (weights, shuffling, noise); --seed overrides", range<int64_t>(0, 9.2e18)),

      field<std::string>("data.dataset", LATENT_REF(std::string, s.data.dataset),
                         "fashion-mnist, mnist, idx (any folder of IDX files named by data.path), images (a folder of PNG/JPEG files named by data.path) or csv (a numeric table)",
                         one_of({"fashion-mnist", "mnist", "idx", "images", "csv"})),
      field<std::string>("data.path", LATENT_REF(std::string, s.data.path),
                         "folder with train-/t10k- IDX files (plain or .gz) or with PNG/JPEG images (read as data.dataset = images); empty: search the data folders"),
      field<int64_t>("data.train_limit", LATENT_REF(int64_t, s.data.train_limit), "use the first N training examples (0: all)", range<int64_t>(0, kBig)),
      field<int64_t>("data.test_limit", LATENT_REF(int64_t, s.data.test_limit), "use the first N test examples (0: all)", range<int64_t>(0, kBig)),
      field<double>("data.val_split", LATENT_REF(double, s.data.val_split),
                    "fraction of the training set held out for validation (0: val_loss is measured on the test set)",
                    range<double>(0.0, 0.9)),
      field<std::string>("data.label", LATENT_REF(std::string, s.data.label), "csv: name of the label column (1 = anomaly); empty: unlabelled"),
      field<double>("data.test_split", LATENT_REF(double, s.data.test_split), "csv and image folders: fraction of all rows / images held out as the test set (a seeded split)",
                    range<double>(0.01, 0.9)),
      field<int64_t>("data.image_size", LATENT_REF(int64_t, s.data.image_size),
                     "image folders: every image is resized to image_size x image_size", range<int64_t>(1, 4096)),
      field<int64_t>("data.channels", LATENT_REF(int64_t, s.data.channels),
                     "image folders: 1 (grayscale), 3 (RGB) or 0 (3 when any image is in colour, else 1)",
                     [](const int64_t& v) -> std::string { return v == 0 || v == 1 || v == 3 ? "" : std::to_string(v) + " is not 0, 1 or 3"; }),
      field<int64_t>("data.synthetic_rows", LATENT_REF(int64_t, s.data.synthetic_rows),
                     "csv with an empty data.path: rows of the built-in synthetic credit-card table", range<int64_t>(100, kBig)),

      field<std::string>("model.type", LATENT_REF(std::string, s.model.type), "model family: " + join_names(autoencoder_types()), one_of(autoencoder_types())),
      field<IntList>("model.hidden", LATENT_REF(IntList, s.model.hidden), "encoder hidden layer widths, input side first", positive_list()),
      field<IntList>("model.decoder_hidden", LATENT_REF(IntList, s.model.decoder_hidden),
                     "decoder hidden widths, code side first (empty: mirror of model.hidden)", positive_list()),
      field<int64_t>("model.latent", LATENT_REF(int64_t, s.model.latent), "code (latent) size", range<int64_t>(1, 1e6)),
      field<std::string>("model.activation", LATENT_REF(std::string, s.model.activation), "hidden-layer activation", one_of(activation_names())),
      field<std::string>("model.code_activation", LATENT_REF(std::string, s.model.code_activation), "activation on the code", one_of(activation_names())),
      field<std::string>("model.output", LATENT_REF(std::string, s.model.output), "output activation: sigmoid ([0,1] data) or identity",
                         one_of({"sigmoid", "identity"})),
      field<std::string>("model.init", LATENT_REF(std::string, s.model.init),
                         "weight initialisation: default (each layer's own, as PyTorch's) or kaiming (He normal, fan_in, ReLU gain; zero biases)",
                         one_of(init_names())),
      field<IntList>("model.channels", LATENT_REF(IntList, s.model.channels),
                     "conv_ae: encoder block widths (Conv2d-ReLU-MaxPool each; input sides must divide by 2^blocks)", positive_list()),
      field<int64_t>("model.kernel", LATENT_REF(int64_t, s.model.kernel), "conv_ae: kernel size (odd; same padding)", range<int64_t>(1, 31)),
      field<double>("model.dropout", LATENT_REF(double, s.model.dropout), "conv_ae: dropout after every hidden activation (0: off)",
                    range<double>(0.0, 0.95)),

      field<int64_t>("training.epochs", LATENT_REF(int64_t, s.training.epochs), "passes over the training set", range<int64_t>(1, 1e6)),
      field<int64_t>("training.batch_size", LATENT_REF(int64_t, s.training.batch_size), "examples per step", range<int64_t>(1, 1e7)),
      field<double>("training.lr", LATENT_REF(double, s.training.lr), "learning rate", range<double>(1e-12, 10.0)),
      field<std::string>("training.optimizer", LATENT_REF(std::string, s.training.optimizer), "adam or sgd", one_of({"adam", "sgd"})),
      field<double>("training.momentum", LATENT_REF(double, s.training.momentum), "SGD momentum", range<double>(0.0, 0.999999)),
      field<double>("training.weight_decay", LATENT_REF(double, s.training.weight_decay), "L2 weight decay", range<double>(0.0, 1.0)),
      field<std::string>("training.loss", LATENT_REF(std::string, s.training.loss), "reconstruction loss: bce, mse or l1", one_of({"bce", "mse", "l1"})),
      field<double>("training.noise_std", LATENT_REF(double, s.training.noise_std),
                    "denoising: std of the Gaussian noise added to training inputs (0: off)", range<double>(0.0, 10.0)),
      field<double>("training.noise_variance", LATENT_REF(double, s.training.noise_variance),
                    "denoising: the noise given as a variance (sets training.noise_std = sqrt of it; 0: off)", range<double>(0.0, 100.0)),
      field<bool>("training.augment_flip", LATENT_REF(bool, s.training.augment_flip),
                  "augmentation: flip each training image left-right with probability 1/2, every batch"),
      field<double>("training.augment_rotate", LATENT_REF(double, s.training.augment_rotate),
                    "augmentation: rotate each training image by a uniform random angle in [-x, x] degrees, every batch (0: off)",
                    range<double>(0.0, 180.0)),
      field<double>("training.l1_code", LATENT_REF(double, s.training.l1_code), "sparse: weight of the L1 penalty on the code (0: off)",
                    range<double>(0.0, 100.0)),
      field<double>("training.beta", LATENT_REF(double, s.training.beta), "VAE: weight of the KL term (beta-VAE when not 1)", range<double>(0.0, 1000.0)),
      field<int64_t>("training.kl_warmup_epochs", LATENT_REF(int64_t, s.training.kl_warmup_epochs),
                     "VAE: epochs over which the KL weight rises linearly to training.beta (0: off)", range<int64_t>(0, 1e6)),
      field<std::string>("training.schedule", LATENT_REF(std::string, s.training.schedule),
                         "learning-rate schedule: none, step (x gamma every step_size epochs) or plateau (x plateau_factor after plateau_patience epochs without a better loss)",
                         one_of({"none", "step", "plateau"})),
      field<int64_t>("training.step_size", LATENT_REF(int64_t, s.training.step_size), "step schedule: epochs between decays", range<int64_t>(1, 1e6)),
      field<double>("training.gamma", LATENT_REF(double, s.training.gamma), "step schedule: decay factor", range<double>(1e-6, 1.0)),
      field<int64_t>("training.plateau_patience", LATENT_REF(int64_t, s.training.plateau_patience),
                     "plateau schedule: epochs without improvement before a decay", range<int64_t>(0, 1e6)),
      field<double>("training.plateau_factor", LATENT_REF(double, s.training.plateau_factor), "plateau schedule: decay factor",
                    range<double>(1e-6, 0.999999)),
      field<double>("training.min_lr", LATENT_REF(double, s.training.min_lr), "plateau schedule: lowest learning rate", range<double>(0.0, 10.0)),
      field<int64_t>("training.early_stopping_patience", LATENT_REF(int64_t, s.training.early_stopping_patience),
                     "stop after N epochs without a better validation loss (0: off; needs data.val_split > 0)", range<int64_t>(0, 1e6)),
      field<int64_t>("training.checkpoint_every", LATENT_REF(int64_t, s.training.checkpoint_every),
                     "epochs between training-state checkpoints (train_state.pt, for 'latent run --resume'); also after the last epoch",
                     range<int64_t>(1, 1e6)),

      field<int64_t>("evaluation.batch_size", LATENT_REF(int64_t, s.evaluation.batch_size), "batch size of evaluation passes", range<int64_t>(1, 1e7)),
      field<int64_t>("evaluation.grid_images", LATENT_REF(int64_t, s.evaluation.grid_images), "test images in the reconstruction grid", range<int64_t>(1, 100)),
      field<int64_t>("evaluation.grid_scale", LATENT_REF(int64_t, s.evaluation.grid_scale), "pixel scale of figure grids", range<int64_t>(1, 16)),
      field<std::string>("evaluation.threshold", LATENT_REF(std::string, s.evaluation.threshold),
                         "anomaly: f1 (F1-optimal on labelled validation rows) or percentile (of validation normals' scores)",
                         one_of({"f1", "percentile"})),
      field<std::string>("evaluation.score", LATENT_REF(std::string, s.evaluation.score),
                         "anomaly score: recon_error (mean squared error of the standardised row) or neg_elbo (VAE models: "
                         "reconstruction NLL at the posterior mean + KL)",
                         one_of({"recon_error", "neg_elbo"})),
      field<double>("evaluation.percentile", LATENT_REF(double, s.evaluation.percentile),
                    "anomaly: percentile of normal validation scores used as threshold", range<double>(0.0, 100.0)),
      field<double>("evaluation.noise_std", LATENT_REF(double, s.evaluation.noise_std),
                    "std of the Gaussian noise on test inputs, e.g. to test a plain autoencoder on a denoiser's inputs (0: training.noise_std)",
                    range<double>(0.0, 10.0)),
  };
  return kFields;
}

#undef LATENT_REF

const Field* find_field(const std::string& key) {
  for (const auto& f : fields())
    if (f.key == key) return &f;
  return nullptr;
}

[[noreturn]] void unknown_key(const std::string& where, const std::string& key) {
  std::string best;
  size_t best_d = 4;
  for (const auto& f : fields()) {
    size_t d = edit_distance(key, f.key);
    if (d < best_d) best_d = d, best = f.key;
  }
  throw UsageError(where + ": unknown key '" + key + "'" + (best.empty() ? "" : " (did you mean '" + best + "'?)"));
}

// Applies every leaf of `table` (prefix: its dotted path) to `spec`. `skip` lists top-level
// keys handled elsewhere (variants, sweep).
void apply_table(Spec& spec, const toml::table& table, const std::string& prefix, const std::string& where,
                 const std::vector<std::string>& skip = {}) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix.empty() && std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    if (const Field* f = find_field(key)) {
      f->set(spec, node, where);
    } else if (auto sub = node.as_table()) {
      apply_table(spec, *sub, key, where);
    } else {
      unknown_key(where, key);
    }
  }
}

toml::table parse_toml(const std::string& text, const std::string& where) {
  try {
    return toml::parse(std::string_view(text), std::string_view(where));
  } catch (const toml::parse_error& e) {
    throw UsageError(where + ":" + std::to_string(e.source().begin.line) + ": invalid TOML: " + std::string(e.description()));
  }
}

struct Override {
  std::string key;
  std::string text;
};

Override split_override(const std::string& kv) {
  auto eq = kv.find('=');
  if (eq == std::string::npos || eq == 0) throw UsageError("--set: '" + kv + "' is not key=value");
  Override o{kv.substr(0, eq), kv.substr(eq + 1)};
  if (!find_field(o.key)) unknown_key("--set", o.key);
  return o;
}

void apply_override(Spec& spec, const Override& o) {
  const Field* f = find_field(o.key);
  if (f->type == "string") {
    std::string v = o.text;
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) v = v.substr(1, v.size() - 2);
    f->set(spec, toml::value<std::string>(v), "--set");
    return;
  }
  toml::table t;
  try {
    const std::string doc = "v = " + o.text;
    t = toml::parse(std::string_view(doc), std::string_view("--set"));
  } catch (const toml::parse_error&) {
    throw UsageError("--set: " + o.key + ": '" + o.text + "' is not a valid " + f->type);
  }
  f->set(spec, *t.get("v"), "--set");
}

// Variant names become folder names: letters, digits and . _ + = - only.
bool valid_variant_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._+=-").find(c) != std::string_view::npos;
  });
}

std::string value_label(const toml::node& n) {
  std::ostringstream ss;
  if (auto s = n.as_string()) ss << s->get();
  else if (auto d = n.as_floating_point()) ss << num(d->get());  // "0.05", not "0.050000000000000003"
  else if (auto a = n.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      if (i) ss << "x";
      if (auto v = (*a)[i].as_integer()) ss << v->get();
    }
    if (a->empty()) ss << "none";
  } else {
    n.visit([&](auto&& v) { ss << v; });
  }
  return ss.str();
}

// Fills keys derived from others: training.noise_variance sets training.noise_std.
void resolve_derived(Spec& s, const std::string& where) {
  if (s.training.noise_variance <= 0.0) return;
  const double std_dev = std::sqrt(s.training.noise_variance);
  if (s.training.noise_std > 0.0 && std::abs(s.training.noise_std - std_dev) > 1e-9 * std_dev)
    throw UsageError(where + ": training.noise_variance: " + num(s.training.noise_variance) + " contradicts training.noise_std = " +
                     num(s.training.noise_std) + " (set only one)");
  s.training.noise_std = std_dev;
}

// Checks the cross-field rules that single keys cannot.
void validate(const Spec& s, const std::string& where) {
  if (s.data.dataset == "idx" && s.data.path.empty()) throw UsageError(where + ": data.path: required when data.dataset = \"idx\"");
  if (s.data.dataset == "images" && s.data.path.empty()) throw UsageError(where + ": data.path: required when data.dataset = \"images\"");
  if (s.data.dataset == "csv" && s.kind != "anomaly") throw UsageError(where + ": data.dataset: csv data needs kind = \"anomaly\"");
  if (s.training.loss == "bce" && s.model.output != "sigmoid")
    throw UsageError(where + ": training.loss: bce needs model.output = \"sigmoid\" (outputs in [0, 1])");
  if (s.evaluation.score == "neg_elbo" && s.model.type != "dense_vae" && s.model.type != "conv_vae")
    throw UsageError(where + ": evaluation.score: neg_elbo needs a VAE (model.type dense_vae or conv_vae), not '" + s.model.type + "'");
  if (s.training.early_stopping_patience > 0 && s.data.val_split <= 0.0)
    throw UsageError(where + ": training.early_stopping_patience: needs a validation set (set data.val_split > 0)");
}

}  // namespace

std::vector<SpecKeyInfo> spec_schema() {
  std::vector<SpecKeyInfo> out;
  Spec defaults;
  for (const auto& f : fields()) {
    std::ostringstream ss;
    const auto node = f.get(defaults);
    if (auto d = node->as_floating_point())
      ss << num(d->get());  // shortest form for the docs ("0.1", not "0.10000000000000001")
    else
      node->visit([&](auto&& v) { ss << v; });
    out.push_back({f.key, f.type, ss.str(), f.doc});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> spec_values(const Spec& spec) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& f : fields()) {
    const auto node = f.get(spec);
    out.emplace_back(f.key, node->is_floating_point() ? num(node->as_floating_point()->get()) : value_label(*node));
  }
  return out;
}

StudySpec parse_study_spec(const std::string& toml_text, const std::string& where, const std::vector<std::string>& overrides) {
  toml::table root = parse_toml(toml_text, where);
  std::vector<Override> sets;
  for (const auto& kv : overrides) sets.push_back(split_override(kv));

  StudySpec study;
  apply_table(study.base, root, "", where, {"variants", "sweep"});

  // Variants: [[variants]] tables, each a name plus overridden keys.
  std::vector<Variant> variants;
  if (auto node = root.get("variants")) {
    auto arr = node->as_array();
    if (!arr || !arr->is_array_of_tables()) throw UsageError(where + ": variants: expected [[variants]] tables");
    for (size_t i = 0; i < arr->size(); ++i) {
      const auto& t = *(*arr)[i].as_table();
      const std::string vwhere = where + ": variants[" + std::to_string(i) + "]";
      auto name = t.get("name");
      if (!name || !name->is_string()) throw UsageError(vwhere + ": name: required string");
      Variant v{name->as_string()->get(), study.base};
      if (!valid_variant_name(v.name))
        throw UsageError(vwhere + ": name: '" + v.name + "' may use only letters, digits and . _ - + =");
      for (const auto& existing : variants)
        if (existing.name == v.name) throw UsageError(vwhere + ": name: '" + v.name + "' is used twice");
      apply_table(v.spec, t, "", vwhere, {"name"});
      variants.push_back(std::move(v));
    }
  }
  if (variants.empty()) variants.push_back({"default", study.base});

  // Sweep: [sweep] maps dotted keys to arrays of values; the grid multiplies the variants.
  if (auto node = root.get("sweep")) {
    auto table = node->as_table();
    if (!table) throw UsageError(where + ": sweep: expected a table of key = [values]");
    std::vector<std::pair<const Field*, const toml::array*>> axes;
    std::function<void(const toml::table&, const std::string&)> collect = [&](const toml::table& t, const std::string& prefix) {
      for (const auto& [k, n] : t) {
        const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
        if (const Field* f = find_field(key)) {
          auto arr = n.as_array();
          if (!arr || arr->empty()) throw UsageError(where + ": sweep." + key + ": expected a non-empty array of values");
          bool pinned = std::any_of(sets.begin(), sets.end(), [&](const Override& o) { return o.key == key; });
          if (!pinned) axes.emplace_back(f, arr);
        } else if (auto sub = n.as_table()) {
          collect(*sub, key);
        } else {
          unknown_key(where + ": sweep", key);
        }
      }
    };
    collect(*table, "");
    for (const auto& [f, arr] : axes) {
      std::vector<Variant> grown;
      const std::string leaf = f->key.substr(f->key.rfind('.') + 1);
      for (const auto& v : variants)
        for (const auto& value : *arr) {
          Variant nv = v;
          f->set(nv.spec, value, where + ": sweep");
          const std::string label = leaf + value_label(value);
          nv.name = v.name == "default" ? label : v.name + "_" + label;
          grown.push_back(std::move(nv));
        }
      variants = std::move(grown);
    }
  }

  for (const auto& o : sets) apply_override(study.base, o);
  for (auto& v : variants) {
    for (const auto& o : sets) apply_override(v.spec, o);
    v.spec.study = study.base.study;
    v.spec.kind = study.base.kind;
    resolve_derived(v.spec, where + " (variant " + v.name + ")");
    validate(v.spec, where + " (variant " + v.name + ")");
  }
  resolve_derived(study.base, where);
  validate(study.base, where);
  study.variants = std::move(variants);
  return study;
}

Spec parse_spec(const std::string& toml_text, const std::string& where) {
  toml::table root = parse_toml(toml_text, where);
  Spec spec;
  apply_table(spec, root, "", where);
  resolve_derived(spec, where);
  validate(spec, where);
  return spec;
}

namespace {

toml::table spec_table(const Spec& spec, bool with_top) {
  toml::table root;
  for (const auto& f : fields()) {
    const auto dot = f.key.find('.');
    if (dot == std::string::npos) {
      if (with_top || f.key == "seed") root.insert(f.key, *f.get(spec));
      continue;
    }
    const std::string section = f.key.substr(0, dot);
    if (!root.contains(section)) root.insert(section, toml::table{});
    root.get(section)->as_table()->insert(f.key.substr(dot + 1), *f.get(spec));
  }
  return root;
}

std::string dump(const toml::table& t) {
  std::ostringstream ss;
  ss << t << "\n";
  return ss.str();
}

}  // namespace

std::string spec_to_toml(const Spec& spec) { return dump(spec_table(spec, true)); }

std::string study_spec_to_toml(const StudySpec& study) {
  toml::table root = spec_table(study.base, true);
  toml::array variants;
  for (const auto& v : study.variants) {
    toml::table t = spec_table(v.spec, false);
    t.insert("name", v.name);
    variants.push_back(std::move(t));
  }
  root.insert("variants", std::move(variants));
  return dump(root);
}

ImageDataOptions image_data_options(const Spec& spec, const std::string& data_dir) {
  ImageDataOptions o;
  o.dataset = spec.data.dataset;
  o.path = spec.data.path;
  o.data_dir = data_dir;
  o.train_limit = spec.data.train_limit;
  o.test_limit = spec.data.test_limit;
  o.val_split = spec.data.val_split;
  o.split_seed = static_cast<uint64_t>(spec.seed);
  o.image_size = spec.data.image_size;
  o.channels = spec.data.channels;
  o.test_split = spec.data.test_split;
  return o;
}

}  // namespace latent

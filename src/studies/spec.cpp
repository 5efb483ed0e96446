// Spec parsing: the keys that apply to a kind and model type, TOML values, --set overrides,
// variants and sweeps, errors naming the key and where it was set, and TOML output.
#include "latent/studies/spec.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <functional>
#include <set>
#include <sstream>

#include "latent/core/error.h"
#include "latent/studies/study.h"
#include "latent/training/training_spec.h"

namespace latent {

namespace {

using NodePtr = std::unique_ptr<toml::node>;

// The top-level keys every spec has; they live in Spec's own fields.
const std::vector<KeyDef>& top_keys() {
  static const std::vector<KeyDef> kKeys = {
      string_key("study", "custom", "study name; names the run folder runs/<study>/"),
      string_key("kind", "reconstruction", "study kind (see 'latent spec --kind KIND' for its keys)"),
      string_key("description", "", "one line shown by `latent list`"),
      integer_key("seed", 42, "random seed (weights, shuffling, noise); --seed overrides", 0, 9.2e18),
  };
  return kKeys;
}

bool is_top(const std::string& key) {
  return std::any_of(top_keys().begin(), top_keys().end(), [&](const KeyDef& k) { return k.key == key; });
}

// The keys that apply to one kind and model type: the top ones, the loop's, the kind's (which
// override the loop's of the same name), model.type and the model type's.
struct Applicable {
  std::vector<KeyDef> keys;
  const KeyDef* find(const std::string& key) const {
    for (const auto& k : keys)
      if (k.key == key) return &k;
    return nullptr;
  }
  std::vector<std::string> names() const {
    std::vector<std::string> out;
    for (const auto& k : keys) out.push_back(k.key);
    return out;
  }
};

KeyDef model_type_key(const StudyKind& kind) {
  std::vector<std::string> types;
  for (const auto& m : kind.models) types.push_back(m.type);
  std::string list;
  for (const auto& t : types) list += (list.empty() ? "" : ", ") + t;
  return string_key("model.type", types.empty() ? "" : types.front(), "model family: " + list, types);
}

const ModelTypeInfo* find_model(const StudyKind& kind, const std::string& type) {
  for (const auto& m : kind.models)
    if (m.type == type) return &m;
  return nullptr;
}

Applicable applicable(const StudyKind& kind, const std::string& model_type) {
  Applicable a;
  auto add = [&](const KeyDef& k) {
    for (auto& existing : a.keys)
      if (existing.key == k.key) {
        existing = k;  // the more specific owner's declaration
        return;
      }
    a.keys.push_back(k);
  };
  for (const auto& k : top_keys()) add(k);
  for (const auto& k : training_keys()) add(k);
  for (const auto& k : kind.keys) add(k);
  add(model_type_key(kind));
  if (const ModelTypeInfo* m = find_model(kind, model_type))
    for (const auto& k : m->keys) add(k);
  return a;
}

// Every declaration of a key anywhere (any kind, any model type): for "did you mean" and for
// telling "unknown" from "does not apply here".
std::vector<std::string> every_key() {
  std::set<std::string> seen;
  std::vector<std::string> out;
  auto add = [&](const KeyDef& k) {
    if (seen.insert(k.key).second) out.push_back(k.key);
  };
  for (const auto& k : top_keys()) add(k);
  for (const auto& k : training_keys()) add(k);
  for (const auto& kind : study_kinds()) {
    for (const auto& k : kind.keys) add(k);
    add(model_type_key(kind));
    for (const auto& m : kind.models)
      for (const auto& k : m.keys) add(k);
  }
  return out;
}

// Some declaration of `key` (null when none), for its type when reading --set text before the kind is known.
std::shared_ptr<KeyDef> any_declaration(const std::string& key) {
  const std::vector<KeyDef> all = [] {
    std::vector<KeyDef> out;
    for (const auto& k : top_keys()) out.push_back(k);
    for (const auto& k : training_keys()) out.push_back(k);
    for (const auto& kind : study_kinds()) {
      for (const auto& k : kind.keys) out.push_back(k);
      out.push_back(model_type_key(kind));
      for (const auto& m : kind.models)
        for (const auto& k : m.keys) out.push_back(k);
    }
    return out;
  }();
  for (const auto& k : all)
    if (k.key == key) return std::make_shared<KeyDef>(k);
  return nullptr;
}

// Who declares `key`: kinds and model types, for "applies to" messages.
std::string owners_of(const std::string& key) {
  std::vector<std::string> owners;
  for (const auto& kind : study_kinds()) {
    bool kind_has = std::any_of(kind.keys.begin(), kind.keys.end(), [&](const KeyDef& k) { return k.key == key; });
    if (kind_has) {
      owners.push_back("kind " + kind.name);
      continue;
    }
    for (const auto& m : kind.models)
      if (std::any_of(m.keys.begin(), m.keys.end(), [&](const KeyDef& k) { return k.key == key; }) &&
          std::find(owners.begin(), owners.end(), "model.type " + m.type) == owners.end())
        owners.push_back("model.type " + m.type);
  }
  std::string out;
  for (const auto& o : owners) out += (out.empty() ? "" : ", ") + o;
  return out;
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& what) {
  throw UsageError(where + ": " + key + ": " + what);
}

// A TOML value as the declared type.
KeyValue read_node(const KeyDef& def, const toml::node& n, const std::string& where) {
  const std::string& key = def.key;
  auto list = [&](const char* element, auto convert) {
    auto arr = n.as_array();
    if (!arr) fail(where, key, std::string("expected an array of ") + element + ", got " + type_name(n));
    using T = decltype(convert(*arr->get(0)));
    std::vector<typename T::value_type> out;
    for (const auto& el : *arr) {
      auto v = convert(el);
      if (!v) fail(where, key, std::string("expected an array of ") + element + ", found " + type_name(el) + " in it");
      out.push_back(*v);
    }
    return out;
  };
  switch (def.type) {
    case KeyType::kInteger:
      if (auto v = n.as_integer()) return v->get();
      fail(where, key, "expected an integer, got " + type_name(n));
    case KeyType::kFloat:
      if (auto v = n.as_floating_point()) return v->get();
      if (auto v = n.as_integer()) return static_cast<double>(v->get());
      fail(where, key, "expected a number, got " + type_name(n));
    case KeyType::kBoolean:
      if (auto v = n.as_boolean()) return v->get();
      fail(where, key, "expected true or false, got " + type_name(n));
    case KeyType::kString:
      if (auto v = n.as_string()) return v->get();
      fail(where, key, "expected a string, got " + type_name(n));
    case KeyType::kIntegerList:
      return list("integers", [](const toml::node& el) {
        return el.is_integer() ? std::optional<int64_t>(el.as_integer()->get()) : std::nullopt;
      });
    case KeyType::kFloatList:
      return list("numbers", [](const toml::node& el) {
        if (el.is_floating_point()) return std::optional<double>(el.as_floating_point()->get());
        if (el.is_integer()) return std::optional<double>(static_cast<double>(el.as_integer()->get()));
        return std::optional<double>();
      });
    case KeyType::kStringList:
      return list("strings", [](const toml::node& el) {
        return el.is_string() ? std::optional<std::string>(el.as_string()->get()) : std::nullopt;
      });
  }
  fail(where, key, "unsupported type");
}

KeyValue checked(const KeyDef& def, KeyValue v, const std::string& where) {
  if (def.check)
    if (std::string problem = def.check(v); !problem.empty()) fail(where, def.key, problem);
  return v;
}

NodePtr to_node(const KeyValue& value) {
  return std::visit(
      [](const auto& v) -> NodePtr {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, bool> ||
                      std::is_same_v<T, std::string>)
          return std::make_unique<toml::value<T>>(v);
        else {
          auto arr = std::make_unique<toml::array>();
          for (const auto& x : v) arr->push_back(x);
          return arr;
        }
      },
      value);
}

// A default as the docs show it: 'text', 0.1, [32, 64].
std::string default_text(const KeyValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>)
          return "'" + v + "'";
        else if constexpr (std::is_same_v<T, int64_t> || std::is_same_v<T, double> || std::is_same_v<T, bool>)
          return value_text(v);
        else {
          std::string out = "[";
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += ", ";
            if constexpr (std::is_same_v<T, StringList>)
              out += "'" + v[i] + "'";
            else
              out += value_text(v[i]);
          }
          return out + "]";
        }
      },
      value);
}

// One assignment of a key, in the order applied: file, variant, sweep, --set.
struct Assignment {
  std::string key;
  std::shared_ptr<toml::node> node;  // a TOML value, or null for --set text
  std::string text;                  // --set text
  std::string where;
  bool base_level = true;  // set for the whole study (file or --set), not in one variant
};

toml::table parse_toml(const std::string& text, const std::string& where) {
  try {
    return toml::parse(std::string_view(text), std::string_view(where));
  } catch (const toml::parse_error& e) {
    throw UsageError(where + ":" + std::to_string(e.source().begin.line) +
                     ": invalid TOML: " + std::string(e.description()));
  }
}

[[noreturn]] void unknown_key(const std::string& where, const std::string& key,
                              const std::vector<std::string>& candidates) {
  const std::string near = nearest_name(key, candidates);
  throw UsageError(where + ": unknown key '" + key + "'" + (near.empty() ? "" : " (did you mean '" + near + "'?)"));
}

// Flattens a table into dotted keys (`skip`: top-level entries handled elsewhere).
void collect(const toml::table& table, const std::string& prefix, const std::string& where, bool base_level,
             std::vector<Assignment>& out, const std::vector<std::string>& skip = {}) {
  for (const auto& [k, node] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (prefix.empty() && std::find(skip.begin(), skip.end(), key) != skip.end()) continue;
    if (auto sub = node.as_table(); sub && !any_declaration(key)) {
      collect(*sub, key, where, base_level, out);
      continue;
    }
    std::shared_ptr<toml::node> copy(
        node.visit([](auto&& v) -> toml::node* { return new std::decay_t<decltype(v)>(v); }));
    out.push_back({key, copy, "", where, base_level});
  }
}

// --set's value as TOML of the key's declared type (strings taken as they are).
KeyValue read_set_text(const KeyDef& def, const Assignment& a) {
  if (def.type == KeyType::kString) {
    std::string v = a.text;
    if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front())
      v = v.substr(1, v.size() - 2);
    return v;
  }
  toml::table t;
  try {
    const std::string doc = "v = " + a.text;
    t = toml::parse(std::string_view(doc), std::string_view("--set"));
  } catch (const toml::parse_error&) {
    throw UsageError("--set: " + def.key + ": '" + a.text + "' is not a valid " + type_label(def.type));
  }
  return read_node(def, *t.get("v"), "--set");
}

KeyValue read_assignment(const KeyDef& def, const Assignment& a) {
  return checked(def, a.node ? read_node(def, *a.node, a.where) : read_set_text(def, a), a.where);
}

// Variant names become folder names: letters, digits and . _ + = - only.
bool valid_variant_name(const std::string& name) {
  if (name.empty() || name == "." || name == "..") return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._+=-").find(c) != std::string_view::npos;
  });
}

// The last assignment of `key` in `list`, or null.
const Assignment* last_of(const std::vector<Assignment>& list, const std::string& key) {
  const Assignment* found = nullptr;
  for (const auto& a : list)
    if (a.key == key) found = &a;
  return found;
}

std::string string_of(const Assignment& a) {
  const KeyDef def = string_key(a.key, "", "");
  return std::get<std::string>(read_assignment(def, a));
}

struct Resolved {
  Spec spec;
  std::set<std::string> applied;  // keys of `assignments` that applied
};

// Resolves one spec from its assignments in order. Keys that do not apply: skipped when
// `lenient` or when set for the whole study (checked there), else an error.
Resolved resolve(const std::vector<Assignment>& assignments, const std::string& where, bool lenient) {
  Resolved r;
  Spec& s = r.spec;
  if (const Assignment* k = last_of(assignments, "kind")) {
    s.kind = string_of(*k);
    const auto& kinds = study_kinds();
    if (std::none_of(kinds.begin(), kinds.end(), [&](const StudyKind& x) { return x.name == s.kind; })) {
      std::vector<std::string> names;
      for (const auto& x : kinds) names.push_back(x.name);
      checked(string_key("kind", "", "", names), s.kind, k->where);
    }
  }
  const StudyKind& kind = study_kind(s.kind);
  std::string model_type = kind.models.empty() ? "" : kind.models.front().type;
  if (const Assignment* m = last_of(assignments, "model.type")) {
    model_type = string_of(*m);
    checked(model_type_key(kind), model_type, m->where);
  }
  const Applicable keys = applicable(kind, model_type);
  for (const auto& def : keys.keys)
    if (!is_top(def.key)) s.values.set(def.key, def.default_value);
  const std::vector<std::string> all = every_key();
  for (const auto& a : assignments) {
    const KeyDef* def = keys.find(a.key);
    if (def == nullptr) {
      const bool known = std::find(all.begin(), all.end(), a.key) != all.end();
      if (!known) unknown_key(a.where, a.key, keys.names());
      if (lenient || a.base_level) continue;
      fail(a.where, a.key,
           "does not apply to kind '" + s.kind + "' with model.type '" + model_type + "' (it is a key of " +
               owners_of(a.key) + ")");
    }
    const KeyValue v = read_assignment(*def, a);
    r.applied.insert(a.key);
    if (a.key == "study")
      s.study = std::get<std::string>(v);
    else if (a.key == "kind")
      s.kind = std::get<std::string>(v);
    else if (a.key == "description")
      s.description = std::get<std::string>(v);
    else if (a.key == "seed")
      s.seed = std::get<int64_t>(v);
    else
      s.values.set(a.key, v);
    s.sources[a.key] = a.where;
  }
  (void)where;
  return r;
}

// Rules every kind shares, then the kind's own.
void finish_spec(Spec& s) {
  const StudyKind& kind = study_kind(s.kind);
  if (kind.resolve) kind.resolve(s);
  if (s.get<int64_t>("training.early_stopping_patience") > 0 && s.values.has("data.val_split") &&
      s.get<double>("data.val_split") <= 0.0)
    throw UsageError(s.where("training.early_stopping_patience") +
                     ": training.early_stopping_patience: needs a validation set (set data.val_split > 0)");
  const std::string& monitor = s.get<std::string>("training.monitor");
  if (!kind.results.column_higher_is_better(monitor)) {
    std::string list;
    for (const auto& c : kind.results.history_columns()) list += (list.empty() ? "" : ", ") + c;
    const std::string near = nearest_name(monitor, kind.results.history_columns());
    throw UsageError(s.where("training.monitor") + ": training.monitor: '" + monitor +
                     "' is not a history column of kind '" + s.kind + "' (one of: " + list + ")" +
                     (near.empty() ? "" : " (did you mean '" + near + "'?)"));
  }
}

std::string value_label(const toml::node& n) {
  std::ostringstream ss;
  if (auto s = n.as_string())
    ss << s->get();
  else if (auto d = n.as_floating_point())
    ss << value_text(d->get());  // "0.05", not "0.050000000000000003"
  else if (auto a = n.as_array()) {
    for (size_t i = 0; i < a->size(); ++i) {
      if (i) ss << "x";
      if (auto v = (*a)[i].as_integer())
        ss << v->get();
      else if (auto f = (*a)[i].as_floating_point())
        ss << value_text(f->get());
      else if (auto t = (*a)[i].as_string())
        ss << t->get();
    }
    if (a->empty()) ss << "none";
  } else {
    n.visit([&](auto&& v) { ss << v; });
  }
  return ss.str();
}

}  // namespace

std::string Spec::where(const std::string& key) const {
  auto it = sources.find(key);
  return it == sources.end() ? "the defaults" : it->second;
}

std::vector<SpecKeyInfo> spec_schema(const std::string& only_kind) {
  std::vector<SpecKeyInfo> out;
  auto add = [&](const KeyDef& k, const std::string& owner) {
    out.push_back({k.key, type_label(k.type), default_text(k.default_value), k.doc, owner});
  };
  if (!only_kind.empty()) study_kind(only_kind);  // an unknown kind is a UsageError
  for (const auto& k : top_keys()) add(k, "every kind");
  for (const auto& k : training_keys()) add(k, "every kind");
  // Model types shared by several kinds are listed once, with the kinds that have them.
  std::vector<std::pair<const ModelTypeInfo*, std::vector<std::string>>> models;
  for (const auto& kind : study_kinds()) {
    if (!only_kind.empty() && kind.name != only_kind) continue;
    for (const auto& k : kind.keys) add(k, "kind " + kind.name);
    add(model_type_key(kind), "kind " + kind.name);
    for (const auto& m : kind.models) {
      auto it = std::find_if(models.begin(), models.end(), [&](const auto& p) { return p.first->type == m.type; });
      if (it == models.end())
        models.push_back({&m, {kind.name}});
      else
        it->second.push_back(kind.name);
    }
  }
  for (const auto& [m, kinds] : models) {
    std::string list;
    for (const auto& k : kinds) list += (list.empty() ? "" : ", ") + k;
    for (const auto& k : m->keys) add(k, "model.type " + m->type + " (" + list + ")");
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> spec_values(const Spec& spec) {
  std::vector<std::pair<std::string, std::string>> out = {{"study", spec.study},
                                                          {"kind", spec.kind},
                                                          {"description", spec.description},
                                                          {"seed", std::to_string(spec.seed)}};
  for (const auto& [key, value] : spec.values.all()) out.emplace_back(key, value_text(value));
  return out;
}

StudySpec parse_study_spec(const std::string& toml_text, const std::string& where,
                           const std::vector<std::string>& overrides, bool stored) {
  toml::table root = parse_toml(toml_text, where);
  std::vector<Assignment> base;
  collect(root, "", where, true, base, {"variants", "sweep"});
  std::vector<Assignment> sets;
  for (const auto& kv : overrides) {
    const auto eq = kv.find('=');
    if (eq == std::string::npos || eq == 0) throw UsageError("--set: '" + kv + "' is not key=value");
    Assignment a{kv.substr(0, eq), nullptr, kv.substr(eq + 1), "--set", true};
    if (!any_declaration(a.key)) unknown_key("--set", a.key, every_key());
    sets.push_back(std::move(a));
  }

  // Variants: [[variants]] tables, each a name plus its own keys.
  struct RawVariant {
    std::string name;
    std::vector<Assignment> own;
  };
  std::vector<RawVariant> variants;
  if (auto node = root.get("variants")) {
    auto arr = node->as_array();
    if (!arr || !arr->is_array_of_tables()) throw UsageError(where + ": variants: expected [[variants]] tables");
    for (size_t i = 0; i < arr->size(); ++i) {
      const auto& t = *(*arr)[i].as_table();
      const std::string vwhere = where + ": variants[" + std::to_string(i) + "]";
      auto name = t.get("name");
      if (!name || !name->is_string()) throw UsageError(vwhere + ": name: required string");
      RawVariant v{name->as_string()->get(), {}};
      if (!valid_variant_name(v.name))
        throw UsageError(vwhere + ": name: '" + v.name + "' may use only letters, digits and . _ - + =");
      for (const auto& existing : variants)
        if (existing.name == v.name) throw UsageError(vwhere + ": name: '" + v.name + "' is used twice");
      collect(t, "", vwhere, false, v.own, {"name"});
      for (const auto& a : v.own)
        if (a.key == "kind" || a.key == "study")
          throw UsageError(vwhere + ": " + a.key + ": is the same for every variant (set it at the top of the file)");
      variants.push_back(std::move(v));
    }
  }
  if (variants.empty()) variants.push_back({"default", {}});

  // Sweep: [sweep] maps dotted keys to arrays of values; the grid multiplies the variants. A key
  // pinned with --set is not swept.
  if (auto node = root.get("sweep")) {
    auto table = node->as_table();
    if (!table) throw UsageError(where + ": sweep: expected a table of key = [values]");
    std::vector<Assignment> axes;
    collect(*table, "", where + ": sweep", false, axes);
    for (const auto& axis : axes) {
      if (!any_declaration(axis.key)) unknown_key(where + ": sweep", axis.key, every_key());
      auto arr = axis.node->as_array();
      if (!arr || arr->empty())
        throw UsageError(where + ": sweep." + axis.key + ": expected a non-empty array of values");
      if (std::any_of(sets.begin(), sets.end(), [&](const Assignment& o) { return o.key == axis.key; })) continue;
      std::vector<RawVariant> grown;
      const std::string leaf = axis.key.substr(axis.key.rfind('.') + 1);
      for (const auto& v : variants)
        for (const auto& value : *arr) {
          RawVariant nv = v;
          std::shared_ptr<toml::node> copy(
              value.visit([](auto&& x) -> toml::node* { return new std::decay_t<decltype(x)>(x); }));
          nv.own.push_back({axis.key, copy, "", where + ": sweep", false});
          const std::string label = leaf + value_label(value);
          nv.name = v.name == "default" ? label : v.name + "_" + label;
          grown.push_back(std::move(nv));
        }
      variants = std::move(grown);
    }
  }

  StudySpec study;
  std::vector<Assignment> base_all = base;
  base_all.insert(base_all.end(), sets.begin(), sets.end());
  std::set<std::string> applied_somewhere;
  for (const auto& raw : variants) {
    std::vector<Assignment> list = base;
    list.insert(list.end(), raw.own.begin(), raw.own.end());
    list.insert(list.end(), sets.begin(), sets.end());
    Resolved r = resolve(list, where, stored);
    applied_somewhere.insert(r.applied.begin(), r.applied.end());
    try {
      finish_spec(r.spec);
    } catch (const UsageError& e) {
      throw UsageError(std::string(e.what()) +
                       (variants.size() > 1 || raw.name != "default" ? " (variant " + raw.name + ")" : ""));
    }
    study.variants.push_back({raw.name, std::move(r.spec)});
  }
  // A key set for the whole study must apply to at least one variant.
  if (!stored)
    for (const auto& a : base_all)
      if (!applied_somewhere.count(a.key)) {
        const Spec& first = study.variants.front().spec;
        fail(a.where, a.key,
             "does not apply to kind '" + first.kind + "' with model.type '" + first.model_type() +
                 "' (it is a key of " + owners_of(a.key) + ")");
      }
  study.base = resolve(base_all, where, true).spec;
  study.base.kind = study.variants.front().spec.kind;
  return study;
}

Spec parse_spec(const std::string& toml_text, const std::string& where) {
  StudySpec s = parse_study_spec(toml_text, where, {}, true);
  return s.variants.front().spec;
}

Spec default_spec(const std::string& kind, const std::string& model_type) {
  std::string text = "kind = \"" + kind + "\"\n";
  if (!model_type.empty()) text += "[model]\ntype = \"" + model_type + "\"\n";
  return parse_spec(text, "defaults");
}

namespace {

toml::table spec_table(const Spec& spec, bool with_top) {
  toml::table root;
  if (with_top) {
    root.insert("study", spec.study);
    root.insert("kind", spec.kind);
    root.insert("description", spec.description);
  }
  root.insert("seed", spec.seed);
  for (const auto& [key, value] : spec.values.all()) {
    const auto dot = key.find('.');
    if (dot == std::string::npos) {
      root.insert(key, *to_node(value));
      continue;
    }
    const std::string section = key.substr(0, dot);
    if (!root.contains(section)) root.insert(section, toml::table{});
    root.get(section)->as_table()->insert(key.substr(dot + 1), *to_node(value));
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

}  // namespace latent

// Typed spec keys: declaration helpers, value text and the resolved-value store.
#include "latent/core/keys.h"

#include <algorithm>
#include <sstream>

#include "latent/core/error.h"

namespace latent {

namespace {

std::string num(double v) {
  std::ostringstream ss;
  ss << v;  // shortest form for the docs and names: "0.1", not "0.10000000000000001"
  return ss.str();
}

std::string range_problem(double v, double lo, double hi) {
  if (v >= lo && v <= hi) return "";
  return num(v) + " is out of range [" + num(lo) + ", " + num(hi) + "]";
}

}  // namespace

std::string type_label(KeyType type) {
  switch (type) {
    case KeyType::kInteger:
      return "integer";
    case KeyType::kFloat:
      return "float";
    case KeyType::kBoolean:
      return "boolean";
    case KeyType::kString:
      return "string";
    case KeyType::kIntegerList:
      return "array of integers";
    case KeyType::kFloatList:
      return "array of numbers";
    case KeyType::kStringList:
      return "array of strings";
  }
  return "?";
}

KeyType type_of(const KeyValue& value) {
  static const KeyType kTypes[] = {KeyType::kInteger,     KeyType::kFloat,     KeyType::kBoolean,   KeyType::kString,
                                   KeyType::kIntegerList, KeyType::kFloatList, KeyType::kStringList};
  return kTypes[value.index()];
}

std::string value_text(const KeyValue& value) {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>)
          return std::to_string(v);
        else if constexpr (std::is_same_v<T, double>)
          return num(v);
        else if constexpr (std::is_same_v<T, bool>)
          return v ? "true" : "false";
        else if constexpr (std::is_same_v<T, std::string>)
          return v;
        else {
          if (v.empty()) return "none";
          std::string out;
          for (size_t i = 0; i < v.size(); ++i) {
            if (i) out += "x";
            if constexpr (std::is_same_v<T, IntList>)
              out += std::to_string(v[i]);
            else if constexpr (std::is_same_v<T, FloatList>)
              out += num(v[i]);
            else
              out += v[i];
          }
          return out;
        }
      },
      value);
}

KeyDef integer_key(std::string key, int64_t default_value, std::string doc, double lo, double hi) {
  return {std::move(key), KeyType::kInteger, default_value, std::move(doc),
          [lo, hi](const KeyValue& v) { return range_problem(static_cast<double>(std::get<int64_t>(v)), lo, hi); }};
}

KeyDef float_key(std::string key, double default_value, std::string doc, double lo, double hi) {
  return {std::move(key), KeyType::kFloat, default_value, std::move(doc),
          [lo, hi](const KeyValue& v) { return range_problem(std::get<double>(v), lo, hi); }};
}

KeyDef bool_key(std::string key, bool default_value, std::string doc) {
  return {std::move(key), KeyType::kBoolean, default_value, std::move(doc), nullptr};
}

KeyDef string_key(std::string key, std::string default_value, std::string doc, std::vector<std::string> choices) {
  KeyDef d{std::move(key), KeyType::kString, std::move(default_value), std::move(doc), nullptr};
  if (!choices.empty())
    d.check = [choices](const KeyValue& v) -> std::string {
      const auto& s = std::get<std::string>(v);
      if (std::find(choices.begin(), choices.end(), s) != choices.end()) return "";
      std::string list;
      for (const auto& c : choices) list += (list.empty() ? "" : ", ") + c;
      const std::string near = nearest_name(s, choices);
      return "'" + s + "' is not one of: " + list + (near.empty() ? "" : " (did you mean '" + near + "'?)");
    };
  return d;
}

KeyDef widths_key(std::string key, IntList default_value, std::string doc) {
  return {std::move(key), KeyType::kIntegerList, std::move(default_value), std::move(doc),
          [](const KeyValue& v) -> std::string {
            for (auto x : std::get<IntList>(v))
              if (x <= 0) return "widths must be positive, got " + std::to_string(x);
            return "";
          }};
}

KeyDef float_list_key(std::string key, FloatList default_value, std::string doc, double lo, double hi) {
  return {std::move(key), KeyType::kFloatList, std::move(default_value), std::move(doc),
          [lo, hi](const KeyValue& v) -> std::string {
            for (double x : std::get<FloatList>(v))
              if (auto p = range_problem(x, lo, hi); !p.empty()) return p;
            return "";
          }};
}

KeyDef string_list_key(std::string key, StringList default_value, std::string doc) {
  return {std::move(key), KeyType::kStringList, std::move(default_value), std::move(doc), nullptr};
}

const KeyValue& KeyValues::value(const std::string& key) const {
  auto it = values_.find(key);
  if (it == values_.end())
    throw Error("spec: key '" + key + "' does not apply to this spec (read by code that did not declare it)");
  return it->second;
}

void KeyValues::wrong_type(const std::string& key) {
  throw Error("spec: key '" + key + "' read as another type than declared");
}

}  // namespace latent

// Typed spec keys as their owners declare them. A key ("training.lr", "model.hidden") has a type,
// a default, a one-line doc and a check; whoever reads a key declares it beside the code that reads
// it: the training loop its loop keys, each study kind its own keys, each model family its model.*
// keys. The spec parser (studies/spec.h) puts together the keys that apply to one study kind and
// model type, and a resolved spec holds their values in a KeyValues.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "latent/core/text.h"

namespace latent {

using IntList = std::vector<int64_t>;
using FloatList = std::vector<double>;
using StringList = std::vector<std::string>;

// One value of a key, of its declared type.
using KeyValue = std::variant<int64_t, double, bool, std::string, IntList, FloatList, StringList>;

enum class KeyType { kInteger, kFloat, kBoolean, kString, kIntegerList, kFloatList, kStringList };

// "integer", "float", "boolean", "string", "array of integers", ...
std::string type_label(KeyType type);
KeyType type_of(const KeyValue& value);

// A value as short text: numbers in their shortest form ("0.05"), lists joined by "x" ("512x256")
// with "none" for an empty list; what sweep names and tables show.
std::string value_text(const KeyValue& value);

struct KeyDef {
  std::string key;  // dotted: section.name, or a top-level name
  KeyType type = KeyType::kString;
  KeyValue default_value;
  std::string doc;
  // What is wrong with a value of the right type ("4 is out of range [0, 1]"), or "" when it is fine.
  std::function<std::string(const KeyValue&)> check;
};

// Declaration helpers. Ranges are inclusive; an empty `choices` accepts any string.
KeyDef integer_key(std::string key, int64_t default_value, std::string doc, double lo, double hi);
KeyDef float_key(std::string key, double default_value, std::string doc, double lo, double hi);
KeyDef bool_key(std::string key, bool default_value, std::string doc);
KeyDef string_key(std::string key, std::string default_value, std::string doc, std::vector<std::string> choices = {});
// Lists of positive integers (layer widths, channels).
KeyDef widths_key(std::string key, IntList default_value, std::string doc);
KeyDef float_list_key(std::string key, FloatList default_value, std::string doc, double lo, double hi);
KeyDef string_list_key(std::string key, StringList default_value, std::string doc);

// The resolved values of a spec: one per key that applies to it.
class KeyValues {
 public:
  bool has(const std::string& key) const { return values_.count(key) > 0; }
  void set(const std::string& key, KeyValue value) { values_[key] = std::move(value); }
  void erase(const std::string& key) { values_.erase(key); }
  const std::map<std::string, KeyValue>& all() const { return values_; }
  const KeyValue& value(const std::string& key) const;

  // The value as T; an Error naming the key when it is not there or of another type (a
  // programming error: code reads only keys its owner declared).
  template <class T>
  const T& get(const std::string& key) const {
    const KeyValue& v = value(key);
    if (const T* p = std::get_if<T>(&v)) return *p;
    wrong_type(key);
  }

 private:
  [[noreturn]] static void wrong_type(const std::string& key);
  std::map<std::string, KeyValue> values_;
};

}  // namespace latent

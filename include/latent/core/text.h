// Small text helpers for messages: edit distance and the nearest of a list of names, for
// "did you mean" suggestions; byte counts for people.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace latent {

// Levenshtein distance: insertions, deletions and substitutions of one character each.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `name` (ignoring case) within max_distance edits, or "" when none is;
// the first of equals.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance = 3);

// A shape as "1x28x28" (the dimensions joined by x; "" for none).
std::string shape_text(const std::vector<int64_t>& shape);

// A byte count in decimal units: "512 B", "1.5 kB", "84.1 MB", up to TB (one decimal above B).
std::string human_bytes(double bytes);

}  // namespace latent

// Small text helpers for messages: edit distance and the nearest of a list of names, for
// "did you mean" suggestions.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace latent {

// Levenshtein distance: insertions, deletions and substitutions of one character each.
size_t edit_distance(const std::string& a, const std::string& b);

// The candidate nearest to `name` (ignoring case) within max_distance edits, or "" when none is;
// the first of equals.
std::string nearest_name(const std::string& name, const std::vector<std::string>& candidates, size_t max_distance = 3);

}  // namespace latent

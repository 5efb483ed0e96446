// Tiny synthetic corpora with planted structure for the Word2Vec tests: synonym pairs (two words
// used in exactly the same contexts) and a role x gender grid for analogies.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace latent::testing {

using Sentences = std::vector<std::vector<std::string>>;

// Topic k has the synonyms "sK_a" and "sK_b" and its own context words "preK_i" and "postK_j"
// (i, j < 10); each sentence is "preK_i SYN postK_j" with the synonym drawn at random, so the two
// synonyms share every context while no other word has those contexts.
inline Sentences synonym_sentences(int topics, int per_topic, uint32_t seed) {
  std::mt19937 rng(seed);
  Sentences out;
  for (int n = 0; n < per_topic; ++n)
    for (int k = 0; k < topics; ++k) {
      const std::string t = std::to_string(k);
      out.push_back({"pre" + t + "_" + std::to_string(rng() % 10), "s" + t + (rng() % 2 ? "_a" : "_b"),
                     "post" + t + "_" + std::to_string(rng() % 10)});
    }
  return out;
}

// Word "wR_G" for role R < roles and gender G < 2 appears between a context word of its role
// ("roleR_i") and one of its gender ("genderG_j"), i, j < 8: wA_1 - wA_0 + wB_0 should be wB_1.
inline Sentences analogy_sentences(int roles, int per_word, uint32_t seed) {
  std::mt19937 rng(seed);
  Sentences out;
  for (int n = 0; n < per_word; ++n)
    for (int r = 0; r < roles; ++r)
      for (int g = 0; g < 2; ++g) {
        std::vector<std::string> s{"role" + std::to_string(r) + "_" + std::to_string(rng() % 8),
                                   "w" + std::to_string(r) + "_" + std::to_string(g),
                                   "gender" + std::to_string(g) + "_" + std::to_string(rng() % 8)};
        if (rng() % 2) std::swap(s[0], s[2]);
        out.push_back(s);
      }
  return out;
}

// One sentence per line, words separated by single spaces.
inline std::string sentences_text(const Sentences& sentences) {
  std::string text;
  for (const auto& s : sentences) {
    for (size_t i = 0; i < s.size(); ++i) text += (i ? " " : "") + s[i];
    text += "\n";
  }
  return text;
}

}  // namespace latent::testing

// "Did you mean": the closest of some names to a misspelt word (loading errors of scenario
// files and trial blocks).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace percorsi {

// Levenshtein distance; npos for words over 64 characters (no suggestion for those).
std::size_t edit_distance(const std::string& a, const std::string& b);
// " (did you mean 'x'?)" for the closest of `names`, or "" when nothing is close.
std::string closest(const std::string& word, const std::vector<std::string>& names);

}  // namespace percorsi

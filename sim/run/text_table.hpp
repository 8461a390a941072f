// Tables of cells for people: plain text (columns padded to their widest cell, two spaces apart)
// and Markdown (the first row is the header). Used by the trial, calibration and validation tables.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

namespace percorsi {

inline std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t k = 0; k < row.size(); ++k) {
      if (width.size() <= k) width.push_back(0);
      width[k] = std::max(width[k], row[k].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t k = 0; k < row.size(); ++k) line += row[k] + std::string(width[k] - row[k].size() + 2, ' ');
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + '\n';
  }
  return out;
}

inline std::string markdown_table(const std::vector<std::vector<std::string>>& rows) {
  std::string out;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    out += '|';
    for (const auto& c : rows[i]) out += ' ' + c + " |";
    out += '\n';
    if (i == 0) {
      out += '|';
      for (std::size_t k = 0; k < rows[i].size(); ++k) out += "---|";
      out += '\n';
    }
  }
  return out;
}

}  // namespace percorsi

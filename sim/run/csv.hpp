// CSV cells (RFC 4180): a text quoted when it holds a comma, a quote or a line break, with its
// quotes doubled. Used by the comparison tables, the trial tables and `percorsi export`.
#pragma once

#include <string>

namespace percorsi {

inline std::string csv_cell(const std::string& x) {
  if (x.find_first_of(",\"\n\r") == std::string::npos) return x;
  std::string o = "\"";
  for (char c : x) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

}  // namespace percorsi

// CSV cells (RFC 4180): a text quoted when it holds a comma, a quote or a line break, with its
// quotes doubled; numbers with ten significant digits. Used by the comparison, trial,
// sensitivity and lessons tables and `percorsi export`.
#pragma once

#include <cmath>
#include <cstdio>
#include <string>

namespace percorsi {

inline std::string csv_cell(const std::string& x) {
  if (x.find_first_of(",\"\n\r") == std::string::npos) return x;
  std::string o = "\"";
  for (char c : x) o += c == '"' ? std::string("\"\"") : std::string(1, c);
  return o + "\"";
}

// A number with ten significant digits; NaN (undefined) as an empty cell.
inline std::string csv_number(double x) {
  if (std::isnan(x)) return "";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.10g", x);
  return buf;
}

}  // namespace percorsi

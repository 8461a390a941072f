#include "output/results.hpp"

#include <cmath>

#include <boost/math/distributions/students_t.hpp>

namespace percorsi::out {

Summary summarize(const std::vector<double>& xs) {
  Summary s;
  s.n = int(xs.size());
  if (s.n == 0) return s;
  double sum = 0;
  for (double x : xs) sum += x;
  s.mean = sum / s.n;
  s.ci_low = s.ci_high = s.mean;
  if (s.n == 1) return s;
  double ss = 0;  // two-pass variance: accurate when the mean is large relative to the spread
  for (double x : xs) ss += (x - s.mean) * (x - s.mean);
  s.sd = std::sqrt(ss / (s.n - 1));
  const double t = boost::math::quantile(boost::math::students_t(s.n - 1), 0.975);
  const double half = t * s.sd / std::sqrt(double(s.n));
  s.ci_low = s.mean - half;
  s.ci_high = s.mean + half;
  return s;
}

}  // namespace percorsi::out

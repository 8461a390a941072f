#include "sim/stats/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>

namespace percorsi {

out::Summary summarize(const std::vector<double>& xs) {
  out::Summary s;
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

out::Summary welch(const std::vector<double>& a, const std::vector<double>& b) {
  const out::Summary sa = summarize(a), sb = summarize(b);
  out::Summary d;
  d.n = std::min(sa.n, sb.n);
  d.mean = sb.mean - sa.mean;
  if (sa.n < 2 || sb.n < 2) {
    d.ci_low = d.ci_high = d.mean;
    return d;
  }
  const double va = sa.sd * sa.sd / sa.n, vb = sb.sd * sb.sd / sb.n;
  const double se = std::sqrt(va + vb);
  d.sd = se;
  if (se == 0) {
    d.ci_low = d.ci_high = d.mean;
    return d;
  }
  const double df = (va + vb) * (va + vb) / (va * va / (sa.n - 1) + vb * vb / (sb.n - 1));
  const double q = boost::math::quantile(boost::math::students_t(df), 0.975);
  d.ci_low = d.mean - q * se;
  d.ci_high = d.mean + q * se;
  return d;
}

Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired) {
  Difference d;
  auto clean = [](const std::vector<double>& v) {
    std::vector<double> o;
    for (double x : v)
      if (!std::isnan(x)) o.push_back(x);
    return o;
  };
  if (paired) {
    std::vector<double> diffs;
    for (std::size_t i = 0; i < a.size() && i < ra.size(); ++i)
      for (std::size_t j = 0; j < b.size() && j < rb.size(); ++j)
        if (ra[i] == rb[j] && !std::isnan(a[i]) && !std::isnan(b[j])) diffs.push_back(b[j] - a[i]);
    if (diffs.size() >= 2) {
      d.summary = summarize(diffs);
      d.paired = true;
      return d;
    }
  }
  d.summary = welch(clean(a), clean(b));
  return d;
}

}  // namespace percorsi

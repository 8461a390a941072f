#include "sim/stats/stats.hpp"

#include <algorithm>
#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <limits>
#include <unordered_map>

namespace percorsi {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double t975(double df) { return boost::math::quantile(boost::math::students_t(df), 0.975); }
// Integer degrees of freedom (summaries of every cell of the weekly series): cached per thread.
double t975(int df) {
  thread_local std::unordered_map<int, double> cache;
  auto it = cache.find(df);
  if (it == cache.end()) it = cache.emplace(df, t975(double(df))).first;
  return it->second;
}

// The interval mean +- q * se mapped through a transform g (with inverse h and derivative dg at
// the mean): h(g(m) -+ q * se * g'(m)). The delta method on the scale where the range is the
// whole real line.
template <class G, class H, class D>
void transformed(out::Summary& s, double q, double se, G g, H h, D dg) {
  const double c = g(s.mean), half = q * se * dg(s.mean);
  s.ci_low = h(c - half);
  s.ci_high = h(c + half);
}

// Fills the bounds of `s` (mean set) for a quantity with this range, standard error `se` and
// t quantile `q`; `difference`: the quantity is a difference of two values of that range.
void bounds(out::Summary& s, double q, double se, Scale scale, bool difference) {
  if (scale.range == Range::Bounded) {  // a share of the upper limit
    const double u = scale.upper;
    out::Summary t = s;
    t.mean = s.mean / u;
    bounds(t, q, se / u, Range::Share, difference);
    s.ci_low = t.ci_low * u;
    s.ci_high = t.ci_high * u;
    return;
  }
  const Range range = scale.range;
  const double m = s.mean;
  if (range == Range::Share && !difference) {
    if (m <= 0 || m >= 1 || se == 0) {
      s.ci_low = s.ci_high = std::clamp(m, 0.0, 1.0);
      return;
    }
    transformed(
        s, q, se, [](double x) { return std::log(x / (1 - x)); }, [](double z) { return 1 / (1 + std::exp(-z)); },
        [](double x) { return 1 / (x * (1 - x)); });
    return;
  }
  if (range == Range::Share && difference) {
    if (m <= -1 || m >= 1 || se == 0) {
      s.ci_low = s.ci_high = std::clamp(m, -1.0, 1.0);
      return;
    }
    transformed(
        s, q, se, [](double x) { return std::atanh(x); }, [](double z) { return std::tanh(z); },
        [](double x) { return 1 / (1 - x * x); });
    return;
  }
  if (range == Range::Positive && !difference) {
    if (m <= 0 || se == 0) {
      s.ci_low = s.ci_high = std::max(m, 0.0);
      return;
    }
    transformed(
        s, q, se, [](double x) { return std::log(x); }, [](double z) { return std::exp(z); },
        [](double x) { return 1 / x; });
    return;
  }
  // Signed quantities, codes, and differences of positive quantities: the real line.
  s.ci_low = m - q * se;
  s.ci_high = m + q * se;
}

std::vector<double> defined(const std::vector<double>& v) {
  std::vector<double> o;
  for (double x : v)
    if (!std::isnan(x)) o.push_back(x);
  return o;
}

// Mean and sample SD (two-pass: accurate when the mean is large relative to the spread).
void moments(const std::vector<double>& xs, double& mean, double& sd) {
  const double n = double(xs.size());
  double sum = 0;
  for (double x : xs) sum += x;
  mean = sum / n;
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  sd = xs.size() > 1 ? std::sqrt(ss / (n - 1)) : kNaN;
}

out::Summary undefined() {
  out::Summary s;
  s.n = 0;
  s.mean = s.sd = s.ci_low = s.ci_high = kNaN;
  return s;
}

}  // namespace

out::Summary interval(double mean, double sd, int n, Scale range) {
  if (n <= 0 || std::isnan(mean)) return undefined();
  out::Summary s;
  s.n = n;
  s.mean = mean;
  s.sd = n > 1 ? sd : kNaN;
  s.ci_low = s.ci_high = kNaN;
  if (n == 1) return s;
  bounds(s, t975(n - 1), sd / std::sqrt(double(n)), range, false);
  return s;
}

out::Summary summarize(const std::vector<double>& xs, Scale range) {
  const std::vector<double> v = defined(xs);
  if (v.empty()) return undefined();
  double m, sd;
  moments(v, m, sd);
  return interval(m, sd, int(v.size()), range);
}

out::Summary summarize(const std::vector<double>& xs, const std::string& headline) {
  const out::OutputSpec* o = out::find_output(out::OutputKind::Headline, headline);
  return summarize(xs, o ? o->scale() : Scale{});
}

out::Summary welch(const std::vector<double>& a0, const std::vector<double>& b0, Scale range) {
  const std::vector<double> a = defined(a0), b = defined(b0);
  if (a.empty() || b.empty()) return undefined();
  double ma, sa, mb, sb;
  moments(a, ma, sa);
  moments(b, mb, sb);
  out::Summary d;
  d.n = int(std::min(a.size(), b.size()));
  d.mean = mb - ma;
  d.sd = d.ci_low = d.ci_high = kNaN;
  if (a.size() < 2 || b.size() < 2) return d;
  const double va = sa * sa / double(a.size()), vb = sb * sb / double(b.size());
  const double se = std::sqrt(va + vb);
  d.sd = se;
  if (se == 0) {
    d.ci_low = d.ci_high = d.mean;
    return d;
  }
  const double df = (va + vb) * (va + vb) / (va * va / double(a.size() - 1) + vb * vb / double(b.size() - 1));
  bounds(d, t975(df), se, range, true);
  return d;
}

Difference difference(const std::vector<double>& a, const std::vector<int>& ra, const std::vector<double>& b,
                      const std::vector<int>& rb, bool paired, Scale range) {
  Difference d;
  if (paired) {
    std::vector<double> diffs;
    for (std::size_t i = 0; i < a.size() && i < ra.size(); ++i)
      for (std::size_t j = 0; j < b.size() && j < rb.size(); ++j)
        if (ra[i] == rb[j] && !std::isnan(a[i]) && !std::isnan(b[j])) diffs.push_back(b[j] - a[i]);
    if (diffs.size() >= 2) {
      double m, sd;
      moments(diffs, m, sd);
      d.summary.n = int(diffs.size());
      d.summary.mean = m;
      d.summary.sd = sd;
      bounds(d.summary, t975(int(diffs.size()) - 1), sd / std::sqrt(double(diffs.size())), range, true);
      d.paired = true;
      return d;
    }
  }
  d.summary = welch(a, b, range);
  return d;
}

Verdict verdict(const out::Summary& d, double mid) {
  if (d.n == 0 || std::isnan(d.mean) || std::isnan(d.ci_low) || std::isnan(d.ci_high)) return Verdict::Undefined;
  if (d.mean == 0 && d.ci_low == 0 && d.ci_high == 0) return Verdict::Negligible;  // no difference at all
  const bool excludes_zero = d.ci_low > 0 || d.ci_high < 0;
  if (std::isnan(mid)) return excludes_zero ? Verdict::Important : Verdict::Unclear;
  if (excludes_zero) return std::fabs(d.mean) >= mid ? Verdict::Important : Verdict::Negligible;
  return (d.ci_low > -mid && d.ci_high < mid) ? Verdict::Negligible : Verdict::Unclear;
}

int verdict_side(double mean, double mid) {
  if (!std::isnan(mid) && std::fabs(mean) < mid) return 0;
  return (mean > 0) - (mean < 0);
}

bool too_few(double mean_denominator) { return mean_denominator < kMinDenominator; }

namespace {

// The pairs (x_r, y_r) with neither value NaN.
void defined_pairs(const std::vector<double>& x0, const std::vector<double>& y0, std::vector<double>& x,
                   std::vector<double>& y) {
  for (std::size_t i = 0; i < x0.size() && i < y0.size(); ++i)
    if (!std::isnan(x0[i]) && !std::isnan(y0[i])) x.push_back(x0[i]), y.push_back(y0[i]);
}

// Fieller's quadratic for paired means: rho is inside the interval when
// (mx - rho my)^2 <= q^2 (vxx - 2 rho vxy + rho^2 vyy), i.e. a rho^2 - 2 b rho + c <= 0 with
// a = my^2 - q^2 vyy, b = mx my - q^2 vxy, c = mx^2 - q^2 vxx (v: variances and covariance of
// the means). a > 0 exactly when the t-interval of my excludes zero; the ratio mx / my is then
// inside (the left side is 0 there), so the roots are real.
struct Fieller {
  int n = 0;
  double mx = kNaN, my = kNaN, a = kNaN, b = kNaN, c = kNaN;
};
Fieller fieller_terms(const std::vector<double>& x0, const std::vector<double>& y0) {
  Fieller f;
  std::vector<double> x, y;
  defined_pairs(x0, y0, x, y);
  f.n = int(x.size());
  if (f.n < 2) return f;
  double sx, sy;
  moments(x, f.mx, sx);
  moments(y, f.my, sy);
  double sxy = 0;
  for (std::size_t i = 0; i < x.size(); ++i) sxy += (x[i] - f.mx) * (y[i] - f.my);
  const double n = double(f.n), q2 = std::pow(t975(f.n - 1), 2);
  const double vxx = sx * sx / n, vyy = sy * sy / n, vxy = sxy / (n - 1) / n;
  f.a = f.my * f.my - q2 * vyy;
  f.b = f.mx * f.my - q2 * vxy;
  f.c = f.mx * f.mx - q2 * vxx;
  return f;
}

}  // namespace

out::Summary fieller(const std::vector<double>& num, const std::vector<double>& den) {
  const Fieller f = fieller_terms(num, den);
  out::Summary s;
  s.n = f.n;
  s.mean = f.n > 0 && f.my != 0 ? f.mx / f.my : kNaN;
  s.sd = s.ci_low = s.ci_high = kNaN;
  if (!(f.a > 0)) return s;
  const double root = std::sqrt(std::max(0.0, f.b * f.b - f.a * f.c));
  s.ci_low = (f.b - root) / f.a;
  s.ci_high = (f.b + root) / f.a;
  return s;
}

Icer icer(const std::vector<double>& cost, const std::vector<double>& effect, int direction) {
  Icer r;
  std::vector<double> c, e;
  defined_pairs(cost, effect, c, e);
  r.cost = summarize(c);
  r.effect = summarize(e);
  r.ratio = fieller(c, e);
  if (std::isnan(r.ratio.ci_low)) return r;  // the outcome's interval includes zero
  const bool cost_differs = r.cost.ci_low > 0 || r.cost.ci_high < 0;
  const bool better = r.effect.mean * direction > 0;
  r.status = cost_differs && better && r.cost.mean < 0    ? CostEffect::Dominant
             : cost_differs && !better && r.cost.mean > 0 ? CostEffect::Dominated
                                                          : CostEffect::Ratio;
  return r;
}

const char* cost_effect_name(CostEffect c) {
  switch (c) {
    case CostEffect::Undefined: return "";
    case CostEffect::Dominant: return "dominant";
    case CostEffect::Dominated: return "dominated";
    case CostEffect::Ratio: return "";
  }
  return "?";
}

const char* verdict_name(Verdict v) {
  switch (v) {
    case Verdict::Undefined: return "n/a";
    case Verdict::Unclear: return "unclear";
    case Verdict::Negligible: return "negligible";
    case Verdict::Important: return "important";
  }
  return "?";
}

}  // namespace percorsi

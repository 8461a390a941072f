// Weekly hazards of the model rules (docs/model.md): every weekly
// probability is p = 1 - exp(-rate), rate = base * exp(sum of coefficient * covariate)
// (docs/architecture.md, "Rules, machinery, and two engines", explains how a rule declares its covariates).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "sim/model/random.hpp"

namespace percorsi {

// A covariate of a log-linear hazard: it adds coef * x to the log-rate, with x in [lo, hi].
// The range is part of the rule: the largest probability the rule can give is derived from
// it (and every value the rule is given is checked against it).
struct Covariate {
  const char* name;
  double coef, lo, hi;
  double max_term() const { return std::max(coef * lo, coef * hi); }
};

// p = 1 - exp(-base * exp(sum_i coef_i * x_i)), base per week. hit(u, x) tests a uniform
// draw u against it; x is a callable giving the covariates, called only for the draws below
// the largest probability the declared ranges allow, so that most draws never read them.
template <std::size_t N>
class LogLinearHazard {
 public:
  using Values = std::array<double, N>;
  LogLinearHazard(const char* name, double base_per_week, std::array<Covariate, N> cov)
      : name_(name), base_(base_per_week), cov_(cov) {
    double m = 0;
    for (const auto& c : cov_) m += c.max_term();
    p_max_ = hazard_p(base_ * std::exp(m));
  }
  // The log-rate of covariate values x (summed in declaration order).
  double lp(const Values& x) const {
    double s = 0;
    for (std::size_t i = 0; i < N; ++i) {
      if (!(x[i] >= cov_[i].lo && x[i] <= cov_[i].hi))
        throw std::logic_error(std::string("hazard ") + name_ + ": covariate " + cov_[i].name + " = " +
                               std::to_string(x[i]) + " outside its declared range");
      s += cov_[i].coef * x[i];
    }
    return s;
  }
  double p(const Values& x) const { return hazard_p(rate(x)); }
  double rate(const Values& x) const { return base_ * std::exp(lp(x)); }
  template <class X>
  bool hit(double u, X&& covariates) const {
    return u < p_max_ && hazard_hit(u, rate(covariates()));  // u < p(covariates()), mostly without expm1
  }
  // The largest probability the declared covariate ranges allow.
  double p_max() const { return p_max_; }
  double base() const { return base_; }
  const std::array<Covariate, N>& covariates() const { return cov_; }

 private:
  const char* name_;
  double base_, p_max_ = 0;
  std::array<Covariate, N> cov_;
};

}  // namespace percorsi

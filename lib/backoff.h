// Exponential backoff with full jitter, as promtail retries: 0.5 s doubling
// to 5 min, each wait drawn uniformly from [base/2, base].
#pragma once

#include <chrono>
#include <random>

namespace drift {

class Backoff {
 public:
  using Millis = std::chrono::milliseconds;
  explicit Backoff(Millis min = Millis(500), Millis max = Millis(300000)) : min_(min), max_(max), next_(min) {}
  /// The wait before the next attempt after a failure.
  Millis failed() {
    const auto base = next_;
    next_ = std::min(max_, next_ * 2);
    std::uniform_int_distribution<long long> d(base.count() / 2, base.count());
    return Millis(d(rng_));
  }
  void succeeded() { next_ = min_; }

 private:
  Millis min_, max_, next_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace drift

// Jobs.
#include <string>
#include <vector>
using std::string;

namespace jobs {

constexpr int kMax = 10;

/// Queue holds jobs.
class Queue {
 public:
  bool Push(const string& job) {
    if (items_.size() >= kMax) {
      return false;
    }
    items_.push_back(job);
    return true;
  }

 private:
  std::vector<string> items_;
};

template <typename T>
T Clamp(T v, T lo, T hi) {
  return v < lo ? lo : (v > hi ? hi : v);
}

}  // namespace jobs

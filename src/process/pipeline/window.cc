#include "process/pipeline/window.h"

namespace loch::pipeline {

Status WindowSpec::validate() const {
  switch (kind) {
    case WindowKind::kTumbling:
      if (size_ms <= 0) return Status::invalid_argument("tumbling window: size must be positive");
      return Status::ok();
    case WindowKind::kHopping:
      if (size_ms <= 0) return Status::invalid_argument("hopping window: size must be positive");
      if (slide_ms <= 0) return Status::invalid_argument("hopping window: slide must be positive");
      if (slide_ms > size_ms) {
        return Status::invalid_argument("hopping window: slide " + std::to_string(slide_ms) +
                                        " ms is longer than the size " + std::to_string(size_ms) +
                                        " ms, so some events would be in no window");
      }
      return Status::ok();
    case WindowKind::kSession:
      if (gap_ms <= 0) return Status::invalid_argument("session window: gap must be positive");
      return Status::ok();
  }
  return Status::internal("unknown window kind");
}

std::string WindowSpec::describe() const {
  switch (kind) {
    case WindowKind::kTumbling: return "tumbling(" + std::to_string(size_ms) + ")";
    case WindowKind::kHopping:
      return "hopping(" + std::to_string(size_ms) + "," + std::to_string(slide_ms) + ")";
    case WindowKind::kSession: return "session(" + std::to_string(gap_ms) + ")";
  }
  return "?";
}

}  // namespace loch::pipeline

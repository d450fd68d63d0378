#pragma once

namespace loch {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace loch

#include "common/logging.h"

#include <memory>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace loch {
namespace {

void append_json_escaped(const char* data, size_t size, spdlog::memory_buf_t& out) {
  for (size_t i = 0; i < size; ++i) {
    unsigned char c = static_cast<unsigned char>(data[i]);
    switch (c) {
      case '"': out.append(std::string_view("\\\"")); break;
      case '\\': out.append(std::string_view("\\\\")); break;
      case '\n': out.append(std::string_view("\\n")); break;
      case '\r': out.append(std::string_view("\\r")); break;
      case '\t': out.append(std::string_view("\\t")); break;
      default:
        if (c < 0x20) {
          char buf[8];
          int n = std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out.append(buf, buf + n);
        } else {
          out.push_back(static_cast<char>(c));
        }
    }
  }
}

// {"time":"2026-11-25T08:00:00.123Z","level":"info","msg":"..."}
class JsonLineFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    time_formatter_.format(msg, dest);
    dest.append(std::string_view(",\"level\":\""));
    auto level = spdlog::level::to_string_view(msg.level);
    dest.append(level.data(), level.data() + level.size());
    dest.append(std::string_view("\",\"msg\":\""));
    append_json_escaped(msg.payload.data(), msg.payload.size(), dest);
    dest.append(std::string_view("\"}\n"));
  }
  std::unique_ptr<spdlog::formatter> clone() const override { return std::make_unique<JsonLineFormatter>(); }

 private:
  spdlog::pattern_formatter time_formatter_{"{\"time\":\"%Y-%m-%dT%H:%M:%S.%eZ\"", spdlog::pattern_time_type::utc, ""};
};

}  // namespace

Status init_logging(const LogOptions& options) {
  auto level = spdlog::level::from_str(options.level);
  if (level == spdlog::level::off && options.level != "off") {
    return Status::invalid_argument("--log-level: unknown level '" + options.level +
                                    "' (expected trace, debug, info, warn, error or off)");
  }
  auto logger = std::make_shared<spdlog::logger>("loch", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  if (options.format == "json") {
    logger->set_formatter(std::make_unique<JsonLineFormatter>());
  } else if (options.format == "text") {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  } else {
    return Status::invalid_argument("--log-format: unknown format '" + options.format + "' (expected text or json)");
  }
  logger->set_level(level);
  spdlog::set_default_logger(logger);
  return Status::ok();
}

}  // namespace loch

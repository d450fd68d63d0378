// PrometheusText: builds a page of Prometheus' text exposition format
// (version 0.0.4), what `GET /metrics` answers:
//
//   # HELP loch_pipeline_records_total Records read from the source.
//   # TYPE loch_pipeline_records_total counter
//   loch_pipeline_records_total{pipeline="bronze_orders"} 5000
//
// Label values are escaped (\\, \", \n) as the format requires; values are
// written as whole numbers when they are, NaN and +Inf/-Inf by name.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace loch::metrics {

using Labels = std::vector<std::pair<std::string, std::string>>;

class PrometheusText {
 public:
  // Starts a metric family: its HELP and TYPE (counter, gauge, untyped) lines.
  void family(std::string_view name, std::string_view type, std::string_view help);
  // One sample of the family last started.
  void sample(std::string_view name, const Labels& labels, double value);

  const std::string& text() const { return text_; }

  static constexpr const char* kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  std::string text_;
};

// A number as the exposition format writes it.
std::string format_sample_value(double value);

}  // namespace loch::metrics

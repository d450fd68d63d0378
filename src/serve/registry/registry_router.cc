#include "serve/registry/registry_router.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "collect/registry/registry_json.h"
#include "serve/registry/http_target.h"

namespace loch::serve {
namespace {

using registry::CompatibilityReport;
using registry::RegistryError;
using registry::RegistryResult;
using registry::SchemaRequest;
using registry::SchemaStore;
using registry::VersionSpec;

RegistryAnswer ok(std::string body) { return RegistryAnswer{200, std::move(body)}; }

// RegistryError::to_json's body, rendered here with invalid UTF-8 replaced:
// parser messages quote the request's bytes, which may be anything.
RegistryAnswer error_answer(const RegistryError& error) {
  return registry_error_answer(error.http_status, error.error_code, error.message);
}

// Jersey's answers for requests no resource method matches.
RegistryAnswer not_found() { return registry_error_answer(404, 404, "HTTP 404 Not Found"); }
RegistryAnswer method_not_allowed() { return registry_error_answer(405, 405, "HTTP 405 Method Not Allowed"); }

// The media types Confluent's resources consume (charset and other
// parameters aside); no Content-Type at all is taken as JSON too.
bool accepted_content_type(std::string_view content_type) {
  std::string type(content_type.substr(0, content_type.find(';')));
  type.erase(std::remove_if(type.begin(), type.end(), [](unsigned char c) { return std::isspace(c); }), type.end());
  std::transform(type.begin(), type.end(), type.begin(), [](unsigned char c) { return std::tolower(c); });
  return type.empty() || type == "application/vnd.schemaregistry.v1+json" ||
         type == "application/vnd.schemaregistry+json" || type == "application/json" ||
         type == "application/octet-stream";
}

// Schema ids in paths: a positive 32-bit integer, else no such resource
// (Jersey answers 404 when an Integer path parameter does not parse).
std::optional<int32_t> parse_id(std::string_view text) {
  int64_t number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error != std::errc() || end != text.data() + text.size() || number < 0 || number > INT32_MAX) {
    return std::nullopt;
  }
  return static_cast<int32_t>(number);
}

template <typename T, typename Render>
RegistryAnswer answer(const RegistryResult<T>& result, Render render) {
  if (!result.is_ok()) return error_answer(result.error());
  return ok(render(*result));
}

// The schema text itself, as GET .../schema answers it.
RegistryAnswer raw_schema(std::string schema) { return ok(std::move(schema)); }

// One request being routed: its parsed target, method and body.
class Route {
 public:
  Route(SchemaStore& store, const RegistryRequest& request, HttpTarget target)
      : store_(store), request_(request), target_(std::move(target)), segments_(target_.segments) {}

  RegistryAnswer dispatch() {
    if (segments_.empty()) {
      if (method_is("GET")) return ok("{}");
      return method_not_allowed();
    }
    const std::string& root = segments_[0];
    if (root == "subjects") return subjects();
    if (root == "schemas") return schemas();
    if (root == "compatibility") return compatibility();
    if (root == "config") return config();
    if (root == "mode") return mode();
    return not_found();
  }

 private:
  bool method_is(std::string_view method) const { return request_.method == method; }
  size_t depth() const { return segments_.size(); }
  bool flag(std::string_view name) const { return target_.flag(name); }
  std::string_view param(std::string_view name) const { return target_.param(name); }

  RegistryResult<SchemaRequest> schema_request() const {
    return registry::parse_schema_request(request_.body, flag("normalize"));
  }

  // /subjects[/{s}[/versions[/{v}[/schema|/referencedby]]]]
  RegistryAnswer subjects() {
    if (depth() == 1) {
      if (!method_is("GET")) return method_not_allowed();
      return ok(registry::json_array(store_.list_subjects(flag("deleted"), param("subjectPrefix"))));
    }
    const std::string& subject = segments_[1];
    if (depth() == 2) {
      if (method_is("POST")) {
        auto parsed = schema_request();
        if (!parsed.is_ok()) return error_answer(parsed.error());
        return answer(store_.lookup_schema(subject, *parsed, flag("deleted")), registry::subject_schema_json);
      }
      if (method_is("DELETE")) {
        return answer(store_.delete_subject(subject, flag("permanent")),
                      [](const std::vector<int32_t>& versions) { return registry::json_array(versions); });
      }
      return method_not_allowed();
    }
    if (segments_[2] != "versions") return not_found();
    if (depth() == 3) {
      if (method_is("GET")) {
        return answer(store_.list_versions(subject, flag("deleted")),
                      [](const std::vector<int32_t>& versions) { return registry::json_array(versions); });
      }
      if (method_is("POST")) {
        auto parsed = schema_request();
        if (!parsed.is_ok()) return error_answer(parsed.error());
        return answer(store_.register_schema(subject, *parsed), registry::register_response_json);
      }
      return method_not_allowed();
    }
    auto version = VersionSpec::parse(segments_[3]);
    if (!version.is_ok()) return error_answer(version.error());
    if (depth() == 4) {
      if (method_is("GET")) {
        return answer(store_.get_version(subject, *version, flag("deleted"), param("format")),
                      registry::subject_schema_json);
      }
      if (method_is("DELETE")) {
        return answer(store_.delete_version(subject, *version, flag("permanent")),
                      [](int32_t deleted) { return std::to_string(deleted); });
      }
      return method_not_allowed();
    }
    if (depth() == 5 && segments_[4] == "schema") {
      if (!method_is("GET")) return method_not_allowed();
      auto found = store_.get_version(subject, *version, flag("deleted"), param("format"));
      if (!found.is_ok()) return error_answer(found.error());
      return raw_schema(std::move(found->schema));
    }
    if (depth() == 5 && segments_[4] == "referencedby") {
      if (!method_is("GET")) return method_not_allowed();
      return answer(store_.referenced_by(subject, *version),
                    [](const std::vector<int32_t>& ids) { return registry::json_array(ids); });
    }
    return not_found();
  }

  // /schemas, /schemas/types, /schemas/ids/{id}[/schema|/subjects|/versions]
  RegistryAnswer schemas() {
    if (depth() == 1) {
      if (!method_is("GET")) return method_not_allowed();
      return ok(registry::subject_schemas_json(
          store_.list_schemas(param("subjectPrefix"), flag("deleted"), flag("latestOnly"))));
    }
    if (depth() == 2 && segments_[1] == "types") {
      if (!method_is("GET")) return method_not_allowed();
      return ok(registry::json_array(SchemaStore::schema_types()));
    }
    if (segments_[1] != "ids" || depth() < 3 || depth() > 4) return not_found();
    const std::optional<int32_t> id = parse_id(segments_[2]);
    if (!id) return not_found();
    if (!method_is("GET")) return method_not_allowed();
    if (depth() == 3) return answer(store_.get_schema_by_id(*id, param("format")), registry::schema_by_id_json);
    const std::string& what = segments_[3];
    if (what == "schema") {
      auto found = store_.get_schema_by_id(*id, param("format"));
      if (!found.is_ok()) return error_answer(found.error());
      return raw_schema(std::move(found->schema));
    }
    if (what == "subjects") {
      return answer(store_.subjects_for_id(*id, flag("deleted")),
                    [](const std::vector<std::string>& names) { return registry::json_array(names); });
    }
    if (what == "versions") {
      return answer(store_.versions_for_id(*id, flag("deleted")), registry::subject_versions_json);
    }
    return not_found();
  }

  // /compatibility/subjects/{s}/versions[/{v}]
  RegistryAnswer compatibility() {
    if (depth() < 4 || depth() > 5 || segments_[1] != "subjects" || segments_[3] != "versions") return not_found();
    if (!method_is("POST")) return method_not_allowed();
    std::optional<VersionSpec> version;
    if (depth() == 5) {
      auto parsed_version = VersionSpec::parse(segments_[4]);
      if (!parsed_version.is_ok()) return error_answer(parsed_version.error());
      version = *parsed_version;
    }
    auto parsed = schema_request();
    if (!parsed.is_ok()) return error_answer(parsed.error());
    const bool verbose = flag("verbose");
    return answer(store_.check_compatibility(segments_[2], version, *parsed),
                  [verbose](const CompatibilityReport& report) { return registry::compatibility_json(report, verbose); });
  }

  // /config[/{s}]
  RegistryAnswer config() {
    if (depth() > 2) return not_found();
    std::optional<std::string_view> subject;
    if (depth() == 2) subject = segments_[1];
    if (method_is("GET")) {
      return answer(store_.get_compatibility(subject, flag("defaultToGlobal")), registry::config_get_json);
    }
    if (method_is("PUT")) {
      auto level = registry::parse_config_request(request_.body);
      if (!level.is_ok()) return error_answer(level.error());
      return answer(store_.set_compatibility(subject, *level), registry::config_put_json);
    }
    if (method_is("DELETE")) return answer(store_.delete_compatibility(subject), registry::config_get_json);
    return method_not_allowed();
  }

  // /mode[/{s}]
  RegistryAnswer mode() {
    if (depth() > 2) return not_found();
    std::optional<std::string_view> subject;
    if (depth() == 2) subject = segments_[1];
    if (method_is("GET")) return answer(store_.get_mode(subject, flag("defaultToGlobal")), registry::mode_json);
    if (method_is("PUT")) {
      auto mode = registry::parse_mode_request(request_.body);
      if (!mode.is_ok()) return error_answer(mode.error());
      return answer(store_.set_mode(subject, *mode, flag("force")), registry::mode_json);
    }
    if (method_is("DELETE")) return answer(store_.delete_mode(subject), registry::mode_json);
    return method_not_allowed();
  }

  SchemaStore& store_;
  const RegistryRequest& request_;
  const HttpTarget target_;
  const std::vector<std::string>& segments_;
};

}  // namespace

RegistryAnswer registry_error_answer(int status, int error_code, std::string_view message) {
  nlohmann::ordered_json body = {{"error_code", error_code}, {"message", message}};
  // Messages may quote the request's own bytes: never let invalid UTF-8 throw.
  return RegistryAnswer{status, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)};
}

RegistryAnswer RegistryRouter::handle(const RegistryRequest& request) const {
  auto target = parse_http_target(request.target);
  if (!target.is_ok()) return registry_error_answer(400, 400, target.status().message());
  const bool has_body = request.method == "POST" || request.method == "PUT";
  if (has_body && !accepted_content_type(request.content_type)) {
    return registry_error_answer(415, 415, "HTTP 415 Unsupported Media Type");
  }
  Route route(store_, request, std::move(target).value());
  try {
    return route.dispatch();
  } catch (const std::exception& e) {
    // A bug, not the client's fault: the request ends, the registry stays up.
    spdlog::error("registry: {} {} failed: {}", request.method, request.target, e.what());
    return registry_error_answer(500, 500, std::string("Internal Server Error: ") + e.what());
  }
}

}  // namespace loch::serve

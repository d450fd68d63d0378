#include "cli/http_schema_source.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>


namespace loch::cli {

namespace {

std::string url_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned char>(c));
    }
  }
  return out;
}

}  // namespace

Status HttpSchemaSource::resolve_references(const nlohmann::json& references,
                                            std::vector<registry::ResolvedReference>& out, int depth) {
  if (!references.is_array()) return Status::ok();
  if (depth > 32) return Status::invalid_argument("schema references nest more than 32 deep");
  for (const auto& ref : references) {
    if (!ref.is_object() || !ref.contains("subject") || !ref.contains("version") || !ref.contains("name")) continue;
    std::string path = fmt::format("/subjects/{}/versions/{}", url_escape(ref["subject"].get<std::string>()),
                                   ref["version"].dump());
    LOCH_ASSIGN_OR_RETURN(serve::HttpReply reply, client_.request("GET", path));
    if (reply.status != 200) return Status::not_found(fmt::format("GET {}: HTTP {} {}", path, reply.status, reply.body));
    auto body = nlohmann::json::parse(reply.body, nullptr, false);
    if (!body.is_object() || !body.contains("schema")) return Status::corruption("GET " + path + ": no schema in the answer");
    if (body.contains("references")) LOCH_RETURN_IF_ERROR(resolve_references(body["references"], out, depth + 1));
    out.push_back({ref["name"].get<std::string>(), body["schema"].get<std::string>()});
  }
  return Status::ok();
}

std::shared_ptr<const registry::ParsedSchema> HttpSchemaSource::schema_by_id(int32_t id) {
  std::lock_guard lock(mutex_);
  if (auto it = schemas_.find(id); it != schemas_.end()) return it->second;
  auto reply = client_.request("GET", fmt::format("/schemas/ids/{}", id));
  if (!reply.is_ok()) {
    last_error_ = reply.status().message();
    return nullptr;
  }
  if (reply->status != 200) return nullptr;
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_object() || !body.contains("schema") || !body["schema"].is_string()) return nullptr;
  auto type = registry::parse_schema_type(body.value("schemaType", std::string("AVRO")));
  if (!type) return nullptr;
  std::vector<registry::ResolvedReference> references;
  if (body.contains("references")) {
    if (Status s = resolve_references(body["references"], references, 0); !s.is_ok()) {
      last_error_ = s.message();
      return nullptr;
    }
  }
  auto parsed = registry::parse_schema(*type, body["schema"].get<std::string>(), references);
  if (!parsed.is_ok()) {
    last_error_ = parsed.status().message();
    return nullptr;
  }
  std::shared_ptr<const registry::ParsedSchema> schema(std::move(parsed).value());
  schemas_.emplace(id, schema);
  return schema;
}

bool HttpSchemaSource::is_registered_under(const std::string& subject, int32_t id) {
  std::lock_guard lock(mutex_);
  auto reply = client_.request("GET", fmt::format("/schemas/ids/{}/versions", id));
  if (!reply.is_ok()) {
    last_error_ = reply.status().message();
    return false;
  }
  if (reply->status != 200) return false;
  auto body = nlohmann::json::parse(reply->body, nullptr, false);
  if (!body.is_array()) return false;
  return std::any_of(body.begin(), body.end(), [&](const nlohmann::json& v) {
    return v.is_object() && v.value("subject", std::string()) == subject;
  });
}

}  // namespace loch::cli

// The JSON bodies of Confluent's Schema Registry REST API, in and out, so
// the HTTP server only routes: a body in, a store call, a body out. Any
// byte string is a safe input: garbage gives a RegistryError, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "collect/registry/compatibility.h"
#include "collect/registry/registry_error.h"
#include "collect/registry/schema_store.h"

namespace loch::registry {

// 400 with error_code 400 and the JSON parser's message (as Confluent
// answers a body that is not JSON).
RegistryError malformed_body(std::string_view parser_message);

// POST /subjects/{s}/versions, POST /subjects/{s}, POST /compatibility/...:
//   {"schema": "...", "schemaType": "AVRO"|"JSON"|"PROTOBUF" (default AVRO),
//    "references": [{"name": .., "subject": .., "version": ..}], "id": n, "version": n}
// `normalize` comes from the query string, not the body.
RegistryResult<SchemaRequest> parse_schema_request(std::string_view body, bool normalize = false);

// PUT /config[/{s}]: {"compatibility": "FULL"} (or "compatibilityLevel").
RegistryResult<std::string> parse_config_request(std::string_view body);
// PUT /mode[/{s}]: {"mode": "READONLY"}.
RegistryResult<std::string> parse_mode_request(std::string_view body);

std::string register_response_json(const RegisterOutcome& outcome);  // {"id":1}
// {"subject":..,"version":..,"id":..,["schemaType":..,]["references":[..],]"schema":..}
// (schemaType only when not AVRO, references only when present, as Confluent).
std::string subject_schema_json(const SubjectSchema& schema);
std::string schema_by_id_json(const SchemaById& schema);
std::string subject_schemas_json(const std::vector<SubjectSchema>& schemas);  // GET /schemas: [subject_schema_json, ...]  // {["schemaType":..,]["references":..,]"schema":..}
// {"is_compatible":false[,"messages":[..]]}: messages when verbose.
std::string compatibility_json(const CompatibilityReport& report, bool verbose);
std::string config_get_json(CompatibilityLevel level);  // GET /config: {"compatibilityLevel":"FULL"}
std::string config_put_json(CompatibilityLevel level);  // PUT /config: {"compatibility":"FULL"}
std::string mode_json(Mode mode);                       // {"mode":"READWRITE"}
std::string subject_versions_json(const std::vector<SubjectVersion>& versions);  // [{"subject":..,"version":..}]
std::string json_array(const std::vector<int32_t>& values);                      // [1,2]
std::string json_array(const std::vector<std::string>& values);                  // ["a","b"]

}  // namespace loch::registry

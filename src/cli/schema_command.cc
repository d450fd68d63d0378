#include "cli/schema_command.h"

#include <fstream>
#include <cctype>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include <nlohmann/json.hpp>

#include "cli/common_options.h"
#include "serve/registry/http_target.h"
#include "serve/registry/registry_http_client.h"

namespace loch::cli {
namespace {

using nlohmann::json;
using serve::HttpReply;
using serve::percent_encode;
using serve::RegistryHttpClient;
using serve::RegistryUrl;

// Exit codes: 0 done, 1 failed (the registry's or the network's error is
// printed), 2 usage, 3 `check` found the schema incompatible.
constexpr int kExitFailed = 1;
constexpr int kExitUsage = 2;
constexpr int kExitIncompatible = 3;

struct SchemaOptions {
  CommonOptions common;
  std::string registry_url = "http://localhost:8081";
  std::string subject;
  std::string schema_file;            // --file
  std::string schema_text;            // --schema
  std::string type;                   // --type: AVRO (default) | JSON | PROTOBUF
  std::vector<std::string> references;  // --reference name=subject:version
  std::string version;                // --version (get, check, delete)
  int id = 0;                         // --id (get)
  std::string prefix;                 // --prefix (list)
  bool normalize = false;
  bool deleted = false;
  bool permanent = false;
  bool schema_only = false;
};

// An error the registry answered ({"error_code":..,"message":..}) or a
// transport failure, printed as "loch schema CMD: message (error 40401)".
struct CommandError {
  std::string message;
  int exit_code = kExitFailed;
};

class SchemaCommand {
 public:
  SchemaCommand(SchemaOptions& options, Settings& settings) : options_(options), settings_(settings) {}

  // Runs one subcommand; returns its exit code, having printed its result
  // on stdout or its error on stderr.
  using Action = std::optional<CommandError> (SchemaCommand::*)();
  int run(const std::string& name, Action action) {
    if (Status s = finish_common_options(settings_, options_.common); !s.is_ok()) {
      std::cerr << "loch schema " << name << ": " << s.message() << "\n";
      return kExitUsage;
    }
    auto url = RegistryUrl::parse(options_.registry_url);
    if (!url.is_ok()) {
      std::cerr << "loch schema " << name << ": --registry-url: " << url.status().message() << "\n";
      return kExitUsage;
    }
    client_ = std::make_unique<RegistryHttpClient>(*url);
    std::optional<CommandError> error = (this->*action)();
    if (!error) return 0;
    std::cerr << "loch schema " << name << ": " << error->message << "\n";
    return error->exit_code;
  }

  std::optional<CommandError> register_schema() {
    auto body = schema_body();
    if (!body.is_ok()) return CommandError{body.status().message(), kExitUsage};
    const std::string subject = percent_encode(options_.subject);
    const std::string flags = options_.normalize ? "?normalize=true" : "";
    json registered;
    if (auto error = call("POST", "/subjects/" + subject + "/versions" + flags, *body, registered)) return error;
    // The version comes from a lookup: Confluent's register answer is {"id":N}.
    json found;
    if (auto error = call("POST", "/subjects/" + subject + flags, *body, found)) return error;
    std::cout << "Registered " << options_.subject << " version " << found.value("version", 0) << " with schema id "
              << registered.value("id", 0) << "\n";
    return std::nullopt;
  }

  std::optional<CommandError> get() {
    json schema;
    if (options_.id > 0) {
      if (auto error = call("GET", "/schemas/ids/" + std::to_string(options_.id), std::nullopt, schema)) return error;
      schema["id"] = options_.id;
    } else {
      if (options_.subject.empty()) return CommandError{"give a SUBJECT or --id", kExitUsage};
      const std::string version = options_.version.empty() ? "latest" : percent_encode(options_.version);
      const std::string flags = options_.deleted ? "?deleted=true" : "";
      if (auto error = call("GET", "/subjects/" + percent_encode(options_.subject) + "/versions/" + version + flags,
                            std::nullopt, schema)) {
        return error;
      }
    }
    const std::string text = schema.value("schema", "");
    if (!options_.schema_only) {
      if (schema.contains("subject")) std::cout << "subject: " << schema["subject"].get<std::string>() << "\n";
      if (schema.contains("version")) std::cout << "version: " << schema["version"].dump() << "\n";
      std::cout << "id: " << schema.value("id", 0) << "\n";
      std::cout << "type: " << schema.value("schemaType", "AVRO") << "\n";
      if (schema.contains("references") && !schema["references"].empty()) {
        for (const auto& reference : schema["references"]) {
          std::cout << "reference: " << reference.value("name", "") << " = " << reference.value("subject", "") << ":"
                    << reference.value("version", 0) << "\n";
        }
      }
      std::cout << "schema:\n";
    }
    // Avro and JSON Schema texts are JSON: indent them for reading.
    json document = json::parse(text, nullptr, false);
    if (!options_.schema_only && !document.is_discarded() && (document.is_object() || document.is_array())) {
      std::cout << document.dump(2) << "\n";
    } else {
      std::cout << text << (text.empty() || text.back() != '\n' ? "\n" : "");
    }
    return std::nullopt;
  }

  std::optional<CommandError> list() {
    std::string flags;
    auto add_flag = [&flags](const std::string& flag) { flags += (flags.empty() ? "?" : "&") + flag; };
    if (options_.deleted) add_flag("deleted=true");
    json listed;
    if (options_.subject.empty()) {
      if (!options_.prefix.empty()) add_flag("subjectPrefix=" + percent_encode(options_.prefix));
      if (auto error = call("GET", "/subjects" + flags, std::nullopt, listed)) return error;
      for (const auto& subject : listed) std::cout << subject.get<std::string>() << "\n";
    } else {
      if (auto error = call("GET", "/subjects/" + percent_encode(options_.subject) + "/versions" + flags, std::nullopt,
                            listed)) {
        return error;
      }
      for (const auto& version : listed) std::cout << version.dump() << "\n";
    }
    return std::nullopt;
  }

  std::optional<CommandError> check() {
    auto body = schema_body();
    if (!body.is_ok()) return CommandError{body.status().message(), kExitUsage};
    std::string path = "/compatibility/subjects/" + percent_encode(options_.subject) + "/versions";
    if (!options_.version.empty()) path += "/" + percent_encode(options_.version);
    json report;
    if (auto error = call("POST", path + "?verbose=true", *body, report)) return error;
    if (report.value("is_compatible", false)) {
      std::cout << "compatible\n";
      return std::nullopt;
    }
    std::cout << "incompatible\n";
    if (report.contains("messages")) {
      for (const auto& message : report["messages"]) {
        std::cout << "  " << (message.is_string() ? message.get<std::string>() : message.dump()) << "\n";
      }
    }
    return CommandError{options_.subject + ": the schema is not compatible", kExitIncompatible};
  }

  std::optional<CommandError> remove() {
    const std::string subject = percent_encode(options_.subject);
    const std::string flags = options_.permanent ? "?permanent=true" : "";
    json deleted;
    if (options_.version.empty()) {
      if (auto error = call("DELETE", "/subjects/" + subject + flags, std::nullopt, deleted)) return error;
      std::cout << (options_.permanent ? "Permanently deleted " : "Deleted ") << options_.subject << " versions "
                << deleted.dump() << "\n";
    } else {
      if (auto error = call("DELETE", "/subjects/" + subject + "/versions/" + percent_encode(options_.version) + flags,
                            std::nullopt, deleted)) {
        return error;
      }
      std::cout << (options_.permanent ? "Permanently deleted " : "Deleted ") << options_.subject << " version "
                << deleted.dump() << "\n";
    }
    return std::nullopt;
  }

 private:
  // {"schema":..,["schemaType":..,]["references":[..]]} from --file/--schema,
  // --type and --reference.
  Result<std::string> schema_body() const {
    std::string text = options_.schema_text;
    if (!options_.schema_file.empty()) {
      std::ifstream in(options_.schema_file, std::ios::binary);
      if (!in) return Status::invalid_argument("cannot read " + options_.schema_file);
      std::ostringstream content;
      content << in.rdbuf();
      text = content.str();
    }
    if (text.empty()) return Status::invalid_argument("give the schema with --file or --schema");
    json body;
    body["schema"] = text;
    if (!options_.type.empty()) {
      std::string type = options_.type;
      for (char& c : type) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (type != "AVRO") body["schemaType"] = type;
    }
    if (!options_.references.empty()) {
      json references = json::array();
      for (const std::string& reference : options_.references) {
        const size_t eq = reference.find('=');
        const size_t colon = reference.rfind(':');
        if (eq == std::string::npos || eq == 0 || colon == std::string::npos || colon < eq + 2 ||
            colon + 1 == reference.size()) {
          return Status::invalid_argument("--reference " + reference + ": expected NAME=SUBJECT:VERSION");
        }
        int version = 0;
        try {
          version = std::stoi(reference.substr(colon + 1));
        } catch (const std::exception&) {
          return Status::invalid_argument("--reference " + reference + ": VERSION is not a number");
        }
        references.push_back({{"name", reference.substr(0, eq)},
                              {"subject", reference.substr(eq + 1, colon - eq - 1)},
                              {"version", version}});
      }
      body["references"] = std::move(references);
    }
    // Schema files may hold any bytes; the registry is the judge of them.
    return body.dump(-1, ' ', false, json::error_handler_t::replace);
  }

  // One request; `out` gets the JSON answer of a 2xx. An error answer
  // becomes its message and Confluent error code.
  std::optional<CommandError> call(const std::string& method, const std::string& path,
                                   const std::optional<std::string>& body, json& out) {
    auto reply = client_->request(method, path, body);
    if (!reply.is_ok()) return CommandError{reply.status().message()};
    json parsed = json::parse(reply->body, nullptr, false);
    if (reply->status / 100 != 2) {
      if (parsed.is_object() && parsed.contains("message")) {
        std::string message = parsed["message"].is_string() ? parsed["message"].get<std::string>()
                                                            : parsed["message"].dump();
        if (parsed.contains("error_code")) message += " (error " + parsed["error_code"].dump() + ")";
        return CommandError{message};
      }
      return CommandError{"HTTP " + std::to_string(reply->status) + ": " + reply->body.substr(0, 500)};
    }
    if (parsed.is_discarded()) return CommandError{"the registry answered something that is not JSON: " + reply->body.substr(0, 200)};
    out = std::move(parsed);
    return std::nullopt;
  }

  SchemaOptions& options_;
  Settings& settings_;
  std::unique_ptr<RegistryHttpClient> client_;
};

void add_schema_text_options(CLI::App* command, SchemaOptions& options) {
  command->add_option("-f,--file", options.schema_file, "File holding the schema (.avsc, .json, .proto)");
  command->add_option("-s,--schema", options.schema_text, "The schema text itself");
  command->add_option("-t,--type", options.type, "AVRO, JSON or PROTOBUF  [default: AVRO]");
  command->add_option("-r,--reference", options.references,
                      "A schema it uses: NAME=SUBJECT:VERSION (NAME as the schema refers to it), repeatable");
}

}  // namespace

void register_schema_command(CLI::App& app, Settings& settings, int* exit_code) {
  CLI::App* schema = app.add_subcommand(
      "schema", "Register, read, list, check and delete schemas in a schema registry (loch's or Confluent's)");
  schema->require_subcommand(1);
  schema->footer("Exit codes: 0 done, 1 failed (the registry's error is printed), 2 usage, 3 incompatible (check).");

  auto add = [&](const std::string& name, const std::string& help, SchemaCommand::Action action,
                 const std::function<void(CLI::App*, SchemaOptions&)>& extra) {
    auto options = std::make_shared<SchemaOptions>();
    CLI::App* command = schema->add_subcommand(name, help);
    extra(command, *options);
    settings.add(command, "--registry-url", "registry.url", &options->registry_url,
                 "Schema registry: loch serve's, or any Confluent-compatible one");
    add_common_options(command, settings, options->common);
    command->callback([options, &settings, exit_code, action, name] {
      *exit_code = SchemaCommand(*options, settings).run(name, action);
    });
  };
  auto subject_arg = [](CLI::App* command, SchemaOptions& options) {
    command->add_option("subject", options.subject, "Subject (e.g. orders-value)")->required();
  };

  add("register", "Register a schema under a subject (a new version unless it is there already)",
      &SchemaCommand::register_schema, [&](CLI::App* command, SchemaOptions& options) {
        subject_arg(command, options);
        add_schema_text_options(command, options);
        command->add_flag("--normalize", options.normalize, "Normalize the schema before registering it");
      });
  add("get", "Print a version of a subject (latest by default), or a schema by --id", &SchemaCommand::get,
      [](CLI::App* command, SchemaOptions& options) {
        command->add_option("subject", options.subject, "Subject");
        command->add_option("-v,--version", options.version, "Version number or latest  [default: latest]");
        command->add_option("--id", options.id, "Schema id (instead of a subject)");
        command->add_flag("--deleted", options.deleted, "Also find soft-deleted versions");
        command->add_flag("--schema-only", options.schema_only, "Print only the schema text, as stored");
      });
  add("list", "List subjects, or the versions of SUBJECT", &SchemaCommand::list,
      [](CLI::App* command, SchemaOptions& options) {
        command->add_option("subject", options.subject, "Subject whose versions to list");
        command->add_option("--prefix", options.prefix, "Only subjects starting with this");
        command->add_flag("--deleted", options.deleted, "Include soft-deleted subjects or versions");
      });
  add("check", "Check a schema's compatibility with a subject (its level's versions, or --version)",
      &SchemaCommand::check, [&](CLI::App* command, SchemaOptions& options) {
        subject_arg(command, options);
        add_schema_text_options(command, options);
        command->add_option("-v,--version", options.version, "Check against this version only (a number or latest)");
      });
  add("delete", "Delete a subject or one --version of it (soft; --permanent after a soft delete)",
      &SchemaCommand::remove, [&](CLI::App* command, SchemaOptions& options) {
        subject_arg(command, options);
        command->add_option("-v,--version", options.version, "Version number or latest");
        command->add_flag("--permanent", options.permanent, "Hard delete (the subject or version must be soft-deleted first)");
      });
}

}  // namespace loch::cli

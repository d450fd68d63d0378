#include "collect/registry/parsed_schema.h"

#include "collect/registry/avro_schema.h"
#include "collect/registry/json_schema.h"
#include "collect/registry/protobuf_schema.h"

namespace loch::registry {

Result<std::unique_ptr<ParsedSchema>> parse_schema(SchemaType type, std::string_view text,
                                                   const std::vector<ResolvedReference>& references) {
  switch (type) {
    case SchemaType::kAvro: {
      LOCH_ASSIGN_OR_RETURN(auto schema, AvroSchema::parse(text, references));
      return std::unique_ptr<ParsedSchema>(std::move(schema));
    }
    case SchemaType::kJson: {
      LOCH_ASSIGN_OR_RETURN(auto schema, JsonSchema::parse(text, references));
      return std::unique_ptr<ParsedSchema>(std::move(schema));
    }
    case SchemaType::kProtobuf: {
      LOCH_ASSIGN_OR_RETURN(auto schema, ProtobufSchema::parse(text, references));
      return std::unique_ptr<ParsedSchema>(std::move(schema));
    }
  }
  return Status::invalid_argument("unknown schema type");
}

}  // namespace loch::registry

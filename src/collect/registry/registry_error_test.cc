#include "collect/registry/registry_error.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace loch::registry {

TEST(RegistryError, JsonBodyHasConfluentsFields) {
  RegistryError error = RegistryError::invalid_subject("a b");
  auto body = nlohmann::json::parse(error.to_json());
  EXPECT_EQ(body["error_code"], error.error_code);
  EXPECT_EQ(body["message"], error.message);
}

TEST(RegistryError, MessageQuotingInvalidUtf8StillGivesValidJson) {
  RegistryError error = RegistryError::store_error(std::string("bad byte \xff\xfe here"));
  std::string json;
  ASSERT_NO_THROW(json = error.to_json());
  auto body = nlohmann::json::parse(json);
  EXPECT_NE(body["message"].get<std::string>().find("bad byte"), std::string::npos);
  EXPECT_NE(body["message"].get<std::string>().find("\xEF\xBF\xBD"), std::string::npos);  // U+FFFD
}

}  // namespace loch::registry

#include "common/settings.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace loch {
namespace {

class SettingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() / ("loch-settings-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    config_ = (dir_ / "loch.yaml").string();
    std::ofstream(config_) << "data_dir: /from/file\nkafka:\n  port: 19092\n";
    unsetenv("LOCH_DATA_DIR");
    unsetenv("LOCH_KAFKA_PORT");
  }
  void TearDown() override {
    std::filesystem::remove_all(dir_);
    unsetenv("LOCH_DATA_DIR");
    unsetenv("LOCH_KAFKA_PORT");
  }

  // Parses `args` for a command with --data-dir and --kafka-port.
  Status parse(std::vector<std::string> args) {
    app_ = std::make_unique<CLI::App>("test");
    settings_ = Settings();
    settings_.add(app_.get(), "--data-dir", "data_dir", &data_dir_, "data");
    settings_.add(app_.get(), "--kafka-port", "kafka.port", &port_, "port");
    std::vector<const char*> argv{"test"};
    for (auto& a : args) argv.push_back(a.c_str());
    app_->parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    return settings_.apply_lower_layers(config_);
  }

  std::filesystem::path dir_;
  std::string config_;
  std::unique_ptr<CLI::App> app_;
  Settings settings_;
  std::string data_dir_ = "./loch-data";
  int port_ = 9092;
};

}  // namespace

TEST_F(SettingsTest, FileValuesReplaceDefaultsIncludingNestedKeys) {
  ASSERT_TRUE(parse({}).is_ok());
  EXPECT_EQ(data_dir_, "/from/file");
  EXPECT_EQ(port_, 19092);
}

TEST_F(SettingsTest, EnvironmentBeatsTheFile) {
  setenv("LOCH_DATA_DIR", "/from/env", 1);
  ASSERT_TRUE(parse({}).is_ok());
  EXPECT_EQ(data_dir_, "/from/env");
  EXPECT_EQ(port_, 19092);
}

TEST_F(SettingsTest, FlagsBeatEnvironmentAndFile) {
  setenv("LOCH_DATA_DIR", "/from/env", 1);
  ASSERT_TRUE(parse({"--data-dir", "/from/flag"}).is_ok());
  EXPECT_EQ(data_dir_, "/from/flag");
}

TEST_F(SettingsTest, BadValueNamesItsSource) {
  setenv("LOCH_KAFKA_PORT", "not-a-number", 1);
  Status s = parse({});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("LOCH_KAFKA_PORT"), std::string::npos) << s.message();
}

TEST_F(SettingsTest, MissingExplicitConfigFileIsAnError) {
  config_ = (dir_ / "absent.yaml").string();
  Status s = parse({});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
}

TEST_F(SettingsTest, MalformedYamlIsAnErrorNamingTheFile) {
  std::ofstream(config_) << "data_dir: [unclosed\n";
  Status s = parse({});
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.message().find("loch.yaml"), std::string::npos) << s.message();
}

TEST(SettingsEnvName, UppercasesAndReplacesDotsAndDashes) {
  EXPECT_EQ(Settings::env_name("kafka.advertised-host"), "LOCH_KAFKA_ADVERTISED_HOST");
}

}  // namespace loch

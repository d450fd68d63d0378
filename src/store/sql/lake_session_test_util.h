// Test helper (header-only, test code only): a fixture base for tests that
// query a lake of their own through a SqlSession.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "store/sql/sql_session.h"

namespace loch::sql::testing {

// A SqlSession opened on an empty temporary directory named `name` and the
// process id (ctest runs each test in its own process), closed and removed
// after the test. A derived SetUp calls this one first, through
// ASSERT_NO_FATAL_FAILURE so a failed open stops it.
class LakeSessionTest : public ::testing::Test {
 protected:
  explicit LakeSessionTest(const std::string& name)
      : dir_(std::filesystem::temp_directory_path() / (name + "_" + std::to_string(::getpid()))) {}

  void SetUp() override {
    std::filesystem::remove_all(dir_);
    auto session = SqlSession::open(dir_);
    ASSERT_TRUE(session.is_ok()) << session.status().to_string();
    session_ = std::move(session).value();
  }
  void TearDown() override {
    session_.reset();
    std::filesystem::remove_all(dir_);
  }

  const std::filesystem::path dir_;
  std::unique_ptr<SqlSession> session_;
};

}  // namespace loch::sql::testing

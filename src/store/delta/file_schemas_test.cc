#include "store/delta/file_schemas.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "store/delta/file_paths.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

class FileSchemas : public ::testing::Test {
 protected:
  void SetUp() override {
    forget_file_schemas();
    auto database = sql::Database::open(":memory:");
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(database).value();
    auto connection = database_->connect();
    ASSERT_TRUE(connection.is_ok());
    connection_ = std::make_unique<sql::Connection>(std::move(connection).value());
    dir_ = fs::temp_directory_path() / ("loch_file_schemas_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  DataFileIdentity write(const std::string& name, const std::string& select) {
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(connection_->execute("COPY (" + select + ") TO " + sql_string_literal(path) + " (FORMAT parquet)").is_ok());
    auto identity = identify_data_file(path);
    EXPECT_TRUE(identity.has_value());
    return identity.value_or(DataFileIdentity{});
  }
  std::optional<std::vector<PhysicalColumn>> shared(const std::vector<DataFileIdentity>& files) {
    return shared_physical_schema(*connection_, files, "binary_as_string = false");
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path dir_;
};

TEST_F(FileSchemas, FilesWithOneSchemaShareItsColumns) {
  auto a = write("a.parquet", "SELECT 1::BIGINT AS id, 'x' AS name");
  auto b = write("b.parquet", "SELECT 2::BIGINT AS id, 'y' AS name");
  for (int pass = 0; pass < 2; ++pass) {  // read, then remembered
    auto columns = shared({a, b});
    ASSERT_TRUE(columns.has_value());
    ASSERT_EQ(columns->size(), 2u);
    EXPECT_EQ((*columns)[0].name, "id");
    EXPECT_EQ((*columns)[1].name, "name");
    // No timestamp: the names come from the footer and the types are not asked.
    EXPECT_EQ((*columns)[0].type, "");
  }
}

TEST_F(FileSchemas, TimestampColumnsAreTypedAsDuckDBReadsThem) {
  auto a = write("a.parquet", "SELECT 1::BIGINT AS id, TIMESTAMP '2024-01-01' AS wall, TIMESTAMPTZ '2024-01-01 00:00:00+00' AS at");
  auto b = write("b.parquet", "SELECT 2::BIGINT AS id, TIMESTAMP '2024-01-02' AS wall, TIMESTAMPTZ '2024-01-02 00:00:00+00' AS at");
  auto columns = shared({a, b});
  ASSERT_TRUE(columns.has_value());
  ASSERT_EQ(columns->size(), 3u);
  EXPECT_EQ((*columns)[1].type, "TIMESTAMP");
  EXPECT_EQ((*columns)[2].type, "TIMESTAMP WITH TIME ZONE");
}

TEST_F(FileSchemas, AnAddedWidenedOrRenamedColumnMeansNoSharedSchema) {
  auto base = write("base.parquet", "SELECT 1::INTEGER AS id");
  EXPECT_FALSE(shared({base, write("added.parquet", "SELECT 1::INTEGER AS id, 2 AS extra")}).has_value());
  EXPECT_FALSE(shared({write("added2.parquet", "SELECT 1::INTEGER AS id, 2 AS extra"), base}).has_value());
  EXPECT_FALSE(shared({base, write("wide.parquet", "SELECT 1::BIGINT AS id")}).has_value());
  EXPECT_FALSE(shared({base, write("renamed.parquet", "SELECT 1::INTEGER AS key")}).has_value());
  EXPECT_FALSE(shared({base, write("nested.parquet", "SELECT {'a': 1} AS id")}).has_value());
  // Remembered files are compared too.
  EXPECT_FALSE(shared({base, write("again.parquet", "SELECT 1::BIGINT AS id")}).has_value());
  EXPECT_TRUE(shared({base, write("same.parquet", "SELECT 7::INTEGER AS id")}).has_value());
}

TEST_F(FileSchemas, AFileReplacedAtTheSamePathIsReadAgain) {
  auto a = write("a.parquet", "SELECT 1::INTEGER AS id");
  auto b = write("b.parquet", "SELECT 1::INTEGER AS id");
  ASSERT_TRUE(shared({a, b}).has_value());
  ::usleep(20000);  // a different modification time even on coarse clocks
  auto replaced = write("b.parquet", "SELECT 1::INTEGER AS id, 'new' AS name");
  EXPECT_FALSE(shared({a, replaced}).has_value());
}

TEST_F(FileSchemas, AMissingOrUnreadableFileMeansNoSharedSchema) {
  auto a = write("a.parquet", "SELECT 1::INTEGER AS id");
  EXPECT_FALSE(identify_data_file((dir_ / "missing.parquet").string()).has_value());
  std::ofstream((dir_ / "junk.parquet").string()) << "not parquet";
  auto junk = identify_data_file((dir_ / "junk.parquet").string());
  ASSERT_TRUE(junk.has_value());
  EXPECT_FALSE(shared({a, *junk}).has_value());
}

}  // namespace
}  // namespace loch::delta

#include "store/delta/parquet_footer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "store/delta/file_paths.h"
#include "store/sql/database.h"

namespace loch::delta {
namespace {

namespace fs = std::filesystem;

// A FileMetaData in Thrift compact encoding: version 1, a root element
// named `root` with one child, an optional INT32 column named `column`,
// num_rows 0.
std::string footer(const std::string& root, const std::string& column) {
  std::string bytes = "\x15\x02";             // field 1 (i32 version) = 1
  bytes += "\x19\x2c";                        // field 2: list of 2 structs
  bytes += "\x48" + std::string(1, static_cast<char>(root.size())) + root;  // field 4 name
  bytes += std::string("\x15\x02\x00", 3);    // field 5 num_children = 1; stop
  bytes += "\x15\x02";                        // field 1 type = INT32
  bytes += "\x25\x02";                        // field 3 repetition_type = OPTIONAL
  bytes += "\x18" + std::string(1, static_cast<char>(column.size())) + column;  // field 4 name
  bytes += std::string("\x00", 1);            // stop
  bytes += std::string("\x16\x00\x00", 3);    // field 3 (i64 num_rows) = 0; stop
  return bytes;
}

std::optional<std::string> text_of(std::string_view footer) {
  auto schema = parse_parquet_schema(footer);
  if (!schema) return std::nullopt;
  return schema->text;
}

TEST(ParquetFooter, TheRootsNameDoesNotMatterAColumnsNameDoes) {
  auto spark = text_of(footer("spark_schema", "x"));
  auto duckdb = text_of(footer("duckdb_schema", "x"));
  auto renamed = text_of(footer("spark_schema", "y"));
  ASSERT_TRUE(spark.has_value());
  ASSERT_TRUE(renamed.has_value());
  EXPECT_EQ(spark, duckdb);
  EXPECT_NE(spark, renamed);
  auto schema = parse_parquet_schema(footer("spark_schema", "x"));
  ASSERT_TRUE(schema->plain_columns.has_value());
  ASSERT_EQ(schema->plain_columns->size(), 1u);
  EXPECT_EQ((*schema->plain_columns)[0].name, "x");
  EXPECT_EQ((*schema->plain_columns)[0].duckdb_type, "INTEGER");
}

TEST(ParquetFooter, MalformedFootersAreRefused) {
  const std::string good = footer("r", "x");
  for (size_t length = 0; length < good.size() - 3; ++length) {
    EXPECT_FALSE(parse_parquet_schema(good.substr(0, length)).has_value()) << "truncated to " << length;
  }
  EXPECT_FALSE(parse_parquet_schema("\x15\x02\x00").has_value());  // no schema
  EXPECT_FALSE(parse_parquet_schema("\x19\x25\x02").has_value());  // schema of i32s
  EXPECT_FALSE(parse_parquet_schema(std::string(4096, '\x1c')).has_value());  // nested past any real footer
}

class ParquetFooterFiles : public ::testing::Test {
 protected:
  void SetUp() override {
    auto database = sql::Database::open(":memory:");
    ASSERT_TRUE(database.is_ok());
    database_ = std::move(database).value();
    auto connection = database_->connect();
    ASSERT_TRUE(connection.is_ok());
    connection_ = std::make_unique<sql::Connection>(std::move(connection).value());
    dir_ = fs::temp_directory_path() / ("loch_parquet_footer_test_" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::optional<ParquetSchema> write_schema(const std::string& name, const std::string& select) {
    const std::string path = (dir_ / name).string();
    EXPECT_TRUE(connection_->execute("COPY (" + select + ") TO " + sql_string_literal(path) + " (FORMAT parquet)").is_ok());
    return read_parquet_schema(path);
  }
  std::optional<std::string> write(const std::string& name, const std::string& select) {
    auto schema = write_schema(name, select);
    if (!schema) return std::nullopt;
    return schema->text;
  }

  std::unique_ptr<sql::Database> database_;
  std::unique_ptr<sql::Connection> connection_;
  fs::path dir_;
};

TEST_F(ParquetFooterFiles, EqualSchemasGiveEqualTextsWhateverTheData) {
  auto a = write("a.parquet", "SELECT range AS id, 'x' || range AS name FROM range(10)");
  auto b = write("b.parquet", "SELECT range AS id, NULL::VARCHAR AS name FROM range(100000)");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, write("c.parquet", "SELECT range::INTEGER AS id, 'x' AS name FROM range(3)"));
  EXPECT_NE(a, write("d.parquet", "SELECT range AS id, 'x' AS name, 1 AS extra FROM range(3)"));
  EXPECT_NE(write("e.parquet", "SELECT {'a': 1} AS s"), write("f.parquet", "SELECT {'b': 1} AS s"));
}

TEST_F(ParquetFooterFiles, ColumnsAreTopLevelOnlyAndNotGivenWhenATimestampNeedsDuckDB) {
  auto nested = write_schema("n.parquet", "SELECT 1 AS a, {'x': 1, 'y': [{'z': 2}]} AS s, [1, 2] AS l, "
                                          "MAP {'k': 1} AS m, 'v' AS b");
  ASSERT_TRUE(nested.has_value());
  ASSERT_TRUE(nested->plain_columns.has_value());
  std::string columns;
  for (const auto& column : *nested->plain_columns) columns += column.name + ":" + column.duckdb_type + " ";
  // DuckDB annotates its integers (INT(32, signed)), so only the string's type is plain.
  EXPECT_EQ(columns, "a: s: l: m: b:VARCHAR ");
  auto timestamps = write_schema("t.parquet", "SELECT TIMESTAMP '2024-01-01' AS t, "
                                               "TIMESTAMPTZ '2024-01-01 00:00:00+00' AS tz, TIMESTAMP_MS '2024-01-01' AS ms");
  ASSERT_TRUE(timestamps->plain_columns.has_value());
  EXPECT_EQ((*timestamps->plain_columns)[0].duckdb_type, "TIMESTAMP");
  EXPECT_EQ((*timestamps->plain_columns)[1].duckdb_type, "TIMESTAMP WITH TIME ZONE");
  // Nanoseconds: DuckDB is asked.
  EXPECT_FALSE(write_schema("ns.parquet", "SELECT TIMESTAMP_NS '2024-01-01' AS t")->plain_columns);
  // A timestamp inside a struct is converted by DuckDB's own cast: names suffice.
  EXPECT_TRUE(write_schema("st.parquet", "SELECT {'t': TIMESTAMP '2024-01-01'} AS s")->plain_columns);
}

TEST_F(ParquetFooterFiles, MissingShortAndForeignFilesAreRefused) {
  EXPECT_FALSE(read_parquet_schema((dir_ / "missing.parquet").string()).has_value());
  std::ofstream((dir_ / "junk.parquet").string()) << "not parquet at all";
  EXPECT_FALSE(read_parquet_schema((dir_ / "junk.parquet").string()).has_value());
  std::ofstream((dir_ / "short.parquet").string()) << "PAR1";
  EXPECT_FALSE(read_parquet_schema((dir_ / "short.parquet").string()).has_value());
  // A length beyond the file's start.
  std::ofstream((dir_ / "long.parquet").string()) << "PAR1" << std::string("\xff\xff\x00\x00PAR1", 8);
  EXPECT_FALSE(read_parquet_schema((dir_ / "long.parquet").string()).has_value());
}

// On every data file of the conformance tables (Spark, Databricks, delta-rs,
// Kernel, parquet-mr, arrow-rs writers): two files get equal texts exactly
// when DuckDB's parquet_schema (root name aside) says their schemas are equal.
TEST_F(ParquetFooterFiles, AgreesWithDuckDBOnEveryConformanceDataFile) {
  const char* env = std::getenv("LOCH_DELTA_TESTDATA");
  const fs::path root = env ? fs::path(env) : fs::path("/work/shared/testdata/delta");
  if (!fs::exists(root)) GTEST_SKIP() << root << " not present";
  std::map<std::string, std::string> mine;  // path -> text
  std::map<std::string, std::vector<ParquetColumn>> plain;  // path -> plain_columns
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || entry.path().extension() != ".parquet" ||
        path.find("/_delta_log/") != std::string::npos || path.find("/expected/") != std::string::npos) {
      continue;
    }
    if (auto schema = read_parquet_schema(path)) {
      mine[path] = schema->text;
      if (schema->plain_columns) plain[path] = *schema->plain_columns;
    }
  }
  ASSERT_GT(mine.size(), 500u);
  std::string list = "[";
  for (const auto& [path, text] : mine) list += (list.size() > 1 ? ", " : "") + sql_string_literal(path);
  list += "]";
  // One row per schema element, in file order; the first of a file is its root.
  auto result = connection_->query(
      "SELECT file_name, CAST(row(name, type, type_length, repetition_type, num_children, converted_type, scale, "
      "precision, field_id, logical_type) AS VARCHAR) FROM parquet_schema(" + list + ")");
  ASSERT_TRUE(result.is_ok()) << result.status().to_string();
  std::map<std::string, std::string> duckdb;
  while (true) {
    auto chunk = result->next_chunk();
    ASSERT_TRUE(chunk.is_ok());
    if (!*chunk) break;
    for (size_t row = 0; row < (*chunk)->size(); ++row) {
      auto [it, first_element] = duckdb.try_emplace(std::string((*chunk)->column(0).string_at(row)));
      it->second += (first_element ? std::string("root") : std::string((*chunk)->column(1).string_at(row))) + "\n";
    }
  }
  ASSERT_EQ(duckdb.size(), mine.size());
  std::map<std::string, std::set<std::string>> mine_to_duckdb, duckdb_to_mine;
  for (const auto& [path, text] : mine) {
    mine_to_duckdb[text].insert(duckdb[path]);
    duckdb_to_mine[duckdb[path]].insert(text);
  }
  for (const auto& [text, theirs] : mine_to_duckdb) EXPECT_EQ(theirs.size(), 1u) << *theirs.begin() << "\n----\n" << *theirs.rbegin();
  for (const auto& [text, ours] : duckdb_to_mine) EXPECT_EQ(ours.size(), 1u) << text;
  // Where the footer gives the columns, their names are DESCRIBE's, so are
  // the types it gives, and every top-level timestamp has its type.
  ASSERT_GT(plain.size(), 300u);
  size_t typed = 0, timestamps = 0;
  for (const auto& [path, columns] : plain) {
    auto described = connection_->query("DESCRIBE SELECT * FROM read_parquet(" + sql_string_literal(path) +
                                        ", hive_partitioning = false, binary_as_string = false)");
    ASSERT_TRUE(described.is_ok()) << path;
    std::vector<std::string> names, theirs, types, their_types;
    for (const auto& column : columns) {
      names.push_back(column.name);
      types.push_back(column.duckdb_type);
      typed += column.duckdb_type.empty() ? 0 : 1;
    }
    while (true) {
      auto chunk = described->next_chunk();
      ASSERT_TRUE(chunk.is_ok());
      if (!*chunk) break;
      for (size_t row = 0; row < (*chunk)->size(); ++row) {
        theirs.emplace_back((*chunk)->column(0).string_at(row));
        their_types.emplace_back((*chunk)->column(1).string_at(row));
      }
    }
    EXPECT_EQ(names, theirs) << path;
    for (size_t i = 0; i < types.size() && i < their_types.size(); ++i) {
      if (their_types[i].starts_with("TIMESTAMP")) {
        ++timestamps;
        EXPECT_FALSE(types[i].empty()) << path << " column " << names[i];
      }
      if (!types[i].empty()) {
        EXPECT_EQ(types[i], their_types[i]) << path << " column " << names[i];
      }
    }
  }
  EXPECT_GT(typed, 500u);
  EXPECT_GT(timestamps, 20u);
}

}  // namespace
}  // namespace loch::delta

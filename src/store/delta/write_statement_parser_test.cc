#include "store/delta/write_statement_parser.h"

#include <gtest/gtest.h>

namespace loch::delta {
namespace {

const std::filesystem::path kLake = "/data/lake";

template <typename T>
T parse(const std::string& sql) {
  auto parsed = parse_write_statement(sql, kLake);
  EXPECT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_TRUE(parsed.is_ok() && parsed->has_value()) << sql;
  return std::get<T>(**parsed);
}

TEST(WriteStatementParser, CreateTableWithEveryClause) {
  auto create = parse<CreateTableStatement>(
      "CREATE TABLE IF NOT EXISTS bronze.events (id BIGINT NOT NULL COMMENT 'key', tags ARRAY<STRING>, "
      "point STRUCT<x: DOUBLE, y: DOUBLE>, amount DECIMAL(10, 2)) USING DELTA PARTITIONED BY (day) "
      "COMMENT 'raw events' TBLPROPERTIES ('delta.enableDeletionVectors' = 'true', delta.appendOnly = false);");
  EXPECT_TRUE(create.if_not_exists);
  EXPECT_EQ(create.target.root, kLake / "bronze" / "events");
  EXPECT_EQ(create.target.display_name, "bronze.events");
  ASSERT_EQ(create.columns.size(), 4u);
  EXPECT_TRUE(create.columns[0].not_null);
  EXPECT_EQ(create.columns[0].comment, "key");
  EXPECT_EQ(create.columns[2].type, "STRUCT<x: DOUBLE, y: DOUBLE>");
  EXPECT_EQ(create.columns[3].type, "DECIMAL(10, 2)");
  EXPECT_EQ(create.partition_by, std::vector<std::string>{"day"});
  EXPECT_EQ(create.comment, "raw events");
  EXPECT_EQ(create.properties.at("delta.enableDeletionVectors"), "true");
  EXPECT_EQ(create.properties.at("delta.appendOnly"), "false");
}

TEST(WriteStatementParser, CreateTableAsSelectKeepsTheQueryText) {
  auto create = parse<CreateTableStatement>("CREATE OR REPLACE TABLE delta.`/tmp/t` AS SELECT * FROM silver.x WHERE a = ';'");
  EXPECT_TRUE(create.or_replace);
  EXPECT_EQ(create.target.root, "/tmp/t");
  EXPECT_FALSE(create.target.is_zone_table);
  EXPECT_EQ(create.as_query, "SELECT * FROM silver.x WHERE a = ';'");
}

TEST(WriteStatementParser, TablesOutsideTheLakeAreLeftToDuckDb) {
  for (const char* sql : {"CREATE TABLE t (a INT)", "INSERT INTO main.t VALUES (1)", "CREATE VIEW bronze.v AS SELECT 1",
                          "DROP TABLE t", "ALTER TABLE x.y ADD COLUMN c INT", "SET threads = 2", "SELECT 1"}) {
    auto parsed = parse_write_statement(sql, kLake);
    ASSERT_TRUE(parsed.is_ok()) << sql;
    EXPECT_FALSE(parsed->has_value()) << sql;
  }
}

TEST(WriteStatementParser, InsertWithPartitionSpecAndColumnList) {
  auto insert = parse<InsertStatement>(
      "INSERT OVERWRITE TABLE silver.t PARTITION (day = DATE '2024-01-01', region) (id, name) SELECT 1, 'a'");
  EXPECT_TRUE(insert.overwrite);
  ASSERT_EQ(insert.partition.size(), 2u);
  EXPECT_EQ(insert.partition[0].value, "DATE '2024-01-01'");
  EXPECT_FALSE(insert.partition[1].value.has_value());
  EXPECT_EQ(insert.columns, (std::vector<std::string>{"id", "name"}));
  EXPECT_EQ(insert.query, "SELECT 1, 'a'");

  auto by_name = parse<InsertStatement>("INSERT INTO bronze.t BY NAME SELECT 1 AS b, 2 AS a");
  EXPECT_TRUE(by_name.by_name);
  EXPECT_EQ(by_name.query, "SELECT 1 AS b, 2 AS a");

  auto subquery = parse<InsertStatement>("INSERT WITH SCHEMA EVOLUTION INTO 'p' (SELECT 1)");
  EXPECT_TRUE(subquery.schema_evolution);
  EXPECT_TRUE(subquery.columns.empty());
  EXPECT_EQ(subquery.query, "(SELECT 1)");
}

TEST(WriteStatementParser, AlterTableForms) {
  auto columns = parse<AlterTableStatement>("ALTER TABLE gold.t ADD COLUMNS (a INT COMMENT 'x', b MAP<STRING, INT>)");
  EXPECT_EQ(columns.kind, AlterTableStatement::Kind::kAddColumns);
  ASSERT_EQ(columns.columns.size(), 2u);
  EXPECT_EQ(columns.columns[1].type, "MAP<STRING, INT>");
  auto single = parse<AlterTableStatement>("ALTER TABLE gold.t ADD COLUMN c STRING");
  EXPECT_EQ(single.columns.at(0).name, "c");
  auto check = parse<AlterTableStatement>("ALTER TABLE gold.t ADD CONSTRAINT positive CHECK (a > 0 AND (b IS NULL))");
  EXPECT_EQ(check.constraint_name, "positive");
  EXPECT_EQ(check.check, "a > 0 AND (b IS NULL)");
  auto drop = parse<AlterTableStatement>("ALTER TABLE gold.t DROP CONSTRAINT IF EXISTS positive");
  EXPECT_TRUE(drop.if_exists);
  auto set = parse<AlterTableStatement>("ALTER TABLE gold.t SET TBLPROPERTIES ('delta.targetFileSize' = '64mb')");
  EXPECT_EQ(set.properties.at("delta.targetFileSize"), "64mb");
}

TEST(WriteStatementParser, SessionOptions) {
  auto option = parse<SessionOptionStatement>("SET loch.delta.mergeSchema = TRUE");
  EXPECT_EQ(option.name, "mergeSchema");
  EXPECT_EQ(option.value, "true");
  auto reset = parse<SessionOptionStatement>("RESET loch.delta.partitionOverwriteMode");
  EXPECT_FALSE(reset.value.has_value());
  // Options of other handlers (VACUUM's) are left to them.
  auto other = parse_write_statement("SET loch.delta.retentionDurationCheck = false", kLake);
  ASSERT_TRUE(other.is_ok());
  EXPECT_FALSE(other->has_value());
  EXPECT_FALSE(parse_write_statement("SET loch.delta.mergeSchema = maybe", kLake).is_ok());
}

TEST(WriteStatementParser, MalformedStatementsSayWhatIsWrong) {
  auto no_columns = parse_write_statement("CREATE TABLE bronze.t USING DELTA", kLake);
  ASSERT_FALSE(no_columns.is_ok());
  EXPECT_NE(no_columns.status().message().find("needs columns or AS query"), std::string::npos);
  auto no_check = parse_write_statement("ALTER TABLE bronze.t ADD CONSTRAINT c UNIQUE (a)", kLake);
  ASSERT_FALSE(no_check.is_ok());
  EXPECT_NE(no_check.status().message().find("only CHECK constraints"), std::string::npos);
}

}  // namespace
}  // namespace loch::delta

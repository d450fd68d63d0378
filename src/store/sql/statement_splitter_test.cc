#include "store/sql/statement_splitter.h"

#include <gtest/gtest.h>

namespace loch::sql {

TEST(StatementSplitter, SplitsAtTopLevelSemicolonsAndKeepsStartLines) {
  auto statements = split_statements("select 1;\n\nselect 2;\n  select\n3");
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].line, 1);
  EXPECT_EQ(statements[1].line, 3);
  EXPECT_EQ(statements[2].line, 4);
  EXPECT_NE(statements[2].text.find("3"), std::string::npos);
}

TEST(StatementSplitter, SemicolonsInsideQuotesAndCommentsDoNotSplit) {
  auto statements = split_statements(
      "select 'a;b', \"c;d\" -- e;f\n; /* g; /* nested; */ h; */ select $$i;j$$, $tag$k;l$tag$;");
  ASSERT_EQ(statements.size(), 2u);
  EXPECT_NE(statements[1].text.find("$tag$k;l$tag$"), std::string::npos);
}

TEST(StatementSplitter, DoubledQuotesStayInsideTheString) {
  auto statements = split_statements("select 'it''s; fine'; select 2");
  ASSERT_EQ(statements.size(), 2u);
}

TEST(StatementSplitter, CommentOnlyStatementsAreDropped) {
  auto statements = split_statements("-- header\n;\n/* nothing */;\nselect 1; -- trailing");
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].line, 4);
}

TEST(StatementSplitter, ACommentBeforeAStatementDoesNotMoveItsLine) {
  auto statements = split_statements("-- the answer\n\nselect 42;");
  ASSERT_EQ(statements.size(), 1u);
  EXPECT_EQ(statements[0].line, 3);
}

TEST(StatementSplitter, ParametersAreNotDollarQuotes) {
  auto statements = split_statements("select $1; select $2");
  EXPECT_EQ(statements.size(), 2u);
}

TEST(StatementSplitter, IncompleteWhileAQuoteIsOpenOrNoSemicolonYet) {
  EXPECT_TRUE(is_statement_incomplete("select 'abc"));
  EXPECT_TRUE(is_statement_incomplete("select 1"));
  EXPECT_TRUE(is_statement_incomplete("select 1; /* open"));
  EXPECT_FALSE(is_statement_incomplete("select 1;"));
  EXPECT_FALSE(is_statement_incomplete("select 1; -- done"));
}

}  // namespace loch::sql

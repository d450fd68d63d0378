#include "common/strong_types.h"

#include <gtest/gtest.h>

#include <type_traits>
#include <unordered_set>

namespace loch {

TEST(StrongTypes, DistinctTypesDoNotConvertIntoEachOther) {
  static_assert(!std::is_convertible_v<Offset, TableVersion>);
  static_assert(!std::is_convertible_v<int64_t, Offset>);  // construction is explicit
  static_assert(sizeof(Offset) == sizeof(int64_t));
}

TEST(StrongTypes, CompareAndStepLikeTheirNumbers) {
  Offset a(5);
  EXPECT_LT(a, a.next());
  EXPECT_EQ(a.next().value(), 6);
  EXPECT_EQ(a.next().prev(), a);
  std::unordered_set<PartitionId> ids{PartitionId(1), PartitionId(1), PartitionId(2)};
  EXPECT_EQ(ids.size(), 2u);
}

}  // namespace loch

#include <linux/audit.h>

#include <catch2/catch.hpp>

#include "seclearn/store/store.h"

namespace seclearn {

TEST_CASE("argument values round-trip, summed over runs, unsigned order", "[unit][store]") {
  auto store = Store::Open(":memory:");
  REQUIRE(store.has_value());
  RunInfo info;
  info.app = "a";
  info.backend = BackendKind::kPtrace;
  auto r1 = store->BeginRun(info);
  auto r2 = store->BeginRun(info);
  REQUIRE(r1.has_value());
  REQUIRE(r2.has_value());
  const uint64_t big = 0xffffffffffffffffull;  // stored as int64 -1, must come back unsigned
  FactsDelta d1;
  d1.args = {{AUDIT_ARCH_X86_64, 41, 0, 1, 2, 50}, {AUDIT_ARCH_X86_64, 135, 0, big, 1, 60}};
  FactsDelta d2;
  d2.args = {{AUDIT_ARCH_X86_64, 41, 0, 1, 3, 40}, {AUDIT_ARCH_X86_64, 41, 0, 2, 1, 70}};
  REQUIRE(store->Flush(*r1, d1).has_value());
  REQUIRE(store->Flush(*r2, d2).has_value());

  auto all = store->SyscallArgs("a");
  REQUIRE(all.has_value());
  REQUIRE(all->size() == 3);
  CHECK((*all)[0] == ArgFact{AUDIT_ARCH_X86_64, 41, 0, 1, 5, 40});
  CHECK((*all)[1] == ArgFact{AUDIT_ARCH_X86_64, 41, 0, 2, 1, 70});
  CHECK((*all)[2] == ArgFact{AUDIT_ARCH_X86_64, 135, 0, big, 1, 60});

  auto only2 = store->SyscallArgs("a", *r2);
  REQUIRE(only2.has_value());
  CHECK(only2->size() == 2);
  CHECK(store->SyscallArgs("nobody")->empty());
}

}  // namespace seclearn

#include "station/workflow/roles.hpp"

#include <doctest/doctest.h>

using namespace admix::workflow;

TEST_CASE("roles and what each may do") {
    CHECK(parseRole("Pharmacist").value() == Role::Pharmacist);
    CHECK_FALSE(parseRole("nurse").ok());
    CHECK(mayCheckPreparations(Role::Pharmacist));
    CHECK_FALSE(mayCheckPreparations(Role::Technician));
    CHECK_FALSE(mayCheckPreparations(Role::Quality));
    CHECK(mayEditSitePolicy(Role::Quality));
    CHECK_FALSE(mayEditSitePolicy(Role::Admin));
    CHECK(mayCompound(Role::Technician));
    CHECK_FALSE(mayCompound(Role::Quality));
}

#include "usp797/iso_class.hpp"

#include <doctest/doctest.h>

using namespace admix::usp797;

TEST_CASE("ISO classes parse in the forms people write them") {
    CHECK(parseIsoClass("ISO 5").value() == IsoClass::Iso5);
    CHECK(parseIsoClass("iso7").value() == IsoClass::Iso7);
    CHECK(parseIsoClass(" 8 ").value() == IsoClass::Iso8);
    CHECK(parseIsoClass("Unclassified").value() == IsoClass::Unclassified);
    const auto bad = parseIsoClass("ISO 6");
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().message.find("ISO 6") != std::string::npos);
    CHECK(isoClassName(IsoClass::Iso7) == "ISO 7");
}

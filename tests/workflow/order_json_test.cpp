#include "station/workflow/order_json.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using nlohmann::json;

namespace {

json goodOrder() {
    return json::parse(R"({
      "id": "EXT-77", "recipe": "vancomycin-ns", "route": "IV",
      "patient": {"mrn": "MRN-1", "name": "DOE, JANE", "sex": "female", "birth_date": "1961-04-23",
                  "weight_kg": 68, "height_cm": 165, "age_years": 65, "scr_mg_dl": 0.9},
      "dose": {"value": 15, "unit": "mg/kg"}, "final_volume_ml": 250,
      "priority": "urgent", "due": "2026-12-01T14:30:00Z", "prescriber": "Dr. A. Lee", "comment": "after dialysis"
    })");
}

std::string errorOf(const json& order) {
    const auto r = parseOrderJson(order);
    REQUIRE_FALSE(r.ok());
    return r.error().text();
}

} // namespace

TEST_CASE("a complete order becomes an OrderInput") {
    const auto r = parseOrderJson(goodOrder());
    REQUIRE(r.ok());
    CHECK(r->patientMrn == "MRN-1");
    CHECK(r->patientName == "DOE, JANE");
    CHECK(r->patient.at("weight_kg") == 68);
    CHECK(r->patient.at("sex") == "female");
    CHECK(r->patient.at("birth_date") == "1961-04-23");
    CHECK_FALSE(r->patient.contains("mrn"));
    CHECK_FALSE(r->patient.contains("name"));
    CHECK(r->recipeId == "vancomycin-ns");
    CHECK(r->dose == json{{"value", 15}, {"unit", "mg/kg"}});
    CHECK(r->route == "IV");
    REQUIRE(r->finalVolumeMl.has_value());
    CHECK(*r->finalVolumeMl == doctest::Approx(250));
    CHECK(r->priority == "urgent");
    CHECK(formatIsoUtc(r->due) == "2026-12-01T14:30:00Z");
    CHECK(r->prescriber == "Dr. A. Lee");
    CHECK(r->externalId == "EXT-77");
    CHECK(r->comment == "after dialysis");
}

TEST_CASE("optional fields take their defaults") {
    json o = goodOrder();
    for (const char* k : {"id", "priority", "comment", "final_volume_ml", "dose"})
        o.erase(k);
    o["patient"].erase("birth_date");
    const auto r = parseOrderJson(o);
    REQUIRE(r.ok());
    CHECK(r->priority == "routine");
    CHECK(r->externalId.empty());
    CHECK_FALSE(r->finalVolumeMl.has_value());
    CHECK(r->dose == json::object());
}

TEST_CASE("errors name the field") {
    json o = goodOrder();
    SUBCASE("weight not positive") {
        o["patient"]["weight_kg"] = -3;
        CHECK(errorOf(o) == "patient.weight_kg: must be a positive number");
        o["patient"]["weight_kg"] = "70";
        CHECK(errorOf(o) == "patient.weight_kg: must be a positive number");
    }
    SUBCASE("weight out of the plan's range") {
        o["patient"]["weight_kg"] = 900;
        CHECK(errorOf(o).rfind("patient.weight_kg: must be between", 0) == 0);
    }
    SUBCASE("missing mrn") {
        o["patient"].erase("mrn");
        CHECK(errorOf(o) == "patient.mrn: is missing");
    }
    SUBCASE("blank name") {
        o["patient"]["name"] = "  ";
        CHECK(errorOf(o) == "patient.name: must not be empty");
    }
    SUBCASE("bad sex") {
        o["patient"]["sex"] = "x";
        CHECK(errorOf(o).rfind("patient.sex: ", 0) == 0);
    }
    SUBCASE("bad birth date") {
        o["patient"]["birth_date"] = "23/04/1961";
        CHECK(errorOf(o).rfind("patient.birth_date: must be a date", 0) == 0);
    }
    SUBCASE("bad priority") {
        o["priority"] = "asap";
        CHECK(errorOf(o) == "priority: must be stat, urgent or routine, not \"asap\"");
    }
    SUBCASE("bad or missing due") {
        o["due"] = "tomorrow";
        CHECK(errorOf(o).rfind("due: must be an ISO 8601", 0) == 0);
        o.erase("due");
        CHECK(errorOf(o) == "due: is missing");
    }
    SUBCASE("missing prescriber, recipe, route, patient") {
        o.erase("prescriber");
        CHECK(errorOf(o) == "prescriber: is missing");
        o = goodOrder();
        o.erase("recipe");
        CHECK(errorOf(o) == "recipe: is missing");
        o = goodOrder();
        o.erase("route");
        CHECK(errorOf(o) == "route: is missing");
        o = goodOrder();
        o.erase("patient");
        CHECK(errorOf(o) == "patient: is missing");
    }
    SUBCASE("bad dose unit goes through the plan parser") {
        o["dose"] = {{"value", 15}, {"unit", "bananas"}};
        CHECK(errorOf(o).rfind("dose.unit: ", 0) == 0);
    }
    SUBCASE("unknown and not-kept fields are refused") {
        o["dosee"] = 1;
        CHECK(errorOf(o) == "dosee: is not a known order field (misspelt?)");
        o = goodOrder();
        o["patient"]["wieght_kg"] = 1;
        CHECK(errorOf(o) == "patient.wieght_kg: is not a known patient field (misspelt?)");
        o = goodOrder();
        o["target_auc"] = 5;
        CHECK(errorOf(o).rfind("target_auc: is not kept", 0) == 0);
    }
    SUBCASE("not an object") {
        CHECK(errorOf(json::array()) == "order: must be a JSON object");
    }
}

// An order typed into a form (the station's touch order form) through workflow::submitOrder: the
// path of `admix order add` (parseOrderJson, the plan, enterOrder). Refusals name their field and
// store nothing; warnings are entered only when exactly the ones shown are acknowledged; a duplicate
// order id is refused. The formulary is tests/data/site_formulary (not the demo's).
#include "tests/workflow/engine_fixture.hpp"

#include "station/store/site_repo.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/order_form.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <sstream>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

std::string readText(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

struct FormFixture : EngineFixture {
    FormularyService service{db, audit};
    formulas::FormulasPolicy policy = formulas::loadDefaultFormulasPolicy().value();
    formulas::Formulary approved;

    FormFixture() {
        const std::string site = std::string(ADMIX_TEST_DATA_DIR) + "/data/site_formulary/";
        const FormularyFiles files{readText(site + "products.toml"), "products.toml",
                                   readText(site + "recipes.toml"), "recipes.toml"};
        const auto v =
            service.import(files, sign(kFormularyImportAction, "formulary", "site formulary", t0), true, t0);
        REQUIRE_MESSAGE(v.ok(), (v.ok() ? "" : v.error().text()));
        approved = service.approved().value();
    }

    OrderFormFields typed() const {
        OrderFormFields f;
        f.orderId = "FORM-1";
        f.recipe = "famotidine-ns-50";
        f.patientName = " TEST, PATIENT ";
        f.mrn = "TEST-9";
        f.birthDate = "1970-06-15";
        f.sex = "female";
        f.weightKg = "72.5";
        f.doseValue = "20";
        f.doseUnit = "mg";
        f.route = "IV";
        f.priority = "stat";
        f.dueLocal = formatLocal(t0 + 2h);
        f.prescriber = "Dr. Form";
        return f;
    }

    OrderSubmission submit(const OrderFormFields& f, const std::string& ack = "", const User* by = nullptr) {
        const auto order = orderFormJson(f);
        REQUIRE_MESSAGE(order.ok(), (order.ok() ? "" : order.error().text()));
        return submitOrder(engine, db, audit, *order, approved, policy, by ? *by : rph, ack, t0);
    }

    size_t orders() { return store::SiteRepo(db).orders("").size(); }
};

} // namespace

TEST_CASE("the form's fields become the order JSON of admix order add") {
    FormFixture f;
    const auto j = orderFormJson(f.typed());
    REQUIRE(j.ok());
    CHECK(j->at("patient").at("weight_kg") == 72.5);
    CHECK(j->at("patient").at("name") == "TEST, PATIENT");
    CHECK(j->at("patient").at("birth_date") == "1970-06-15");
    CHECK(j->at("dose") == json{{"value", 20.0}, {"unit", "mg"}});
    CHECK(j->at("id") == "FORM-1");
    CHECK(j->at("due") == "2026-11-21T10:00:00Z"); // the local minute typed, as UTC
    CHECK_FALSE(j->contains("comment"));
    CHECK_FALSE(j->at("patient").contains("height_cm"));

    auto f2 = f.typed();
    f2.weightKg = "7O"; // a letter O: stays text for the parser to name
    CHECK(orderFormJson(f2)->at("patient").at("weight_kg") == "7O");
    f2.dueLocal = "tomorrow 9";
    const auto bad = orderFormJson(f2);
    REQUIRE_FALSE(bad.ok());
    CHECK(bad.error().where == "due");
    CHECK(bad.error().text() == "due: must be a local time like 2026-12-02 14:30, not \"tomorrow 9\"");
    f2.dueLocal = "2026-02-30 10:00";
    CHECK_FALSE(orderFormJson(f2).ok());
    f2.dueLocal = "2026-12-02 24:00";
    CHECK_FALSE(orderFormJson(f2).ok());
    f2.dueLocal = "";
    CHECK_FALSE(orderFormJson(f2)->contains("due")); // the parser says it is missing
}

TEST_CASE("a local minute round-trips through the station's time zone") {
    const TimePoint t = parseIsoUtc("2026-07-01T13:45:00Z").value();
    const auto back = parseLocalMinute(formatLocal(t));
    REQUIRE(back.ok());
    CHECK(*back == t);
}

TEST_CASE("the age the plan reads comes from the date of birth") {
    json o = {{"patient", {{"birth_date", "1970-06-15"}}}};
    addAgeFromBirthDate(o, parseIsoUtc("2026-06-14T12:00:00Z").value());
    CHECK(o["patient"]["age_years"] == 55);
    json p = {{"patient", {{"birth_date", "1970-06-15"}}}};
    addAgeFromBirthDate(p, parseIsoUtc("2026-06-15T00:00:00Z").value());
    CHECK(p["patient"]["age_years"] == 56);
    json given = {{"patient", {{"birth_date", "1970-06-15"}, {"age_years", 40}}}};
    addAgeFromBirthDate(given, parseIsoUtc("2026-06-15T00:00:00Z").value());
    CHECK(given["patient"]["age_years"] == 40);
}

TEST_CASE("a bad field is refused with its name and nothing is stored") {
    FormFixture f;
    const auto auditRows = f.audit.forSubject("FORM-1").size();
    struct Case {
        void (*edit)(OrderFormFields&);
        const char* error;
    };
    const Case cases[] = {
        {[](OrderFormFields& x) { x.weightKg = "0"; }, "patient.weight_kg: must be a positive number"},
        {[](OrderFormFields& x) { x.weightKg = "seventy"; }, "patient.weight_kg: must be a positive number"},
        {[](OrderFormFields& x) { x.patientName = "  "; }, "patient.name: must not be empty"},
        {[](OrderFormFields& x) { x.mrn = ""; }, "patient.mrn: must not be empty"},
        {[](OrderFormFields& x) { x.birthDate = "15/06/1970"; },
         "patient.birth_date: must be a date like 1961-04-23, not \"15/06/1970\""},
        {[](OrderFormFields& x) { x.prescriber = ""; }, "prescriber: must not be empty"},
        {[](OrderFormFields& x) { x.dueLocal = ""; }, "due: is missing"},
        {[](OrderFormFields& x) { x.priority = "soon"; },
         "priority: must be stat, urgent or routine, not \"soon\""},
    };
    for (const Case& c : cases) {
        auto typed = f.typed();
        c.edit(typed);
        const auto answer = f.submit(typed);
        REQUIRE_FALSE(answer.ok());
        CHECK(answer.error.text() == c.error);
        CHECK_FALSE(answer.parsed);
    }
    auto tooMuch = f.typed();
    tooMuch.doseValue = "400";
    const auto refused = f.submit(tooMuch);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error.where == "plan");
    CHECK(refused.parsed);
    CHECK(refused.error.text().find("DOSE_ABOVE_MAX") != std::string::npos);
    CHECK_FALSE(refused.blocking.empty());
    CHECK(refused.warningsToAcknowledge.empty());
    auto unknown = f.typed();
    unknown.recipe = "cefazolin-2g-100ml"; // a demo recipe: not this site's
    CHECK(f.submit(unknown).error.where == "recipe");
    CHECK(f.orders() == 0);
    CHECK(f.audit.forSubject("FORM-1").size() == auditRows + 1); // only the plan's refusal, audited
}

TEST_CASE("the good order is entered once; the same order id again is refused; a technician may not") {
    FormFixture f;
    const auto byTech = f.submit(f.typed(), "", &f.tech);
    REQUIRE_FALSE(byTech.ok());
    CHECK(byTech.error.text() == "only a pharmacist may enter an order");
    CHECK(f.orders() == 0);

    const auto first = f.submit(f.typed());
    REQUIRE_MESSAGE(first.ok(), first.error.text());
    CHECK(first.entered->orderNumber.rfind("O20261121-", 0) == 0);
    CHECK(first.orderId == "FORM-1");
    const auto row = store::SiteRepo(f.db).orders("").front();
    CHECK(row.patientName == "TEST, PATIENT");
    CHECK(row.priority == "stat");
    CHECK(row.dueUtc == "2026-11-21T10:00:00Z");
    CHECK(json::parse(row.patientJson).at("age_years") == 56);

    auto again = f.typed();
    again.patientName = "OTHER, PATIENT";
    const auto duplicate = f.submit(again);
    REQUIRE_FALSE(duplicate.ok());
    CHECK(duplicate.error.text() == "order id: order FORM-1 was entered already (as " +
                                        first.entered->orderNumber + "); a duplicate is refused");
    CHECK(f.orders() == 1);

    auto noId = f.typed();
    noId.orderId = "";
    const auto generated = f.submit(noId);
    REQUIRE(generated.ok());
    CHECK(generated.entered->orderNumber != first.entered->orderNumber);
    CHECK(f.orders() == 2);
}

TEST_CASE("warnings are entered only when exactly the ones shown are acknowledged") {
    FormFixture f;
    f.policy.balanceReadabilityG = 1.0; // too coarse to verify the draw: the plan warns
    const auto first = f.submit(f.typed());
    REQUIRE_FALSE(first.ok());
    REQUIRE_FALSE(first.warnings.empty());
    CHECK(first.blocking.empty());
    CHECK(first.error.where == "plan");
    CHECK(first.warningsToAcknowledge.find("BALANCE_CANNOT_VERIFY") != std::string::npos);
    CHECK(f.orders() == 0);

    const auto other = f.submit(f.typed(), "BALANCE_CANNOT_VERIFY: something else");
    REQUIRE_FALSE(other.ok());
    CHECK(f.orders() == 0);

    const auto acked = f.submit(f.typed(), first.warningsToAcknowledge);
    REQUIRE_MESSAGE(acked.ok(), acked.error.text());
    REQUIRE(acked.entered->warnings.size() == first.warnings.size());
    CHECK(f.orders() == 1);
    CHECK(f.audit.forSubject(acked.entered->orderNumber).back().action == "order.warnings.acknowledged");
}

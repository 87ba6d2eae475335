// The validation kit's pure parts: which scenarios this data can run, how skipped scenarios count in
// the report and its traceability matrix, and the GS1 check digit of the generated unknown product.
#include "station/workflow/validation.hpp"
#include "station/workflow/validation_data.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::workflow;
using nlohmann::json;

namespace {

Scenario scenario(const std::string& id, const std::string& requirement, const std::string& lines) {
    auto s = parseScenario("{\"scenario\":\"" + id + "\",\"title\":\"t\",\"requirements\":[\"" + requirement +
                               "\"]}\n" + lines,
                           id + ".jsonl");
    REQUIRE_MESSAGE(s, (s ? "" : s.error().text()));
    return *s;
}

ScenarioResult ran(const Scenario& s, bool pass) {
    ScenarioResult r;
    r.scenario = s;
    r.pass = pass;
    RequestResult q;
    q.line = 2;
    q.request = {{"op", "sign_in"}, {"user", "tech"}, {"password", "validation-secret"}};
    q.pass = pass;
    r.results.push_back(q);
    return r;
}

} // namespace

TEST_CASE("gtinCheckDigit: the GS1 mod-10 check digit") {
    CHECK(gtinCheckDigit("0039999920110") == '0'); // demo potassium chloride vial 00399999201100
    CHECK(gtinCheckDigit("0039999910110") == '3'); // 00399999101103
    CHECK(gtinCheckDigit("0038888810120") == '1'); // the README site famotidine vial 00388888101201
    CHECK(gtinCheckDigit("0000000000000") == '0');
}

TEST_CASE("notApplicableWhenMissing: what a site may not do, not what every site needs") {
    for (const char* name : {"wrong_strength_gtin", "hd_order", "hd_pec", "checking_pharmacist_password"})
        CHECK_MESSAGE(notApplicableWhenMissing(name), name);
    for (const char* name : {"technician", "technician_password", "pharmacist", "room", "pec", "order",
                             "vial_gtin", "draw_over", "unqualified_technician", "unknown_gtin"})
        CHECK_MESSAGE(!notApplicableWhenMissing(name), name);
}

TEST_CASE("unavailableReason: a scenario using a value this data cannot give is skipped, with the reason") {
    const Scenario s = scenario("OQ-04", "URS-SCAN-03",
                                R"({"op":"sign_in","user":"$technician","password":"$technician_password"}
{"op":"scan","text":"]d201${wrong_strength_gtin}17${expiry_future}10L","expect":{"user":"$technician"}})");
    const auto names = referencedNames(s);
    CHECK(names ==
          std::set<std::string>{"technician", "technician_password", "wrong_strength_gtin", "expiry_future"});
    CHECK(unavailableReason(s, {}).empty());
    CHECK(unavailableReason(s, {{"hd_order", "no hazardous recipe"}}).empty());
    CHECK(unavailableReason(s,
                            {{"wrong_strength_gtin", "no other strength of famotidine in this formulary"}}) ==
          "no other strength of famotidine in this formulary");
    // Two names with one reason: said once.
    CHECK(unavailableReason(s, {{"technician", "no technician"}, {"technician_password", "no technician"}}) ==
          "no technician");
    // A name in the setup counts too.
    auto withSetup = s;
    withSetup.setup = {{"recalls", json::array({{{"gtin", "$vial_gtin"}}})}};
    CHECK(unavailableReason(withSetup, {{"vial_gtin", "no recipe"}}) == "no recipe");
}

TEST_CASE(
    "validationReport: skipped is not passed; a requirement only skipped scenarios cover is not verified") {
    const Scenario a = scenario("OQ-01", "URS-A", R"({"op":"queue"})");
    const Scenario b = scenario("OQ-02", "URS-B", R"({"op":"queue"})");
    const Scenario c = scenario("OQ-03", "URS-A", R"({"op":"queue"})");
    const std::vector<Requirement> reqs = {{"URS-A", "a", "site"}, {"URS-B", "b", "site"}};
    ScenarioResult skipped;
    skipped.scenario = b;
    skipped.skipped = "no hazardous recipe in this formulary";

    const json report = validationReport(json::object(), reqs, {ran(a, true), skipped, ran(c, true)});
    CHECK(report["pass"] == true);
    CHECK(report["summary"] ==
          json{{"scenarios", 3}, {"passed", 2}, {"failed", 0}, {"skipped", 1}, {"requirements", 2}});
    CHECK(report["scenarios"][1]["result"] == "skipped");
    CHECK(report["scenarios"][1]["pass"] == false);
    CHECK(report["scenarios"][1]["skipped"] == "no hazardous recipe in this formulary");
    CHECK(report["traceability"][0]["result"] == "pass");
    CHECK(report["traceability"][1]["result"] == "not verified");
    CHECK(report["traceability"][1]["pass"] == false);
    // No secret in the report.
    CHECK(report["scenarios"][0]["requests"][0]["request"]["password"] == "(sandbox secret)");
    const std::string html = reportHtml(report);
    CHECK(html.find("SKIPPED") != std::string::npos);
    CHECK(html.find("NOT VERIFIED") != std::string::npos);
    CHECK(html.find("validation-secret") == std::string::npos);

    // One failure beside the skipped one fails the run and its requirement.
    const json failed = validationReport(json::object(), reqs, {ran(a, true), skipped, ran(c, false)});
    CHECK(failed["pass"] == false);
    CHECK(failed["summary"]["failed"] == 1);
    CHECK(failed["traceability"][0]["result"] == "fail");
    // The data it ran on, with what it could not give.
    const json header{{"validation_data",
                       {{"people", json::array({{{"as", "technician"},
                                                 {"user", "tech"},
                                                 {"role", "technician"},
                                                 {"from", "site"},
                                                 {"why", "qualified"}}})},
                        {"unavailable",
                         {{"hd_order", "no approved hazardous recipe in this formulary"},
                          {"wrong_strength_gtin", "no other strength of famotidine"}}}}}};
    const std::string withData =
        reportHtml(validationReport(header, reqs, {ran(a, true), skipped, ran(c, true)}));
    CHECK(withData.find("Data the scenarios ran on") != std::string::npos);
    CHECK(withData.find("no approved hazardous recipe in this formulary") != std::string::npos);
    CHECK(withData.find("no other strength of famotidine") != std::string::npos);
    // Nothing run at all is no pass.
    CHECK(validationReport(json::object(), reqs, {skipped})["pass"] == false);
}

// The check page's audit trail in words: numbers as the label prints them (no float noise), refused
// attempts marked with their reason, and every other row still said in words.
#include "station/remote/audit_words.hpp"

#include <doctest/doctest.h>

using admix::remote::detail::auditWords;
using admix::remote::detail::valueWords;
using nlohmann::json;

TEST_CASE("audit words: a weighing's numbers as the label prints them") {
    const json details = json::parse(
        R"json({"data":{"assessment":"in_band","density_g_per_ml":1.04,"gross_g":33.302080000000004,
        "high_ml":22.049999999999997,"low_ml":19.95,"net_g":22.102080000000004,"tare_g":11.2,"target_ml":21.0,
        "volume_ml":21.252000000000002,"shown":"33.3021 g"},"message":"21.25 mL measured (21 mL target)","step":3})json");
    const auto w = auditWords("prep.weigh.pass", details);
    CHECK_FALSE(w.refused);
    CHECK(w.text.rfind("Step 4 passed (weigh): 21.25 mL measured", 0) == 0);
    CHECK(w.text.find("measured 21.25 mL") != std::string::npos);
    CHECK(w.text.find("from 19.95 mL; to 22.05 mL") != std::string::npos);
    CHECK(w.text.find("net 22.102 g") != std::string::npos);
    CHECK(w.text.find("density 1.04 g/mL") != std::string::npos);
    CHECK(w.text.find("22.0499") == std::string::npos);
    CHECK(w.text.find('{') == std::string::npos);
}

TEST_CASE("audit words: refused attempts carry their reason") {
    const auto fail = auditWords("prep.weigh.fail", json{{"step", 2},
                                                         {"message", "TOO MUCH: 31.39 mL measured"},
                                                         {"data", {{"volume_ml", 31.394999999999992}}}});
    CHECK(fail.refused);
    CHECK(fail.text == "Step 3 REFUSED (weigh): TOO MUCH: 31.39 mL measured (measured 31.39 mL)");
    const auto skip =
        auditWords("prep.skip", json{{"step", 0}, {"message", "Step 3 is not open: finish step 1 first."}});
    CHECK(skip.refused);
    CHECK(skip.text.find("Step 3 is not open") != std::string::npos);
    CHECK_FALSE(auditWords("prep.release", json{{"signature_audit_id", 31}}).refused);
    CHECK(auditWords("prep.release", json{{"signature_audit_id", 31}}).text.find("audit row 31") !=
          std::string::npos);
    CHECK(auditWords("prep.reject",
                     json{{"reason_code", "wrong_volume"}, {"reason", "syringe"}, {"remake", false}})
              .text == "Rejected (wrong_volume): syringe; then waste");
}

TEST_CASE("audit words: unknown rows are still words, numbers formatted") {
    const auto w = auditWords("something.new", json{{"volume_ml", 0.50000001}, {"count", 3}, {"ok", true}});
    CHECK(w.text == "something.new: count 3, ok yes, volume ml 0.5 mL");
    CHECK(valueWords("x", json(1234.5678)) == "1,234.568");
    CHECK(valueWords("x_ml", json(1000.0)) == "1,000 mL");
    CHECK(auditWords("anything", json(nullptr)).text == "anything");
}

// The pharmacist's "orders not matched" page over HTTPS: an HL7 order held for want of a recipe map
// is listed, a pharmacist maps its code and it enters the queue; a technician can neither see nor
// map. And the check page shows the order's comments (HL7 NTE) and a stop from the pharmacy system.
#include "station/hl7/interface.hpp"
#include "station/hl7/service.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/prep_repo.hpp"
#include "tests/hl7/hl7_test_support.hpp"
#include "tests/remote/remote_test_support.hpp"

using namespace admix;
using namespace admix::test;
using nlohmann::json;

namespace {

// An order from the pharmacy system, handled as the listener would (same interface, the station's
// database); returns the state it was stored in.
std::string receive(RemoteFixture& f, const Rde& message) {
    store::Database db = f.db();
    store::AuditLog audit(db);
    auto mapping = hl7::mappingFormulary(db, audit, false); // the demo station: the demo formulary
    REQUIRE(mapping.ok());
    REQUIRE(mapping->demo);
    hl7::Hl7Interface interface(db, audit, mapping->formulary, mapping->policy);
    return interface.handle(message.text()).state;
}

size_t queuedFor(RemoteFixture& f, const std::string& mrn, const std::string& recipe) {
    store::Database db = f.db();
    size_t n = 0;
    for (const auto& o : store::PrepRepo(db).queue())
        n += o.patientMrn == mrn && o.recipeId == recipe ? 1 : 0;
    return n;
}

} // namespace

TEST_CASE("orders not matched: a held HL7 order is listed, a pharmacist maps it and it is queued") {
    RemoteFixture f;
    Rde held;
    held.controlId = "HELD-1";
    held.placer = "PL-W1";
    held.mrn = "MRN-W001";
    held.give = "ZOSYN45^Piperacillin-tazobactam 4.5 g^LOCAL";
    held.amount = "4.5";
    REQUIRE(receive(f, held) == "held");
    REQUIRE(queuedFor(f, "MRN-W001", "piperacillin-tazobactam-ns") == 0);

    SUBCASE("a technician can neither see nor map it") {
        WebClient tech(f);
        REQUIRE(tech.login("tech", remote::demoPassword("tech"))->status == 200);
        CHECK(tech.get("/api/v1/hl7/unmatched")->status == 403);
        CHECK(tech.get("/unmatched.html")->status == 403);
        const auto r = tech.post("/api/v1/hl7/maps", json{{"kind", "give"},
                                                          {"code", "ZOSYN45"},
                                                          {"base_code", ""},
                                                          {"recipe", "piperacillin-tazobactam-ns"}});
        REQUIRE(r);
        CHECK(r->status == 403);
        store::Database db = f.db();
        CHECK(store::Hl7Repo(db).inbox("held").size() == 1);
        CHECK_FALSE(store::Hl7Repo(db).findMap("give", "ZOSYN45", "").has_value());
        CHECK(queuedFor(f, "MRN-W001", "piperacillin-tazobactam-ns") == 0);
    }
    SUBCASE("a pharmacist sees it, a bad map is refused, the map queues it") {
        WebClient rph(f);
        REQUIRE(rph.login("rph", remote::demoPassword("rph"))->status == 200);
        CHECK(rph.get("/unmatched.html")->status == 200);
        auto r = rph.get("/api/v1/hl7/unmatched");
        REQUIRE(r);
        REQUIRE(r->status == 200);
        const json list = json::parse(r->body);
        REQUIRE(list["items"].size() == 1);
        const json& item = list["items"][0];
        CHECK(item["control_id"] == "HELD-1");
        CHECK(item["placer"] == "PL-W1^PHARM");
        CHECK(item["give_code"] == "ZOSYN45");
        CHECK(item["mrn"] == "MRN-W001");
        CHECK(item["reason"].get<std::string>().find("ZOSYN45") != std::string::npos);
        bool offered = false;
        for (const auto& recipe : list["recipes"])
            offered = offered || recipe["id"] == "piperacillin-tazobactam-ns";
        CHECK(offered);

        // Without the CSRF token, and to a recipe that does not exist: refused, nothing changes.
        r = rph.post("/api/v1/hl7/maps",
                     json{{"kind", "give"},
                          {"code", "ZOSYN45"},
                          {"base_code", ""},
                          {"recipe", "piperacillin-tazobactam-ns"}},
                     false);
        REQUIRE(r);
        CHECK(r->status == 403);
        r = rph.post("/api/v1/hl7/maps",
                     json{{"kind", "give"}, {"code", "ZOSYN45"}, {"base_code", ""}, {"recipe", "no-such"}});
        REQUIRE(r);
        CHECK(r->status == 400);
        CHECK(r->body.find("no-such") != std::string::npos);
        CHECK(queuedFor(f, "MRN-W001", "piperacillin-tazobactam-ns") == 0);

        r = rph.post("/api/v1/hl7/maps", json{{"kind", "give"},
                                              {"code", "ZOSYN45"},
                                              {"base_code", ""},
                                              {"recipe", "piperacillin-tazobactam-ns"}});
        REQUIRE(r);
        REQUIRE(r->status == 200);
        const json mapped = json::parse(r->body);
        CHECK(mapped["mapped"] == "piperacillin-tazobactam-ns");
        CHECK(mapped["queued"] == 1);
        CHECK(queuedFor(f, "MRN-W001", "piperacillin-tazobactam-ns") == 1);
        r = rph.get("/api/v1/hl7/unmatched");
        REQUIRE(r);
        CHECK(json::parse(r->body)["items"].empty());
        store::Database db = f.db();
        const auto inbox = store::Hl7Repo(db).inbox();
        REQUIRE(inbox.size() == 1);
        CHECK(inbox[0].state == "accepted");
        CHECK(inbox[0].resolvedUtc.has_value());
        CHECK(db.queryInt("SELECT count(*) FROM audit_log WHERE action = 'hl7.map.add' AND actor = 'rph'")
                  .value_or(0) == 1);
        // The next order with that code is queued at once.
        Rde next = held;
        next.controlId = "HELD-2";
        next.placer = "PL-W2";
        CHECK(receive(f, next) == "accepted");
        CHECK(queuedFor(f, "MRN-W001", "piperacillin-tazobactam-ns") == 2);
    }
}

TEST_CASE("the check page shows the order's comments and a stop from the pharmacy system") {
    RemoteFixture f;
    const std::string number = f.demo.awaitingCheck.front();
    {
        store::Database db = f.db();
        const auto prep = store::PrepRepo(db).prepByNumber(number);
        REQUIRE(prep.has_value());
        store::PrepRepo(db).setOrderComments(prep->orderId, "Protect from light\nRate: 100 mL/h");
        store::OrderHolds(db).put(store::OrderHold{prep->orderId, "discontinued",
                                                   "DISCONTINUED by the pharmacy system (order PL9).",
                                                   "2026-11-21T10:00:00Z"});
    }
    WebClient rph(f);
    REQUIRE(rph.login("rph", remote::demoPassword("rph"))->status == 200);
    const auto r = rph.get("/api/v1/preps/" + number);
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const json order = json::parse(r->body)["order"];
    CHECK(order["comments"] == "Protect from light\nRate: 100 mL/h");
    REQUIRE(order["stop"].is_object());
    CHECK(order["stop"]["kind"] == "discontinued");
    CHECK(order["stop"]["reason"] == "DISCONTINUED by the pharmacy system (order PL9).");
    const auto other = rph.get("/api/v1/preps/" + f.demo.awaitingCheck.back());
    REQUIRE(other);
    CHECK(json::parse(other->body)["order"]["stop"].is_null());
}

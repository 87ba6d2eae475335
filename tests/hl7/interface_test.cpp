// The interface's rules on an in-memory station: orders in (RDE^O11, ORM^O01), maps, held messages,
// resends, changes and cancels at every stage, and the ACK each message gets.
#include "station/hl7/interface.hpp"
#include "station/hl7/order_message.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/plan_steps.hpp"
#include "tests/hl7/hl7_test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

using namespace admix;
using namespace admix::hl7;
using admix::test::Rde;
using nlohmann::json;

namespace {

TimePoint at(int64_t s) {
    return TimePoint{std::chrono::seconds(s)};
}
const TimePoint kNow = at(1795255200); // 2026-11-21T10:00:00Z

struct Station {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit{db};
    formulas::Formulary formulary = formulas::loadDemoFormulary().value();
    formulas::FormulasPolicy policy = formulas::loadDefaultFormulasPolicy().value();
    Hl7Interface hl7{db, audit, formulary, policy};
    workflow::User pharmacist{0, "rph", "R. Ph", workflow::Role::Pharmacist, true};

    Station() { hl7.seedDemoMaps(kNow); }
    std::vector<store::OrderRow> queue() { return store::PrepRepo(db).queue(); }
    int64_t count(const char* sql) { return db.queryInt(sql).value_or(-1); }
};

// The ACK as parsed, and one of its fields.
struct Ack {
    Message m;
    explicit Ack(const std::string& text) : m(parseMessage(text).value()) {}
    std::string msa(int f) const { return m.value(*m.find("MSA"), f); }
    std::string err(int f, int c = 1) const {
        return m.find("ERR") ? m.value(*m.find("ERR"), f, c) : "(no ERR)";
    }
};

} // namespace

TEST_CASE("demo maps: give code = recipe id, additive NDCs with their bases") {
    Station s;
    store::Hl7Repo repo(s.db);
    CHECK(repo.findMap("give", "cefazolin-ns", "")->recipeId == "cefazolin-ns");
    // KCl 20 mEq/10 mL (99999-201-10) is the first ingredient of two recipes: only with a base.
    CHECK(repo.findMap("additive", "99999020110", "99999090101")->recipeId == "potassium-chloride-ns-1000");
    CHECK_FALSE(repo.findMap("additive", "99999020110", "").has_value());
    CHECK(Hl7Interface::codeCandidates("99999-201-10") == std::vector<std::string>{"99999020110"});
    CHECK(Hl7Interface::codeCandidates("99999020110") == std::vector<std::string>{"99999020110"});
    CHECK(Hl7Interface::codeCandidates("9999920110").size() == 3); // 10 digits, no dashes: 3 readings
    CHECK(Hl7Interface::codeCandidates(" cefazolin-ns ") == std::vector<std::string>{"cefazolin-ns"});
}

TEST_CASE("NW: fields of RDE^O11 reach the queue; the ACK echoes, swaps, keeps the version") {
    Station s;
    Rde r;
    r.start = "202611211130+0000";
    r.priority = "S";
    const Handled h = s.hl7.handle(r.text(), kNow);
    INFO(h.reason);
    REQUIRE(h.code == AckCode::Accept);
    CHECK(h.state == "accepted");
    const Ack ack(h.ack);
    CHECK(ack.msa(1) == "AA");
    CHECK(ack.msa(2) == "MSG1");
    CHECK(ack.m.value(*ack.m.find("MSH"), 3) == "ADMIX");
    CHECK(ack.m.value(*ack.m.find("MSH"), 5) == "PHARM");
    CHECK(ack.m.header().version == "2.5.1");
    const auto q = s.queue();
    REQUIRE(q.size() == 1);
    const store::OrderRow& o = q.front();
    CHECK(o.recipeId == "cefazolin-ns");
    CHECK(o.patientName == "DEMO, HANNA");
    CHECK(o.patientMrn == "MRN-H001");
    CHECK(o.priority == "stat");
    CHECK(o.dueUtc == "2026-11-21T11:30:00Z");
    CHECK(o.prescriber == "SMITH, ANNA (1234)");
    CHECK(o.route == "IV");
    CHECK(json::parse(o.doseJson) == json{{"value", 2.0}, {"unit", "g"}});
    const json patient = json::parse(o.patientJson);
    CHECK(patient["age_years"] == 56);
    CHECK(patient["sex"] == "female");
    CHECK(patient["location"] == "ICU 12-B");
    CHECK(store::PrepRepo(s.db).orderComments(o.id) == "Protect from light");
    CHECK(store::Hl7Repo(s.db).link("PL1^PHARM")->orderId == o.id);
    const auto inbox = store::Hl7Repo(s.db).inbox();
    REQUIRE(inbox.size() == 1);
    CHECK(inbox[0].state == "accepted");
    CHECK(inbox[0].controlId == "MSG1");
    CHECK(inbox[0].raw == r.text());
    CHECK(inbox[0].orderId == o.id);
}

TEST_CASE("resend of the same control id: the same ACK, nothing changed") {
    Station s;
    Rde r;
    const Handled first = s.hl7.handle(r.text(), kNow);
    REQUIRE(first.code == AckCode::Accept);
    const int64_t audits = s.audit.count();
    const Handled again = s.hl7.handle(r.text(), kNow + std::chrono::minutes(5));
    CHECK(again.duplicate);
    CHECK(again.ack == first.ack);
    CHECK(s.queue().size() == 1);
    CHECK(s.count("SELECT count(*) FROM hl7_inbox") == 1);
    CHECK(s.audit.count() == audits);
    // Another sender with the same control id is another message.
    Rde other = r;
    other.placer = "PL2";
    std::string text = other.text();
    text.replace(text.find("GENHOSP"), 7, "NORTHSITE");
    CHECK(s.hl7.handle(text, kNow).code == AckCode::Accept);
    CHECK(s.queue().size() == 2);
}

TEST_CASE("weight-based order with OBX weight and height; units converted") {
    Station s;
    Rde r;
    r.give = "vancomycin-ns^Vancomycin^LOCAL";
    r.amount = "15";
    r.units = "mg/kg";
    r.obx = "OBX|1|NM|29463-7^Body weight^LN||154|[lb_av]\rOBX|2|NM|8302-2^Body height^LN||69|[in_i]\r"
            "OBX|3|NM|2160-0^Creatinine^LN||88.42|umol/L\r";
    const Handled h = s.hl7.handle(r.text(), kNow);
    INFO(h.reason);
    REQUIRE(h.code == AckCode::Accept);
    const auto q = s.queue();
    REQUIRE(q.size() == 1);
    const json patient = json::parse(q[0].patientJson);
    CHECK(patient["weight_kg"].get<double>() == doctest::Approx(69.853).epsilon(1e-4));
    CHECK(patient["height_cm"].get<double>() == doctest::Approx(175.3));
    CHECK(patient["scr_mg_dl"].get<double>() == doctest::Approx(1.0));
    CHECK(json::parse(q[0].doseJson) == json{{"value", 15.0}, {"unit", "mg/kg"}});
    const auto plan = workflow::planForOrder(q[0], s.formulary, s.policy);
    REQUIRE(plan.ok());
}

TEST_CASE("refusals: each gets its ACK code and ERR, and changes nothing") {
    Station s;
    auto refused = [&s](const std::string& text, const char* code, const char* errSegment,
                        const char* errField, const char* needle) {
        const Handled h = s.hl7.handle(text, kNow);
        const Ack ack(h.ack);
        CHECK(ack.msa(1) == code);
        CHECK(ack.err(2, 1) == errSegment);
        CHECK(ack.err(2, 3) == errField);
        CHECK(ack.err(8).find(needle) != std::string::npos);
        CHECK(s.queue().empty());
        return h;
    };
    Rde r;
    SUBCASE("bad weight unit") {
        r.give = "vancomycin-ns";
        r.amount = "15";
        r.units = "mg/kg";
        r.obx = "OBX|1|NM|29463-7^Body weight^LN||11|[stone]\r";
        const Handled h = refused(r.text(), "AE", "OBX", "6", "body weight unit '[stone]'");
        CHECK(h.state == "refused");
    }
    SUBCASE("wrong segment order") {
        std::string text = r.text();
        // RXE moved before ORC.
        const size_t rxe = text.find("RXE|");
        const std::string rxeSeg = text.substr(rxe, text.find('\r', rxe) - rxe + 1);
        text.erase(rxe, rxeSeg.size());
        text.insert(text.find("ORC|"), rxeSeg);
        refused(text, "AE", "RXE", "", "before ORC");
    }
    SUBCASE("unknown give code is held") {
        r.give = "ZOSYN4.5^Pip-tazo 4.5 g^LOCAL";
        const Handled h = refused(r.text(), "AE", "RXE", "2", "no recipe is mapped to give code ZOSYN4.5");
        CHECK(h.state == "held");
        CHECK(Ack(h.ack).err(3, 1) == "103");
    }
    SUBCASE("unsupported order control") {
        r.control = "SC";
        refused(r.text(), "AE", "ORC", "1", "order control 'SC' is not supported");
    }
    SUBCASE("unsupported message type") {
        r.type = "ADT^A01";
        refused(r.text(), "AR", "MSH", "9", "not supported");
    }
    SUBCASE("unparseable") {
        const Handled h = s.hl7.handle("MSH|^~\\&|PHARM|GENHOSP|||||RDE^O11|X9|P|2.1\r", kNow);
        CHECK(Ack(h.ack).msa(1) == "AR");
        CHECK(Ack(h.ack).msa(2) == "X9");
        CHECK(Ack(h.ack).err(3) == "203");
    }
    SUBCASE("a dose the plan refuses") {
        r.amount = "9";
        refused(r.text(), "AE", "RXE", "", "above the recipe's maximum of 3 g");
    }
    SUBCASE("cancel of an unknown order") {
        r.control = "CA";
        refused(r.text(), "AE", "ORC", "2", "cancel of an unknown order");
    }
    CHECK(s.count("SELECT count(*) FROM orders") == 0);
    CHECK(s.count("SELECT count(*) FROM hl7_inbox") == 1);
}

TEST_CASE("IV mixture by RXC codes (NDC with or without dashes), ORM^O01 with RXO") {
    Station s;
    Rde r;
    r.give = "KCL20NS1000^KCl 20 mEq in NS 1000 mL^LOCAL";
    r.amount = "1000";
    r.units = "mL";
    SUBCASE("dashes") {
        r.rxc = "RXC|B|99999-0901-01^NS 1000 mL|1000|mL\rRXC|A|99999-201-10^KCl 2 mEq/mL|20|mEq\r";
    }
    SUBCASE("11 digits") {
        r.rxc = "RXC|B|99999090101^NS 1000 mL|1000|mL\rRXC|A|99999020110^KCl|20|mEq\r";
    }
    const Handled h = s.hl7.handle(r.text(), kNow);
    INFO(h.reason);
    REQUIRE(h.code == AckCode::Accept);
    REQUIRE(s.queue().size() == 1);
    CHECK(s.queue()[0].recipeId == "potassium-chloride-ns-1000");
    CHECK(json::parse(s.queue()[0].doseJson) == json{{"value", 20.0}, {"unit", "mEq"}});
}

TEST_CASE("ORM^O01 (2.3) with RXO and ORC-7 timing") {
    Station s;
    const std::string text = "MSH|^~\\&|OLDPHARM|GH|ADMIX|IV|20261121||ORM^O01|OLD1|P|2.3\r"
                             "PID|1||M77^^^GH^MR||OLD^PATIENT||19500101|M\r"
                             "ORC|NW|OP1|||||^^^202611211200+0000^^A|||||99^JONES^BOB\r"
                             "RXO|ceftriaxone-ns^Ceftriaxone|1||g\r"
                             "RXR|IV\r";
    const Handled h = s.hl7.handle(text, kNow);
    INFO(h.reason);
    REQUIRE(h.code == AckCode::Accept);
    const auto q = s.queue();
    REQUIRE(q.size() == 1);
    CHECK(q[0].recipeId == "ceftriaxone-ns");
    CHECK(q[0].priority == "urgent");
    CHECK(q[0].dueUtc == "2026-11-21T12:00:00Z");
    const Ack ack(h.ack);
    CHECK(ack.m.value(*ack.m.find("MSH"), 9, 2) == "O01");
    CHECK(ack.m.header().version == "2.3");
}

TEST_CASE("held until mapped, then queued") {
    Station s;
    Rde r;
    r.give = "CEFAZ2G^Cefazolin 2 g^LOCAL";
    const Handled h = s.hl7.handle(r.text(), kNow);
    REQUIRE(h.state == "held");
    CHECK(s.queue().empty());
    CHECK(s.hl7.retryHeld(kNow) == 0);
    CHECK_FALSE(s.hl7.addMap("give", "CEFAZ2G", "", "no-such-recipe", s.pharmacist, kNow).ok());
    REQUIRE(s.hl7.addMap("give", "CEFAZ2G", "", "cefazolin-ns", s.pharmacist, kNow).ok());
    CHECK(s.hl7.retryHeld(kNow) == 1);
    REQUIRE(s.queue().size() == 1);
    CHECK(s.queue()[0].recipeId == "cefazolin-ns");
    const auto inbox = store::Hl7Repo(s.db).inbox();
    REQUIRE(inbox.size() == 1);
    CHECK(inbox[0].state == "accepted");
    CHECK(inbox[0].resolvedUtc.has_value());
    // The resend still gets the ACK it got first and adds nothing.
    CHECK(s.hl7.handle(r.text(), kNow).duplicate);
    CHECK(s.queue().size() == 1);
    CHECK(s.hl7.removeMap("give", "CEFAZ2G", "", s.pharmacist, kNow).ok());
    CHECK_FALSE(s.hl7.removeMap("give", "CEFAZ2G", "", s.pharmacist, kNow).ok());
}

TEST_CASE("XO and DC/CA on an order not started, being prepared, awaiting check") {
    Station s;
    Rde r;
    REQUIRE(s.hl7.handle(r.text(), kNow).code == AckCode::Accept);
    const int64_t first = s.queue().at(0).id;
    workflow::PreparationEngine engine(s.db, s.audit, "test");
    workflow::User tech{0, "tech", "T. Ech", workflow::Role::Technician, true};

    SUBCASE("XO of an unstarted order replaces it") {
        Rde x = r;
        x.control = "XO";
        x.controlId = "MSG2";
        x.amount = "1";
        const Handled h = s.hl7.handle(x.text(), kNow);
        INFO(h.reason);
        REQUIRE(h.code == AckCode::Accept);
        const auto q = s.queue();
        REQUIRE(q.size() == 1);
        CHECK(q[0].id != first);
        CHECK(json::parse(q[0].doseJson)["value"] == 1.0);
        CHECK(store::PrepRepo(s.db).order(first)->status == "cancelled");
        CHECK(store::Hl7Repo(s.db).link("PL1^PHARM")->orderId == q[0].id);
    }
    SUBCASE("DC of an unstarted order removes it") {
        Rde d = r;
        d.control = "DC";
        d.controlId = "MSG2";
        REQUIRE(s.hl7.handle(d.text(), kNow).code == AckCode::Accept);
        CHECK(s.queue().empty());
        CHECK(store::PrepRepo(s.db).order(first)->status == "cancelled");
    }
    SUBCASE("XO while being prepared: the next step stops with the change shown") {
        const auto spec = workflow::specForOrder(*store::PrepRepo(s.db).order(first), s.formulary, s.policy);
        REQUIRE(spec.ok());
        const auto prep = engine.start(first, *spec, tech, "room", "pec", std::nullopt, kNow);
        REQUIRE(prep.ok());
        Rde x = r;
        x.control = "XO";
        x.controlId = "MSG2";
        x.amount = "1";
        REQUIRE(s.hl7.handle(x.text(), kNow).code == AckCode::Accept);
        const auto step = engine.confirm(*prep, 0, "k1", tech, kNow);
        REQUIRE_FALSE(step.ok());
        CHECK(step.error().text().find("STOP: CHANGED by the pharmacy system: dose") != std::string::npos);
        CHECK(engine.cancel(*prep, tech, "order changed", kNow).ok());
        CHECK(store::PrepRepo(s.db).order(first)->status == "cancelled"); // not back in the queue
        const auto q = s.queue();
        REQUIRE(q.size() == 1);
        CHECK(json::parse(q[0].doseJson)["value"] == 1.0);
    }
    SUBCASE("CA of an order awaiting check: approval refused") {
        const auto spec = workflow::specForOrder(*store::PrepRepo(s.db).order(first), s.formulary, s.policy);
        REQUIRE(spec.ok());
        const auto prep = engine.start(first, *spec, tech, "room", "pec", std::nullopt, kNow);
        REQUIRE(prep.ok());
        // Awaiting check, as the engine leaves it after the last step.
        store::PrepRepo(s.db).setPrepStatus(*prep, "awaiting_check", 0);
        store::PrepRepo(s.db).setOrderStatus(first, "awaiting_check");
        Rde c = r;
        c.control = "CA";
        c.controlId = "MSG3";
        REQUIRE(s.hl7.handle(c.text(), kNow).code == AckCode::Accept);
        const auto hold = store::OrderHolds(s.db).find(first);
        REQUIRE(hold.has_value());
        CHECK(hold->kind == "discontinued");
        workflow::Authenticator auth(s.db, s.audit);
        const auto admin = auth.addUser({"admin", "Admin", workflow::Role::Admin, std::nullopt, std::nullopt,
                                         std::string("admin-password-1")},
                                        std::nullopt, kNow);
        REQUIRE(admin.ok());
        REQUIRE(
            auth.addUser({"rpatel", "R. Patel", workflow::Role::Pharmacist, "B-2001", "7350", std::nullopt},
                         *admin, kNow)
                .ok());
        const std::string number = store::PrepRepo(s.db).prep(*prep)->prepNumber;
        const auto sig =
            auth.sign("B-2001", "7350", workflow::Role::Pharmacist, "prep.approve", number, "approve", kNow);
        REQUIRE(sig.ok());
        const Status approved = engine.approve(*prep, *sig, kNow);
        REQUIRE_FALSE(approved.ok());
        CHECK(approved.error().text().find("approval refused: CANCELLED by the pharmacy system") !=
              std::string::npos);
        CHECK(store::PrepRepo(s.db).prep(*prep)->status == "awaiting_check");
    }
}

TEST_CASE("several ORC groups in one message: each is an order, all or none") {
    Station s;
    // Two orders for one patient: cefazolin by give code, KCl by RXC codes, each with its own RXE.
    Rde r;
    r.extra = "ORC|NW|PL2^PHARM||||||||||1234^SMITH^ANNA\r"
              "TQ1|1||||||||S\r"
              "RXE||KCL20^KCl 20 mEq in NS 1 L|1000||mL\r"
              "NTE|1||Infuse over 4 hours\r"
              "RXR|IV\r"
              "RXC|B|99999090101^NS 1000 mL|1000|mL\r"
              "RXC|A|99999-201-10^KCl 2 mEq/mL|20|mEq\r";

    SUBCASE("both accepted: two orders, two links, one ACK") {
        const auto read = readPharmacyOrders(parseMessage(r.text()).value());
        REQUIRE(std::holds_alternative<std::vector<OrderGroup>>(read));
        const auto& groups = std::get<std::vector<OrderGroup>>(read);
        REQUIRE(groups.size() == 2);
        CHECK(groups[0].order.placer == "PL1^PHARM");
        CHECK(groups[0].order.notes == std::vector<std::string>{"Protect from light"});
        CHECK(groups[0].order.components.empty()); // the second order's RXC are not the first's
        CHECK(groups[1].order.placer == "PL2^PHARM");
        CHECK(groups[1].order.priority == "stat");
        CHECK(groups[1].order.mrn == "MRN-H001"); // the patient group is shared
        CHECK(groups[1].order.components.size() == 2);
        CHECK(groups[1].order.notes == std::vector<std::string>{"Infuse over 4 hours"});

        const Handled h = s.hl7.handle(r.text(), kNow);
        INFO(h.reason);
        REQUIRE(h.code == AckCode::Accept);
        CHECK(Ack(h.ack).msa(1) == "AA");
        const auto q = s.queue();
        REQUIRE(q.size() == 2);
        CHECK(q[0].recipeId == "potassium-chloride-ns-1000"); // STAT first
        CHECK(q[0].priority == "stat");
        CHECK(q[1].recipeId == "cefazolin-ns");
        CHECK(s.count("SELECT count(*) FROM hl7_orders") == 2);
        CHECK(s.count("SELECT count(*) FROM hl7_inbox WHERE state = 'accepted'") == 1);
        // A resend changes nothing.
        CHECK(s.hl7.handle(r.text(), kNow).duplicate);
        CHECK(s.queue().size() == 2);
    }
    SUBCASE(
        "the second refused: AE naming its segment with its sequence, and the first is not taken either") {
        Rde bad = r;
        bad.extra = "ORC|NW|PL2^PHARM||||||||||1234^SMITH^ANNA\r"
                    "RXE||vancomycin-ns^Vancomycin|15||mg/kg\r"
                    "RXR|IV\r"
                    "OBX|1|NM|29463-7^Body weight^LN||11|[stone]\r";
        const Handled h = s.hl7.handle(bad.text(), kNow);
        CHECK(h.code == AckCode::Error);
        const Ack ack(h.ack);
        CHECK(ack.msa(1) == "AE");
        CHECK(ack.err(2, 1) == "OBX");
        CHECK(ack.err(2, 3) == "6");
        CHECK(ack.err(8).find("[stone]") != std::string::npos);
        CHECK(h.reason.find("order 2 of 2 (ORC(2))") != std::string::npos);
        CHECK(h.reason.find("none of the message's 2 orders was taken") != std::string::npos);
        CHECK(ack.err(8).find("none of the message's 2 orders was taken") != std::string::npos);
        CHECK(s.queue().empty());
        CHECK(s.count("SELECT count(*) FROM hl7_orders") == 0);
        CHECK(s.count("SELECT count(*) FROM orders") == 0);
        CHECK(s.count("SELECT count(*) FROM hl7_inbox WHERE state = 'refused'") == 1);
    }
    SUBCASE("a second RXE names RXE(2) in the ERR") {
        Rde bad = r;
        bad.extra = "ORC|NW|PL2^PHARM||||||||||1234^SMITH^ANNA\r"
                    "RXE||cefazolin-ns|0||g\r"
                    "RXR|IV\r";
        const Handled h = s.hl7.handle(bad.text(), kNow);
        CHECK(h.code == AckCode::Error);
        const Ack ack(h.ack);
        CHECK(ack.err(2, 1) == "RXE");
        CHECK(ack.err(2, 2) == "2"); // the second RXE of the message
        CHECK(ack.err(2, 3) == "3");
        CHECK(s.queue().empty());
    }
    SUBCASE("the second without RXR: the ERR names the segment missing") {
        Rde bad = r;
        bad.extra = "ORC|NW|PL2^PHARM||||||||||1234^SMITH^ANNA\r"
                    "RXE||cefazolin-ns|2||g\r";
        const Handled h = s.hl7.handle(bad.text(), kNow);
        CHECK(h.code == AckCode::Error);
        const Ack ack(h.ack);
        CHECK(ack.err(2, 1) == "RXR");
        CHECK(ack.err(3, 1) == "100");
        CHECK(ack.err(8).find("order 2 of 2 (ORC(2))") != std::string::npos);
        CHECK(s.queue().empty());
    }
    SUBCASE("one order not mapped: the whole message is held, then both enter once mapped") {
        Rde held = r;
        held.extra = "ORC|NW|PL2^PHARM||||||||||1234^SMITH^ANNA\r"
                     "RXE||ZOSYN45^Piperacillin-tazobactam 4.5 g|4.5||g\r"
                     "RXR|IV\r";
        const Handled h = s.hl7.handle(held.text(), kNow);
        CHECK(h.code == AckCode::Error);
        CHECK(h.state == "held");
        CHECK(s.queue().empty());
        CHECK(s.count("SELECT count(*) FROM orders") == 0);
        REQUIRE(s.hl7.addMap("give", "ZOSYN45", "", "piperacillin-tazobactam-ns", s.pharmacist, kNow).ok());
        CHECK(s.hl7.retryHeld(kNow) == 1);
        const auto q = s.queue();
        CHECK(q.size() == 2);
        CHECK(s.count("SELECT count(*) FROM hl7_inbox WHERE state = 'accepted'") == 1);
        CHECK(s.count("SELECT count(*) FROM hl7_inbox WHERE state = 'held'") == 0);
    }
    SUBCASE("NW of one order and DC of another in one message") {
        REQUIRE(s.hl7.handle(Rde{}.text(), kNow).code == AckCode::Accept);
        Rde mixed;
        mixed.controlId = "MSG2";
        mixed.placer = "PL3";
        mixed.extra = "ORC|DC|PL1^PHARM||||||||||1234^SMITH^ANNA\r";
        const Handled h = s.hl7.handle(mixed.text(), kNow);
        INFO(h.reason);
        REQUIRE(h.code == AckCode::Accept);
        const auto q = s.queue();
        REQUIRE(q.size() == 1);
        CHECK(store::Hl7Repo(s.db).link("PL3^PHARM")->orderId == q.front().id);
    }
}

#include "station/store/audit_log.hpp"
#include "station/store/schema.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::store;

TEST_CASE("SHA-256 matches the FIPS 180-2 test vectors") {
    // FIPS 180-2, appendix B.1 ("abc") and the empty string.
    CHECK(sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK(sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("the audit trail chains each row to the one before") {
    Database db = openStationDatabase(":memory:");
    AuditLog log(db);
    const auto t0 = parseIsoUtc("2026-11-21T08:00:00Z").value();
    const int64_t first = log.append("tech1", "prep.start", "PREP-1", R"({"recipe":"cefazolin"})", t0);
    const int64_t second =
        log.append("tech1", "scan.pass", "PREP-1", R"({"lot":"A1"})", t0 + std::chrono::seconds(30));
    CHECK(second == first + 1);
    CHECK(log.count() == 2);
    const auto rows = log.forSubject("PREP-1");
    REQUIRE(rows.size() == 2);
    CHECK(rows[0].prevHash == AuditLog::kGenesisHash);
    CHECK(rows[1].prevHash == rows[0].hash);
    CHECK(rows[0].atUtc == "2026-11-21T08:00:00Z");
    CHECK_FALSE(log.verify().has_value());
}

TEST_CASE("a range is from an instant to before another, optionally about one subject") {
    Database db = openStationDatabase(":memory:");
    AuditLog log(db);
    const auto at = [](const char* iso) {
        return parseIsoUtc(iso).value();
    };
    log.append("tech1", "a", "PREP-1", "{}", at("2026-11-21T04:59:59Z")); // 23:59:59 on the 20th in New York
    log.append("tech1", "b", "PREP-1", "{}", at("2026-11-21T05:00:00Z")); // 00:00 on the 21st there
    log.append("tech1", "c", "PREP-2", "{}", at("2026-11-22T04:59:59Z"));
    log.append("tech1", "d", "PREP-1", "{}", at("2026-11-22T05:00:00Z"));
    const auto actions = [](const std::vector<AuditEntry>& rows) {
        std::string out;
        for (const auto& r : rows)
            out += r.action;
        return out;
    };
    // The local day 21 November in US Eastern (EST, UTC-5): [05:00Z on the 21st, 05:00Z on the 22nd).
    CHECK(actions(log.range(at("2026-11-21T05:00:00Z"), at("2026-11-22T05:00:00Z"), "")) == "bc");
    CHECK(actions(log.range(at("2026-11-21T05:00:00Z"), at("2026-11-22T05:00:00Z"), "PREP-1")) == "b");
    CHECK(actions(log.range(std::nullopt, at("2026-11-21T05:00:00Z"), "")) == "a");
    CHECK(actions(log.range(at("2026-11-22T04:59:59Z"), std::nullopt, "")) == "cd");
    CHECK(actions(log.range(std::nullopt, std::nullopt, "")) == "abcd");
}

TEST_CASE("the audit trail refuses updates and deletes") {
    Database db = openStationDatabase(":memory:");
    AuditLog log(db);
    log.append("tech1", "prep.start", "PREP-1");
    CHECK_THROWS_WITH_AS(db.exec("UPDATE audit_log SET actor = 'someone else'"),
                         doctest::Contains("append-only"), StoreError);
    CHECK_THROWS_WITH_AS(db.exec("DELETE FROM audit_log"), doctest::Contains("append-only"), StoreError);
}

TEST_CASE("verify finds the first altered or removed row") {
    Database db = openStationDatabase(":memory:");
    AuditLog log(db);
    for (int i = 0; i < 5; ++i)
        log.append("tech1", "step", "PREP-1", "{\"i\":" + std::to_string(i) + "}");

    SUBCASE("an altered row") {
        db.exec("DROP TRIGGER audit_log_no_update");
        db.exec("UPDATE audit_log SET details = '{\"i\":99}' WHERE id = 3");
        const auto broken = log.verify();
        REQUIRE(broken.has_value());
        CHECK(broken->id == 3);
        CHECK(broken->reason.find("altered") != std::string::npos);
    }
    SUBCASE("a removed row") {
        db.exec("DROP TRIGGER audit_log_no_delete");
        db.exec("DELETE FROM audit_log WHERE id = 2");
        const auto broken = log.verify();
        REQUIRE(broken.has_value());
        CHECK(broken->id == 3);
        CHECK(broken->reason.find("removed") != std::string::npos);
    }
}

TEST_CASE("an audit row rolls back with the transaction it joined") {
    Database db = openStationDatabase(":memory:");
    AuditLog log(db);
    {
        Transaction tx(db);
        log.append("tech1", "weigh.pass", "PREP-1");
    }
    CHECK(log.count() == 0);
    {
        Transaction tx(db);
        log.append("tech1", "weigh.pass", "PREP-1");
        tx.commit();
    }
    CHECK(log.count() == 1);
}

// The monitoring CSV: every bad row reported with its line and column; good rows parsed exactly.
#include "usp797/em_csv.hpp"

#include <doctest/doctest.h>

using namespace admix;
using namespace admix::usp797;

TEST_CASE("a good file parses / in any column order / with quotes and CRLF") {
    const std::string text = "kind,at_utc,room,location,value,litres,person,device_or_lot,notes\r\n"
                             "viable_air,2026-02-01T10:00:00Z,BUF-1,LAFW-1,1,1000,qa01,\"SAS-1/TSA, lot "
                             "7\",\"said \"\"ok\"\"\"\r\n"
                             "\r\n"
                             "pressure,2026-02-01 07:00:00,BUF-1,BUF-1,0.031,,tech01,DPG-1,\n";
    const auto r = parseEmCsv(text, SitePolicy::defaults());
    REQUIRE_MESSAGE(r.problems.empty(), r.problems.front().text());
    REQUIRE(r.rows.size() == 2);
    CHECK(r.rows[0].line == 2);
    CHECK(r.rows[0].sample.deviceOrLot == "SAS-1/TSA, lot 7");
    CHECK(r.rows[0].sample.notes == "said \"ok\"");
    CHECK(*r.rows[0].sample.litres == 1000);
    CHECK(r.rows[1].line == 4);
    CHECK(r.rows[1].sample.kind == EmKind::Pressure);
    CHECK(r.rows[1].sample.value == doctest::Approx(0.031));
}

TEST_CASE("every bad row is reported with its line and column") {
    const std::string text =
        emCsvHeader() + "2026-02-01T10:00:00Z,surface,BUF-1,LAFW-1,2,,qa01,TSA-1,\n"   // 2 ok
                        "2026-02-30T10:00:00Z,surface,BUF-1,LAFW-1,2,,qa01,TSA-1,\n"   // 3 bad date
                        "2026-02-01T10:00:00Z,dust,BUF-1,LAFW-1,2,,qa01,TSA-1,\n"      // 4 bad kind
                        "2026-02-01T10:00:00Z,surface,BUF-1,LAFW-1,two,,qa01,TSA-1,\n" // 5 bad number
                        "2026-02-01T10:00:00Z,viable_air,BUF-1,LAFW-1,0,500,qa01,T,\n" // 6 too few litres
                        "2026-02-01T10:00:00Z,surface,BUF-1,LAFW-1,2,,qa01\n"          // 7 field count
                        "2026-02-01T10:00:00Z,humidity,BUF-1,BUF-1,120,,qa01,TH,\n";   // 8 humidity > 100
    const auto r = parseEmCsv(text, SitePolicy::defaults());
    CHECK(r.rows.size() == 1);
    REQUIRE(r.problems.size() == 6);
    CHECK(r.problems[0].line == 3);
    CHECK(r.problems[0].column == "at_utc");
    CHECK(r.problems[1].line == 4);
    CHECK(r.problems[1].column == "kind");
    CHECK(r.problems[2].text() == "line 5, column value: 'two' is not a number");
    CHECK(r.problems[3].line == 6);
    CHECK(r.problems[3].column == "litres");
    CHECK(r.problems[4].line == 7);
    CHECK(r.problems[5].line == 8);
    CHECK(r.problems[5].column == "value");
}

TEST_CASE("header problems: unknown and missing columns / unclosed quote") {
    auto r = parseEmCsv("at_utc,kind,room,valu,person\n", SitePolicy::defaults());
    REQUIRE(r.problems.size() == 2);
    CHECK(r.problems[0].column == "valu");
    CHECK(r.problems[1].column == "value");
    r = parseEmCsv(emCsvHeader() + "2026-02-01T10:00:00Z,surface,\"BUF-1,LAFW-1,2,,qa01,TSA,\n",
                   SitePolicy::defaults());
    REQUIRE(r.problems.size() == 1);
    CHECK(r.problems[0].line == 2);
    CHECK(r.problems[0].message == "a quoted field is never closed");
    // a stray quote is reported and the lines after it are still checked one by one
    r = parseEmCsv(emCsvHeader() + "2026-02-01T10:00:00Z,surface,BUF-1,LAFW-1,2\"x,,qa01,TSA,\n"
                                   "2026-02-01T10:00:00Z,surface,BUF-1,LAFW-1,two,,qa01,TSA,\n",
                   SitePolicy::defaults());
    REQUIRE(r.problems.size() == 2);
    CHECK(r.problems[0].line == 2);
    CHECK(r.problems[1].line == 3);
    CHECK(r.problems[1].column == "value");
    r = parseEmCsv("", SitePolicy::defaults());
    CHECK(r.problems.size() == 1);
}

TEST_CASE("a generated line reads back as the same sample") {
    EmSample s;
    s.at = parseIsoUtc("2026-03-03T03:03:03Z").value();
    s.kind = EmKind::Surface;
    s.room = "BUF-1";
    s.location = "BUF-1/floor, by the door";
    s.value = 4;
    s.person = "qa02";
    s.deviceOrLot = "TSA-99";
    s.notes = "line\nbreak";
    const auto r = parseEmCsv(emCsvHeader() + emCsvLine(s), SitePolicy::defaults());
    REQUIRE(r.problems.empty());
    REQUIRE(r.rows.size() == 1);
    CHECK(r.rows[0].sample.location == s.location);
    CHECK(r.rows[0].sample.notes == s.notes);
    CHECK(r.rows[0].sample.at == s.at);
}

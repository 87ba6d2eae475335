// The remote server's security and decisions, over HTTPS on loopback against the demo station:
// routes refused without a session, roles, CSRF, hostile parameters, the lockout, and approve /
// reject / close changing the station's own records (read back through the engine and the store).
#include "tests/remote/remote_test_support.hpp"

#include "station/remote/nginx_front.hpp"
#include "station/remote/routes.hpp"
#include "station/remote/sessions.hpp"
#include "station/remote/tls.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdio>
#include <set>
#include <thread>

using namespace admix;
using namespace admix::test;
using nlohmann::json;

namespace {

std::string statusOf(RemoteFixture& f, const std::string& number) {
    store::Database db = f.db();
    const auto prep = store::PrepRepo(db).prepByNumber(number);
    REQUIRE(prep);
    return prep->status;
}

// Everything a hostile request could have changed: every preparation's status and check, every
// order's status, the corrective actions, the users' lockout state, the list of tables, and the
// audit chain (rows may be added by the refusals, never changed).
std::string stationState(RemoteFixture& f, bool withLockout = true) {
    store::Database db = f.db();
    std::string out;
    if (withLockout)
        out += db.queryText("SELECT group_concat(username || ':' || failed_attempts || ':' || "
                            "coalesce(locked_until_utc, '-'), ',') FROM users")
                   .value_or("") +
               "\n";
    for (const char* sql :
         {"SELECT group_concat(prep_number || ':' || status || ':' || coalesce(checked_by, '-'), ',') FROM "
          "preparations",
          "SELECT group_concat(order_number || ':' || status, ',') FROM orders",
          "SELECT group_concat(id || ':' || coalesce(closed_utc, 'open'), ',') FROM corrective_actions",
          "SELECT group_concat(username || ':' || role || ':' || active, ',') FROM users",
          "SELECT group_concat(name, ',') FROM sqlite_master", "SELECT count(*) FROM images",
          "SELECT count(*) FROM evidence"})
        out += db.queryText(sql).value_or("") + "\n";
    store::AuditLog audit(db);
    out += audit.verify() ? "audit broken" : "audit intact";
    return out;
}

const std::string kPassword(const std::string& user) {
    return remote::demoPassword(user);
}

std::string firstImageOf(RemoteFixture& f, const std::string& number) {
    store::Database db = f.db();
    const auto prep = store::PrepRepo(db).prepByNumber(number);
    for (const auto& e : store::PrepRepo(db).evidence(prep->id))
        if (e.imageSha256)
            return *e.imageSha256;
    FAIL("no photo in " << number);
    return {};
}

} // namespace

TEST_CASE("every route without a session is refused and changes nothing") {
    RemoteFixture f;
    WebClient anon(f);
    const std::string prep = f.demo.awaitingCheck.front();
    const std::string image = firstImageOf(f, prep);
    const std::string before = stationState(f);

    // The sign-in page and its script and style are public; nothing else is.
    for (const char* open : {"/login.html", "/login.js", "/app.css"}) {
        auto r = anon.get(open);
        REQUIRE(r);
        CHECK_MESSAGE(r->status == 200, open);
    }
    for (const char* page :
         {"/", "/queue.html", "/prep.html", "/quality.html", "/print.html", "/common.js", "/queue.js",
          "/prep.js", "/quality.js", "/print.js", "/em_plot.js", "/vendor/uplot.js", "/vendor/uplot.css"}) {
        auto r = anon.get(page);
        REQUIRE(r);
        INFO(page);
        CHECK(r->status == 303);
        CHECK(r->get_header_value("Location") == "/login.html");
        CHECK(r->body.find("<script") == std::string::npos);
    }
    const std::vector<std::string> apis{"/api/v1/session",
                                        "/api/v1/queue",
                                        "/api/v1/preps/" + prep,
                                        "/api/v1/preps/" + prep + "/images/" + image,
                                        "/api/v1/em/rooms",
                                        "/api/v1/em/series?room=BUF-1",
                                        "/api/v1/em/export.csv",
                                        "/api/v1/excursions",
                                        "/api/v1/excursions/export.csv",
                                        "/api/v1/due",
                                        "/api/v1/qualifications"};
    for (const auto& path : apis) {
        auto r = anon.get(path);
        REQUIRE(r);
        INFO(path);
        CHECK(r->status == 401);
        CHECK(r->body.find("MRN") == std::string::npos);
        CHECK(r->body.find("DEMO,") == std::string::npos);
    }
    for (const auto& path : {"/api/v1/preps/" + prep + "/approve", "/api/v1/preps/" + prep + "/reject",
                             std::string("/api/v1/excursions/1/close"), std::string("/api/v1/logout")}) {
        auto r = anon.post(path, json{{"password", kPassword("rph")},
                                      {"reason_code", "other"},
                                      {"reason", "x"},
                                      {"disposition", "waste"}});
        REQUIRE(r);
        INFO(path);
        CHECK(r->status == 401);
    }
    CHECK(statusOf(f, prep) == "awaiting_check");
    CHECK(stationState(f) == before);
}

TEST_CASE("sign-in sets a Secure HttpOnly SameSite=Strict cookie and the session expires when idle") {
    RemoteFixture f;
    WebClient rph(f);
    auto r = rph.login("rph", kPassword("rph"));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    const std::string cookie = r->get_header_value("Set-Cookie");
    CHECK(cookie.rfind("__Host-admix_session=", 0) == 0);
    CHECK(cookie.find("; Secure") != std::string::npos);
    CHECK(cookie.find("; HttpOnly") != std::string::npos);
    CHECK(cookie.find("; SameSite=Strict") != std::string::npos);
    const json body = json::parse(r->body);
    CHECK(body.at("role") == "pharmacist");
    CHECK(body.at("csrf").get<std::string>().size() == 64);
    auto s = rph.get("/api/v1/session");
    REQUIRE(s);
    CHECK(s->status == 200);
    CHECK(r->get_header_value("Strict-Transport-Security").find("max-age") != std::string::npos);

    // Idle timeout of the session table: polling does not count as activity.
    remote::SessionTable table;
    const TimePoint t0 = parseIsoUtc("2026-11-21T10:00:00Z").value();
    workflow::User u;
    u.username = "rph";
    u.role = workflow::Role::Pharmacist;
    const auto ws = table.create(u, "127.0.0.1", t0);
    CHECK(table.touch(ws.token, t0 + std::chrono::minutes(10), std::chrono::minutes(15), false));
    CHECK_FALSE(table.touch(ws.token, t0 + std::chrono::minutes(15), std::chrono::minutes(15), true));
    CHECK(table.size() == 0);
}

TEST_CASE("a pharmacist approves one preparation and rejects another and the station sees both at once") {
    RemoteFixture f;
    WebClient rph(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    const std::string first = f.demo.awaitingCheck[0];
    const std::string second = f.demo.awaitingCheck[2];

    auto queue = rph.get("/api/v1/queue");
    REQUIRE(queue);
    REQUIRE(queue->status == 200);
    const json q = json::parse(queue->body);
    REQUIRE(q.at("items").size() == f.demo.awaitingCheck.size());
    CHECK(q.at("items")[0].at("priority") == "stat");
    CHECK(q.at("items").back().at("priority") == "routine");

    auto detail = rph.get("/api/v1/preps/" + first);
    REQUIRE(detail);
    REQUIRE(detail->status == 200);
    const json d = json::parse(detail->body);
    CHECK(d.at("may_check") == true);
    CHECK(d.at("recipe_retired").is_null()); // the demo has no site formulary to retire from
    CHECK(d.at("order").at("patient") == "DEMO, ALICE");
    REQUIRE_FALSE(d.at("ingredients").empty());
    CHECK(d.at("ingredients")[0].at("pass") == true);
    CHECK_FALSE(d.at("ingredients")[0].at("lot").get<std::string>().empty());
    REQUIRE_FALSE(d.at("photos").empty());
    auto photo = rph.get(d.at("photos")[0].at("url").get<std::string>());
    REQUIRE(photo);
    CHECK(photo->status == 200);
    CHECK(photo->get_header_value("Content-Type") == "image/jpeg");
    CHECK(photo->body.size() > 10000);
    CHECK(static_cast<unsigned char>(photo->body[0]) == 0xFF);

    // The preparation passed by an override shows it.
    const json withOverride = json::parse(rph.get("/api/v1/preps/" + f.demo.awaitingCheck[1])->body);
    CHECK(withOverride.at("any_override") == true);
    CHECK(withOverride.at("overrides").size() == 1);

    // A wrong password is no signature, and nothing changes.
    auto wrong = rph.post("/api/v1/preps/" + first + "/approve", json{{"password", "not my password"}});
    REQUIRE(wrong);
    CHECK(wrong->status == 403);
    CHECK(statusOf(f, first) == "awaiting_check");

    auto ok = rph.post("/api/v1/preps/" + first + "/approve",
                       json{{"password", kPassword("rph")}, {"comment", "looks right"}});
    REQUIRE(ok);
    INFO(ok->body);
    CHECK(ok->status == 200);
    auto rejected = rph.post("/api/v1/preps/" + second + "/reject",
                             json{{"password", kPassword("rph")},
                                  {"reason_code", "wrong_volume"},
                                  {"reason", "photo shows a different syringe size"},
                                  {"disposition", "remake"}});
    REQUIRE(rejected);
    INFO(rejected->body);
    CHECK(rejected->status == 200);

    // The station's own view, on its own connection.
    store::Database db = f.db();
    store::AuditLog audit(db);
    workflow::PreparationEngine engine(db, audit, "Hood 1");
    const auto v1 = engine.view(*engine.prepIdByNumber(first));
    REQUIRE(v1);
    CHECK(v1->status == workflow::PrepStatus::Released);
    CHECK(v1->checkedBy == std::optional<std::string>("rph"));
    const auto v2 = engine.view(*engine.prepIdByNumber(second));
    REQUIRE(v2);
    CHECK(v2->status == workflow::PrepStatus::Rejected);
    REQUIRE(v2->checkReason);
    CHECK(v2->checkReason->find("wrong_volume") == 0);
    CHECK(store::PrepRepo(db).order(v2->orderId)->status == "open"); // remake: back to the queue
    bool approveAudited = false, viewAudited = false;
    for (const auto& e : audit.forSubject(first)) {
        approveAudited |= e.action == "prep.release" && e.actor == "rph";
        viewAudited |= e.action == "remote.view" && e.actor == "rph";
    }
    CHECK(approveAudited);
    CHECK(viewAudited);
    CHECK_FALSE(audit.verify());

    // A second decision on the same preparation is refused.
    auto again = rph.post("/api/v1/preps/" + first + "/reject", json{{"password", kPassword("rph")},
                                                                     {"reason_code", "other"},
                                                                     {"reason", "again"},
                                                                     {"disposition", "waste"}});
    REQUIRE(again);
    CHECK(again->status == 409);
    CHECK(statusOf(f, first) == "released");
}

TEST_CASE("a double click on approve: one decision, one e-signature, the second click refused (issue 19)") {
    RemoteFixture f;
    const std::string prep = f.demo.awaitingCheck[0];
    // Two clicks of the same pharmacist, sent together: both pass the first look at the status and
    // both passwords are checked (Argon2id) before either decision is stored.
    WebClient first(f), second(f);
    REQUIRE(first.login("rph", kPassword("rph"))->status == 200);
    REQUIRE(second.login("rph", kPassword("rph"))->status == 200);
    std::array<int, 2> statuses{};
    std::array<std::string, 2> bodies;
    std::vector<std::thread> clicks;
    for (int i = 0; i < 2; ++i)
        clicks.emplace_back([&, i] {
            auto r = (i == 0 ? first : second)
                         .post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("rph")}});
            statuses[static_cast<size_t>(i)] = r ? r->status : -1;
            bodies[static_cast<size_t>(i)] = r ? r->body : std::string();
        });
    for (auto& t : clicks)
        t.join();
    INFO(bodies[0], " | ", bodies[1]);
    std::array<int, 2> sorted = statuses;
    std::sort(sorted.begin(), sorted.end());
    CHECK(sorted == std::array<int, 2>{200, 409});
    CHECK(statusOf(f, prep) == "released");
    store::Database db = f.db();
    store::AuditLog audit(db);
    int signatures = 0, releases = 0, remoteApprovals = 0;
    for (const auto& e : audit.forSubject(prep)) {
        signatures += e.action == "esign" && e.details.find("\"prep.approve\"") != std::string::npos;
        releases += e.action == "prep.release";
        remoteApprovals += e.action == "remote.approve";
    }
    CHECK(signatures == 1);
    CHECK(releases == 1);
    CHECK(remoteApprovals == 1);
    CHECK_FALSE(audit.verify());
}

TEST_CASE("a technician cannot approve and quality cannot check and a pharmacist cannot close excursions") {
    RemoteFixture f;
    const std::string prep = f.demo.awaitingCheck.front();
    const std::string before = stationState(f);
    WebClient tech(f);
    REQUIRE(tech.login("tech", kPassword("tech"))->status == 200);
    auto r = tech.post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("tech")}});
    REQUIRE(r);
    CHECK(r->status == 403);
    CHECK(tech.get("/api/v1/queue")->status == 403);
    CHECK(tech.get("/api/v1/preps/" + prep)->status == 403);
    CHECK(tech.get("/queue.html")->status == 403);

    WebClient qa(f);
    REQUIRE(qa.login("qa", kPassword("qa"))->status == 200);
    CHECK(qa.post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("qa")}})->status == 403);
    CHECK(qa.get("/api/v1/preps/" + prep)->status == 403);

    WebClient rph(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    CHECK(rph.get("/api/v1/em/rooms")->status == 403);
    CHECK(rph.post("/api/v1/excursions/1/close", json{{"password", kPassword("rph")}, {"reason", "x"}})
              ->status == 403);
    CHECK(rph.get("/quality.html")->status == 403);

    CHECK(statusOf(f, prep) == "awaiting_check");
    // Refusals are audited (rows added), nothing else changes.
    std::string after = stationState(f);
    CHECK(after == before);
    store::Database db = f.db();
    CHECK(db.queryInt("SELECT count(*) FROM audit_log WHERE action = 'remote.refused' AND actor = 'tech'")
              .value_or(0) >= 3);
}

TEST_CASE("a state change without the session's CSRF token is refused") {
    RemoteFixture f;
    const std::string prep = f.demo.awaitingCheck.front();
    WebClient rph(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    auto none = rph.post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("rph")}}, false);
    REQUIRE(none);
    CHECK(none->status == 403);
    CHECK(none->body.find("CSRF") != std::string::npos);
    // Another session's token does not fit this one.
    WebClient other(f);
    REQUIRE(other.login("rph2", kPassword("rph2"))->status == 200);
    auto foreign = rph.post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("rph")}}, false,
                            other.csrf());
    REQUIRE(foreign);
    CHECK(foreign->status == 403);
    CHECK(rph.post("/api/v1/logout", json::object(), false)->status == 403);
    CHECK(statusOf(f, prep) == "awaiting_check");
    // With the token, the same request goes through (the refusals above were the token's).
    auto ok = rph.post("/api/v1/preps/" + prep + "/approve", json{{"password", kPassword("rph")}});
    REQUIRE(ok);
    CHECK(ok->status == 200);
    CHECK(statusOf(f, prep) == "released");
}

TEST_CASE("path traversal and SQL injection on every parameter are refused and change nothing") {
    RemoteFixture f;
    const std::string prep = f.demo.awaitingCheck.front();
    const std::string otherPrep = f.demo.awaitingCheck.back();
    const std::string image = firstImageOf(f, prep);
    WebClient rph(f), qa(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    REQUIRE(qa.login("qa", kPassword("qa"))->status == 200);
    const std::string before = stationState(f, false);

    const std::vector<std::string> hostile{
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e%2f%2e%2e%2fstation.sqlite3",
        "..\\..\\station.sqlite3",
        "/etc/passwd",
        "' OR '1'='1",
        "1' OR 1=1 --",
        "1; DROP TABLE preparations; --",
        "\" OR \"\"=\"",
        "P1%00.jpg",
        "%252e%252e%252f",
        std::string(300, 'A'),
    };
    const auto enc = [](const std::string& s) {
        // Percent-encodes everything but unreserved characters (so '/' and '.' travel as %2F, %2E).
        std::string out;
        for (const char c : s) {
            if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '~') {
                out += c;
            } else {
                char hex[4];
                std::snprintf(hex, sizeof hex, "%%%02X", static_cast<unsigned char>(c));
                out += hex;
            }
        }
        return out;
    };
    const auto refused = [](const httplib::Result& r, const std::string& what) {
        REQUIRE_MESSAGE(r, what);
        INFO(what << " -> " << r->status << " " << r->body.substr(0, 200));
        CHECK(r->status >= 400);
        CHECK(r->status < 500);
        CHECK(r->body.find("root:") == std::string::npos);
        CHECK(r->body.find("SQLite format") == std::string::npos);
    };
    for (const auto& h : hostile) {
        for (const std::string& raw : std::vector<std::string>{h, enc(h)}) {
            refused(rph.get("/api/v1/preps/" + raw), "prep " + raw);
            refused(rph.get("/api/v1/preps/" + prep + "/images/" + raw), "image " + raw);
            refused(rph.get("/api/v1/preps/" + raw + "/images/" + image), "image of prep " + raw);
            refused(rph.post("/api/v1/preps/" + raw + "/approve", json{{"password", kPassword("rph")}}),
                    "approve " + raw);
            refused(rph.post("/api/v1/preps/" + raw + "/reject", json{{"password", kPassword("rph")},
                                                                      {"reason_code", "other"},
                                                                      {"reason", "x"},
                                                                      {"disposition", "waste"}}),
                    "reject " + raw);
            refused(qa.post("/api/v1/excursions/" + raw + "/close",
                            json{{"password", kPassword("qa")}, {"reason", "x"}}),
                    "close " + raw);
            refused(rph.get("/" + raw), "page " + raw);
            refused(rph.get("/vendor/" + raw), "vendor " + raw);
            refused(qa.get("/api/v1/em/series?room=" + enc(h)), "series room " + h);
            refused(qa.get("/api/v1/em/series?room=BUF-1&days=" + enc(h)), "series days " + h);
            refused(qa.get("/api/v1/em/export.csv?room=" + enc(h)), "csv room " + h);
            refused(qa.get("/api/v1/em/export.csv?days=" + enc(h)), "csv days " + h);
            refused(qa.get("/api/v1/excursions?room=" + enc(h)), "excursions room " + h);
            refused(qa.get("/api/v1/excursions?state=" + enc(h)), "excursions state " + h);
            refused(qa.get("/api/v1/excursions/export.csv?state=" + enc(h)), "excursions csv state " + h);
            refused(qa.get("/api/v1/due?room=" + enc(h)), "due room " + h);
        }
        // Hostile values inside the JSON bodies.
        refused(rph.post("/api/v1/preps/" + prep + "/reject", json{{"password", kPassword("rph")},
                                                                   {"reason_code", h},
                                                                   {"reason", "x"},
                                                                   {"disposition", "waste"}}),
                "reason_code " + h);
        refused(rph.post("/api/v1/preps/" + prep + "/reject", json{{"password", kPassword("rph")},
                                                                   {"reason_code", "other"},
                                                                   {"reason", "x"},
                                                                   {"disposition", h}}),
                "disposition " + h);
        refused(rph.post("/api/v1/preps/" + prep + "/approve", json{{"password", h}}), "password " + h);
    }
    // An image of another preparation, by its real hash, is not served under this one.
    const std::string foreignImage = firstImageOf(f, otherPrep);
    refused(rph.get("/api/v1/preps/" + prep + "/images/" + foreignImage), "image of another preparation");
    // Bodies that are not JSON objects, and wrong types.
    refused(
        rph.postRaw("/api/v1/preps/" + prep + "/approve", "password=x", "application/x-www-form-urlencoded"),
        "form body");
    refused(rph.postRaw("/api/v1/preps/" + prep + "/approve", "[1,2]", "application/json"), "array body");
    refused(rph.post("/api/v1/preps/" + prep + "/approve", json{{"password", 12345}}), "numeric password");
    // Sign-in with injected usernames.
    WebClient anon(f);
    for (const auto& h : hostile) {
        auto r = anon.login(h, "x' OR '1'='1");
        REQUIRE(r);
        CHECK(r->status >= 400);
        CHECK_FALSE(anon.signedIn());
    }
    CHECK(statusOf(f, prep) == "awaiting_check");
    // The wrong "passwords" above counted toward rph's lockout (as they must): compare the rest.
    CHECK(stationState(f, false) == before);
}

TEST_CASE("wrong passwords lock the account from that address only; the hood and other desks are not locked "
          "out (issue 19)") {
    RemoteFixture f(1000);
    WebClient attacker(f, "127.0.0.2");
    for (int i = 0; i < 20; ++i) {
        auto r = attacker.login("rph", "wrong password " + std::to_string(i));
        REQUIRE(r);
        CHECK(r->status == 401);
    }
    // From the guessing address even the right password is refused, and says why.
    auto right = attacker.login("rph", kPassword("rph"));
    REQUIRE(right);
    CHECK(right->status == 401);
    CHECK(right->body.find("locked from this address") != std::string::npos);
    CHECK_FALSE(attacker.signedIn());
    // The pharmacist at their own desk signs in.
    WebClient desk(f, "127.0.0.3");
    REQUIRE(desk.login("rph", kPassword("rph")));
    CHECK(desk.login("rph", kPassword("rph"))->status == 200);
    // The hood (no address) is not locked either: its PIN lockout is its own.
    store::Database db = f.db();
    store::AuditLog audit(db);
    workflow::Authenticator auth(db, audit);
    CHECK(auth.signInWithPassword("rph", kPassword("rph")).ok());
    CHECK_FALSE(db.queryText("SELECT locked_until_utc FROM users WHERE username = 'rph'").has_value());
    // Counted up to the policy's limit; further tries while locked are refused without counting.
    CHECK(db.queryText("SELECT address || ':' || failures FROM web_auth_failures WHERE username = 'rph'") ==
          std::optional<std::string>("127.0.0.2:" + std::to_string(auth.policy().maxFailures)));
    CHECK(db.queryText("SELECT count(*) FROM web_auth_failures WHERE username = 'rph' AND locked_until_utc "
                       "IS NOT NULL") == std::optional<std::string>("1"));
    // Another account is not affected, from the guessing address either.
    CHECK(attacker.login("rph2", kPassword("rph2"))->status == 200);
}

TEST_CASE("guesses at one account from several addresses raise one alert per new address for quality staff "
          "(issue 19)") {
    RemoteFixture f(1000);
    for (const char* from : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
        WebClient c(f, from);
        for (int i = 0; i < 2; ++i)
            CHECK(c.login("qa", "not the password")->status == 401);
    }
    store::Database db = f.db();
    // The third and the fourth address each raised it, once.
    CHECK(db.queryText("SELECT count(*) FROM audit_log WHERE action = 'security.alert' AND subject = 'qa'") ==
          std::optional<std::string>("2"));
    const auto details = db.queryText(
        "SELECT details FROM audit_log WHERE action = 'security.alert' ORDER BY id DESC LIMIT 1");
    REQUIRE(details);
    const json d = json::parse(*details);
    CHECK(d.at("addresses_last_hour") == 4);
    CHECK(d.at("latest_address") == "127.0.0.5");
}

TEST_CASE("the sign-in throttle holds one user name per address and the address as a whole, and summarises "
          "what it refused (issue 19)") {
    SUBCASE("one person's guesses do not hold up another person at the same address") {
        RemoteFixture f(10);
        WebClient c(f);
        int throttled = 0;
        for (int i = 0; i < 20; ++i) {
            auto r = c.login("tech", "wrong password");
            REQUIRE(r);
            throttled += r->status == 429;
        }
        CHECK(throttled == 10);
        // tech's right password waits out the window from here too...
        CHECK(c.login("tech", kPassword("tech"))->status == 429);
        // ...but the quality lead at the same workstation signs in.
        CHECK(c.login("qa", kPassword("qa"))->status == 200);
        // Ten refusals in a burst: the first audited as it happened, not one row each.
        store::Database db = f.db();
        CHECK(db.queryText("SELECT count(*) FROM audit_log WHERE action = 'remote.login_throttled'") ==
              std::optional<std::string>("1"));
    }
    SUBCASE("guesses over many user names meet the address's cap") {
        RemoteFixture f(2);
        WebClient c(f);
        int throttled = 0;
        for (int i = 0; i < 14; ++i) {
            auto r = c.login("nobody" + std::to_string(i), "wrong password");
            REQUIRE(r);
            throttled += r->status == 429;
        }
        // Two per name, but ten (5 x 2) for the address as a whole.
        CHECK(throttled == 4);
        CHECK(c.login("rph2", kPassword("rph2"))->status == 429);
        WebClient elsewhere(f, "127.0.0.2");
        CHECK(elsewhere.login("rph2", kPassword("rph2"))->status == 200);
    }
}

TEST_CASE("parallel guesses cannot all pass one throttle check, and a burst of refusals becomes one summary "
          "row (issue 19)") {
    remote::LoginThrottle throttle(10, std::chrono::seconds{60});
    const TimePoint t0 = parseIsoUtc("2026-12-01T10:00:00Z").value();
    std::atomic<int> allowed{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < 24; ++i)
        threads.emplace_back([&] {
            allowed += throttle.begin("10.0.0.9", "rph", t0) == remote::LoginThrottle::Verdict::Allowed;
        });
    for (auto& t : threads)
        t.join();
    CHECK(allowed == 10);
    CHECK(throttle.takeSummaries(t0 + std::chrono::seconds{30}).empty()); // still within the window
    const auto summaries = throttle.takeSummaries(t0 + std::chrono::seconds{60});
    REQUIRE(summaries.size() == 1);
    CHECK(summaries[0].address == "10.0.0.9");
    CHECK(summaries[0].refused == 13); // 14 refused: the first reported at once, 13 in the summary
    CHECK(throttle.takeSummaries(t0 + std::chrono::seconds{120}).empty());
    // A right password gives its place back.
    remote::LoginThrottle fresh(1, std::chrono::seconds{60});
    CHECK(fresh.begin("10.0.0.9", "qa", t0) == remote::LoginThrottle::Verdict::Allowed);
    fresh.succeeded("10.0.0.9", "qa");
    CHECK(fresh.begin("10.0.0.9", "qa", t0) == remote::LoginThrottle::Verdict::Allowed);
    CHECK(fresh.begin("10.0.0.9", "qa", t0) == remote::LoginThrottle::Verdict::RefusedFirst);
}

TEST_CASE(
    "40 parallel sign-ins and wrong passwords: every answer is 200, 401 or 429, never a 5xx (issue 19)") {
    RemoteFixture f(1000);
    const std::vector<std::string> people = {"rph", "rph2", "qa"};
    std::atomic<int> ok{0}, refused{0}, other{0};
    std::mutex oddMutex;
    std::vector<std::string> odd;
    std::vector<std::thread> threads;
    for (int i = 0; i < 40; ++i) {
        threads.emplace_back([&, i] {
            // Every fourth a wrong password, from its own address: locks nobody at the hood.
            const bool wrong = i % 4 == 3;
            WebClient c(f, wrong ? "127.0.0." + std::to_string(10 + i) : std::string());
            c.patient(120);
            const std::string& who = people[static_cast<size_t>(i) % people.size()];
            auto r = c.login(who, wrong ? std::string("not it") : kPassword(who));
            if (r && r->status == 200 && !wrong) {
                ++ok;
            } else if (r && r->status == 401 && wrong) {
                ++refused;
            } else {
                ++other;
                const std::lock_guard lock(oddMutex);
                odd.push_back(who + (wrong ? " (wrong)" : "") + ": " +
                              (r ? std::to_string(r->status) + " " + r->body
                                 : std::string("no answer: ") + httplib::to_string(r.error())));
            }
        });
    }
    for (auto& t : threads)
        t.join();
    for (const auto& line : odd)
        MESSAGE(line);
    CHECK(ok == 30);
    CHECK(refused == 10);
    CHECK(other == 0);
    // Every refusal and every sign-in is in the trail, and the trail holds together.
    store::Database db = f.db();
    CHECK(db.queryText("SELECT count(*) FROM audit_log WHERE action = 'remote.login'") ==
          std::optional<std::string>("30"));
    CHECK(db.queryText("SELECT count(*) FROM audit_log WHERE action = 'remote.login_failed'") ==
          std::optional<std::string>("10"));
}

TEST_CASE("quality sees rooms and series with action levels and exports CSV and closes an excursion with an "
          "e-signature") {
    RemoteFixture f;
    WebClient qa(f);
    REQUIRE(qa.login("qa", kPassword("qa"))->status == 200);
    const json rooms = json::parse(qa.get("/api/v1/em/rooms")->body).at("rooms");
    REQUIRE(rooms.size() == 3);
    const std::string room = rooms[0].at("code");
    const json series = json::parse(qa.get("/api/v1/em/series?room=" + room + "&days=60")->body).at("series");
    REQUIRE_FALSE(series.empty());
    std::set<std::string> kinds;
    bool levels = false;
    for (const auto& s : series) {
        kinds.insert(s.at("kind").get<std::string>());
        CHECK(s.at("t").size() == s.at("v").size());
        levels |= !s.at("levels").empty();
    }
    CHECK(kinds.count("pressure"));
    CHECK(kinds.count("temperature"));
    CHECK(levels);
    auto csv = qa.get("/api/v1/em/export.csv?room=" + room + "&days=60");
    REQUIRE(csv);
    CHECK(csv->status == 200);
    CHECK(csv->get_header_value("Content-Type").find("text/csv") == 0);
    CHECK(csv->body.rfind("sample_id,at_utc,room", 0) == 0);
    CHECK(std::count(csv->body.begin(), csv->body.end(), '\n') > 20);

    const json exc = json::parse(qa.get("/api/v1/excursions?state=open")->body).at("excursions");
    REQUIRE_FALSE(exc.empty());
    int64_t ready = 0, notReady = 0;
    for (const auto& x : exc) {
        if (x.at("missing_for_closure").empty())
            ready = x.at("id");
        else
            notReady = x.at("id");
    }
    REQUIRE(ready != 0);
    const std::string path = "/api/v1/excursions/" + std::to_string(ready) + "/close";
    CHECK(qa.post(path, json{{"password", "wrong"}, {"reason", "done"}})->status == 403);
    CHECK(qa.post(path, json{{"password", kPassword("qa")}})->status == 400); // no statement
    auto closed = qa.post(
        path, json{{"password", kPassword("qa")}, {"reason", "investigation complete, re-sample clean"}});
    REQUIRE(closed);
    INFO(closed->body);
    CHECK(closed->status == 200);
    store::Database db = f.db();
    store::AuditLog audit(db);
    store::ComplianceStore cs(db, audit);
    const auto ca = cs.correctiveAction(ready);
    REQUIRE(ca);
    REQUIRE(ca->closure);
    CHECK(ca->closure->signer == "qa");
    if (notReady) {
        CHECK(qa.post("/api/v1/excursions/" + std::to_string(notReady) + "/close",
                      json{{"password", kPassword("qa")}, {"reason", "x"}})
                  ->status == 409);
        CHECK(cs.correctiveAction(notReady)->open());
    }
    CHECK(json::parse(qa.get("/api/v1/qualifications")->body).at("people").size() >= 4);
    CHECK_FALSE(json::parse(qa.get("/api/v1/due")->body).at("due").empty());
}

TEST_CASE("the server refuses plain HTTP off loopback and stops cleanly twice") {
    TempDir dir;
    remote::ServerConfig c;
    c.listenAddress = "0.0.0.0";
    c.plainHttp = true;
    c.dataDir = dir.path();
    c.webDir = ADMIX_ASSETS_DIR "/web";
    remote::Server s(c);
    const Status st = s.start();
    CHECK_FALSE(st.ok());
    c.listenAddress = "localhost";
    c.plainHttp = false;
    remote::Server byName(c);
    CHECK_FALSE(byName.start().ok());
    c.listenAddress = "127.0.0.1";
    c.port = 0;
    remote::Server ok(c);
    REQUIRE(ok.start().ok());
    CHECK(ok.running());
    CHECK(std::filesystem::exists(dir.path() / "remote" / "tls" / "key.pem"));
    CHECK((std::filesystem::status(dir.path() / "remote" / "tls" / "key.pem").permissions() &
           std::filesystem::perms::group_read) == std::filesystem::perms::none);
    ok.stop();
    ok.stop();
    CHECK_FALSE(ok.running());
}

TEST_CASE("behind the proxy: loopback only, and the client address is the proxy's only from loopback") {
    // Direct clients: their headers are never trusted.
    CHECK(remote::clientAddress(false, "127.0.0.1", "203.0.113.9", "203.0.113.9") == "127.0.0.1");
    CHECK(remote::clientAddress(true, "10.1.2.3", "203.0.113.9", "203.0.113.9") == "10.1.2.3");
    // From the proxy on loopback: X-Real-IP, else the last hop of X-Forwarded-For.
    CHECK(remote::clientAddress(true, "127.0.0.1", "10.9.8.7", "1.1.1.1, 10.9.8.6") == "10.9.8.7");
    CHECK(remote::clientAddress(true, "127.0.0.1", "", "1.1.1.1,  10.9.8.6 ") == "10.9.8.6");
    CHECK(remote::clientAddress(true, "::1", "", "2001:db8::5") == "2001:db8::5");
    CHECK(remote::clientAddress(true, "127.0.0.1", "", "") == "127.0.0.1");
    CHECK_FALSE(remote::clientAddress(true, "127.0.0.1", "evil; drop", "").has_value());
    CHECK_FALSE(remote::clientAddress(true, "127.0.0.1", "", "1.1.1.1, not-an-address").has_value());

    TempDir dir;
    remote::ServerConfig c;
    c.listenAddress = "0.0.0.0";
    c.port = 0;
    c.behindProxy = true;
    c.dataDir = dir.path();
    c.webDir = ADMIX_ASSETS_DIR "/web";
    remote::Server offLoopback(c);
    const Status refused = offLoopback.start();
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().text().find("[server] listen_address") != std::string::npos);
    CHECK(refused.error().text().find("behind_proxy") != std::string::npos);
    c.plainHttp = true;
    c.listenAddress = "127.0.0.1";
    remote::Server both(c);
    CHECK_FALSE(both.start().ok());
    c.plainHttp = false;
    remote::Server s(c);
    REQUIRE(s.start().ok());
    CHECK(s.url().rfind("http://127.0.0.1:", 0) == 0);
    // The certificate is nginx's: made here on first start when the site names none.
    CHECK(s.certificatePath() == dir.path() / "remote" / "tls" / "cert.pem");
    CHECK(std::filesystem::exists(s.certificatePath()));
    httplib::Client http("127.0.0.1", s.port());
    const auto page = http.Get("/login.html");
    REQUIRE(page);
    CHECK(page->status == 200);
    CHECK(page->get_header_value("Strict-Transport-Security") == "max-age=31536000");
    // A forged address that is not an IP address is refused, not recorded.
    const auto forged = http.Post("/api/v1/login", httplib::Headers{{"X-Real-IP", "<script>"}},
                                  R"({"username":"x","password":"y"})", "application/json");
    REQUIRE(forged);
    CHECK(forged->status == 400);
    s.stop();
}

TEST_CASE("the nginx front's configuration: TLS 1.2+, AEAD, timeouts, per-address cap, loopback backend") {
    remote::NginxFront f;
    f.listenAddress = "0.0.0.0";
    f.port = 443;
    f.serverName = "admix.example.org";
    f.tlsCert = "/etc/ssl/admix/cert.pem";
    f.tlsKey = "/etc/ssl/admix/key.pem";
    f.backendPort = 8444;
    const auto text = remote::nginxSiteConfig(f);
    REQUIRE_MESSAGE(text.ok(), (text.ok() ? "" : text.error().text()));
    for (const char* line :
         {"listen 0.0.0.0:443 ssl;", "server_name admix.example.org;",
          "ssl_certificate \"/etc/ssl/admix/cert.pem\";", "ssl_certificate_key \"/etc/ssl/admix/key.pem\";",
          "ssl_protocols TLSv1.2 TLSv1.3;", "limit_conn_zone $binary_remote_addr zone=admix_per_address:10m;",
          "limit_conn admix_per_address 32;", "client_header_timeout 10s;", "client_body_timeout 10s;",
          "keepalive_timeout 30s;", "send_timeout 30s;", "client_max_body_size 64k;",
          "proxy_request_buffering on;", "proxy_pass http://127.0.0.1:8444;",
          "proxy_set_header X-Real-IP $remote_addr;", "proxy_set_header X-Forwarded-For $remote_addr;",
          "proxy_set_header X-Forwarded-Proto $scheme;"})
        CHECK_MESSAGE(text->find(line) != std::string::npos, line);
    // Every TLS 1.2 suite offered is an AEAD one.
    const size_t at = text->find("ssl_ciphers ");
    REQUIRE(at != std::string::npos);
    std::string suites = text->substr(at + 12, text->find(';', at) - at - 12);
    for (size_t pos = 0; pos <= suites.size();) {
        const size_t end = std::min(suites.find(':', pos), suites.size());
        const std::string suite = suites.substr(pos, end - pos);
        CHECK_MESSAGE(
            (suite.find("GCM") != std::string::npos || suite.find("CHACHA20-POLY1305") != std::string::npos),
            suite);
        pos = end + 1;
    }
    auto bad = f;
    bad.backendAddress = "10.0.0.5";
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] listen_address");
    bad = f;
    bad.tlsCert = "/etc/ssl/$host.pem";
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] tls_cert");
    bad = f;
    bad.tlsKey = "key.pem";
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] tls_key");
    bad = f;
    bad.serverName = "a;b";
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] front_server_name");
    bad = f;
    bad.backendPort = 443;
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] front_port");
    bad = f;
    bad.listenAddress = "admix.example.org";
    CHECK(remote::nginxSiteConfig(bad).error().where == "[server] front_listen_address");
}

TEST_CASE("pages refused for a role answer with an HTML page naming the role; the API keeps JSON") {
    RemoteFixture f;
    WebClient rph(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    auto page = rph.get("/quality.html");
    REQUIRE(page);
    CHECK(page->status == 403);
    CHECK(page->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    CHECK(page->body.find("This page is for the quality role") != std::string::npos);
    CHECK(page->body.find("href=\"/queue.html\"") != std::string::npos);
    auto missing = rph.get("/no-such-page.html");
    REQUIRE(missing);
    CHECK(missing->status == 404);
    CHECK(missing->get_header_value("Content-Type").rfind("text/html", 0) == 0);
    auto api = rph.get("/api/v1/em/rooms");
    REQUIRE(api);
    CHECK(api->status == 403);
    CHECK(api->get_header_value("Content-Type").rfind("application/json", 0) == 0);
    CHECK(json::parse(api->body).contains("error"));
}

TEST_CASE(
    "formulary and order routes: technicians view only, every change needs a pharmacist and the CSRF token") {
    RemoteFixture f;
    WebClient tech(f);
    REQUIRE(tech.login("tech", kPassword("tech"))->status == 200);
    CHECK(tech.get("/formulary.html")->status == 200);
    CHECK(tech.get("/api/v1/formulary")->status == 200);
    CHECK(tech.get("/orders.html")->status == 403);
    CHECK(tech.get("/api/v1/orders")->status == 403);
    const json draft{{"kind", "product"}, {"id", "x"}, {"fields", {{"unit_cost", "1"}}}};
    CHECK(tech.post("/api/v1/formulary/drafts", draft)->status == 403);
    CHECK(tech.post("/api/v1/formulary/recipes/x/1/approve", json{{"password", kPassword("tech")}})->status ==
          403);
    CHECK(tech.post("/api/v1/orders", json{{"order", json::object()}})->status == 403);

    WebClient rph(f);
    REQUIRE(rph.login("rph", kPassword("rph"))->status == 200);
    auto noToken = rph.post("/api/v1/formulary/drafts", draft, false);
    REQUIRE(noToken);
    CHECK(noToken->status == 403);
    CHECK(noToken->body.find("CSRF") != std::string::npos);
    CHECK(rph.post("/api/v1/orders", json{{"order", json::object()}}, false)->status == 403);
    CHECK(rph.post("/api/v1/orders/O1/cancel", json{{"reason", "x"}}, false)->status == 403);
    // With the token: the order parser names the field.
    auto bad = rph.post("/api/v1/orders", json{{"order", {{"recipe", "cefazolin-ns"}}}});
    REQUIRE(bad);
    CHECK(bad->status == 400);
    CHECK(json::parse(bad->body).value("field", "") == "patient");
    auto noReason = rph.post("/api/v1/orders/O1/cancel", json{{"reason", "  "}});
    REQUIRE(noReason);
    CHECK(noReason->status == 400);
    CHECK(noReason->body.find("reason") != std::string::npos);
    store::Database db = f.db();
    CHECK(db.queryInt("SELECT count(*) FROM formulary_drafts").value_or(-1) == 0);
    CHECK(db.queryInt("SELECT count(*) FROM audit_log WHERE action = 'remote.refused' AND actor = 'tech'")
              .value_or(0) >= 4);
}

namespace {

// One TLS handshake with the server, offering only `maxVersion` and below and only `ciphers` (TLS
// 1.2 names; empty: OpenSSL's defaults). Returns the negotiated "VERSION CIPHER", or "" when refused.
std::string handshake(int port, int maxVersion, const std::string& ciphers) {
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
    REQUIRE(ctx);
    // Security level 0 on the client: the refusal must come from the server's own settings.
    SSL_CTX_set_security_level(ctx.get(), 0);
    SSL_CTX_set_min_proto_version(ctx.get(), TLS1_VERSION);
    SSL_CTX_set_max_proto_version(ctx.get(), maxVersion);
    if (!ciphers.empty())
        REQUIRE(SSL_CTX_set_cipher_list(ctx.get(), ciphers.c_str()) == 1);
    BIO* bio = BIO_new_ssl_connect(ctx.get());
    REQUIRE(bio);
    const std::string target = "127.0.0.1:" + std::to_string(port);
    BIO_set_conn_hostname(bio, target.c_str());
    std::string negotiated;
    if (BIO_do_connect(bio) == 1 && BIO_do_handshake(bio) == 1) {
        SSL* ssl = nullptr;
        BIO_get_ssl(bio, &ssl);
        negotiated = std::string(SSL_get_version(ssl)) + " " + SSL_get_cipher_name(ssl);
    }
    BIO_free_all(bio);
    return negotiated;
}

} // namespace

TEST_CASE("the server speaks TLS 1.2 or 1.3 with AEAD ciphers only, whatever the client offers (issue 19)") {
    RemoteFixture f;
    const int port = f.server->port();
    // A client of today: TLS 1.3.
    CHECK(handshake(port, TLS1_3_VERSION, "").rfind("TLSv1.3 TLS_", 0) == 0);
    // TLS 1.2 with an AEAD suite is served.
    CHECK(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-AES128-GCM-SHA256") ==
          "TLSv1.2 ECDHE-ECDSA-AES128-GCM-SHA256");
    CHECK(handshake(port, TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305") ==
          "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305");
    // CBC (MAC-then-encrypt) suites are refused even over TLS 1.2; OpenSSL's default list took them.
    CHECK(handshake(port, TLS1_2_VERSION,
                    "ECDHE-ECDSA-AES128-SHA256:ECDHE-ECDSA-AES256-SHA:ECDHE-ECDSA-AES128-SHA")
              .empty());
    // TLS 1.1 and 1.0 are refused by the server's floor, not only by the client's security level.
    CHECK(handshake(port, TLS1_1_VERSION, "ALL:@SECLEVEL=0").empty());
    CHECK(handshake(port, TLS1_VERSION, "ALL:@SECLEVEL=0").empty());
    // The cipher list the server is documented to use is one OpenSSL knows in full.
    std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
    CHECK(remote::restrictServerTls(ctx.get()).ok());
    STACK_OF(SSL_CIPHER)* list = SSL_CTX_get_ciphers(ctx.get());
    int tls12 = 0;
    for (int i = 0; i < sk_SSL_CIPHER_num(list); ++i)
        tls12 += SSL_CIPHER_get_version(sk_SSL_CIPHER_value(list, i)) == std::string("TLSv1.2");
    CHECK(tls12 == 6);
}

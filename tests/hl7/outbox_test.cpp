// The dispense outbox: a release (engine approve) of an HL7 order queues its RDS^O13 in the same
// transaction; the message carries the placer number, the RXE as received, the give code, amount,
// preparation number, pharmacist, lots and expiries; sending retries with backoff until an AA and
// keeps queue order.
#include "station/hl7/interface.hpp"
#include "station/hl7/mllp.hpp"
#include "station/hl7/outbox.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "tests/hl7/hl7_test_support.hpp"

#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

using namespace admix;
using namespace admix::hl7;

namespace {

const TimePoint kNow = TimePoint{std::chrono::seconds(1795255200)};

// A one-shot MLLP receiver on loopback that answers each message with `code`.
class FakeReceiver {
public:
    explicit FakeReceiver(std::string code) : m_code(std::move(code)) {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(m_fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        socklen_t len = sizeof a;
        getsockname(m_fd, reinterpret_cast<sockaddr*>(&a), &len);
        m_port = ntohs(a.sin_port);
        ::listen(m_fd, 4);
        m_thread = std::thread([this] {
            const int c = ::accept(m_fd, nullptr, nullptr);
            if (c < 0)
                return;
            MllpDecoder d;
            char buf[4096];
            while (true) {
                const long n = ::recv(c, buf, sizeof buf, 0);
                if (n <= 0)
                    break;
                for (const auto& e : d.feed(std::string_view(buf, static_cast<size_t>(n)))) {
                    received.push_back(e.bytes);
                    const auto m = parseMessage(e.bytes);
                    const std::string ack =
                        buildAck(m ? std::optional<Header>(m->header()) : std::nullopt,
                                 m_code == "AA" ? AckCode::Accept : AckCode::Error, std::nullopt, "R1", kNow);
                    const std::string framed = mllpFrame(ack);
                    (void)::send(c, framed.data(), framed.size(), MSG_NOSIGNAL);
                }
            }
            ::close(c);
        });
    }
    ~FakeReceiver() {
        ::shutdown(m_fd, SHUT_RDWR);
        ::close(m_fd);
        if (m_thread.joinable())
            m_thread.join();
    }
    int port() const { return m_port; }
    std::vector<std::string> received;

private:
    std::string m_code;
    int m_fd = -1;
    int m_port = 0;
    std::thread m_thread;
};

} // namespace

TEST_CASE("release of an HL7 order queues its RDS^O13; sent until AA, in order") {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit(db);
    const auto formulary = formulas::loadDemoFormulary().value();
    const auto policy = formulas::loadDefaultFormulasPolicy().value();
    Hl7Interface hl7(db, audit, formulary, policy);
    hl7.seedDemoMaps(kNow);
    test::Rde r;
    REQUIRE(hl7.handle(r.text(), kNow).code == AckCode::Accept);
    store::PrepRepo repo(db);
    const int64_t orderId = repo.queue().at(0).id;

    // A preparation that has passed its steps, with a scanned lot, awaiting the check.
    store::PrepRow p;
    p.prepNumber = "P20261121-0001";
    p.orderId = orderId;
    p.recipeId = "cefazolin-ns";
    p.recipeVersion = 1;
    p.specJson = R"({"recipe":"cefazolin-ns","dose":"2 g","steps":[]})";
    p.status = "awaiting_check";
    p.technician = "tnguyen";
    p.station = "test";
    p.startedUtc = "2026-11-21T10:00:00Z";
    const int64_t prepId = repo.insertPrep(p);
    repo.insertStep(store::StepRow{prepId, 0, "scan", "passed", 0, R"({"lot":"L123","expiry":"2027-06-30"})",
                                   std::nullopt, std::nullopt});
    repo.insertStep(store::StepRow{prepId, 1, "scan", "passed", 0, R"({"lot":"NS9","expiry":"2028-01-31"})",
                                   std::nullopt, std::nullopt});
    repo.setOrderStatus(orderId, "awaiting_check");

    workflow::Authenticator auth(db, audit);
    const auto admin = auth.addUser({"admin", "Admin", workflow::Role::Admin, std::nullopt, std::nullopt,
                                     std::string("admin-password-1")},
                                    std::nullopt, kNow);
    REQUIRE(admin.ok());
    REQUIRE(auth.addUser({"rpatel", "R. Patel", workflow::Role::Pharmacist, "B-2001", "7350", std::nullopt},
                         *admin, kNow)
                .ok());
    const auto sig = auth.sign("B-2001", "7350", workflow::Role::Pharmacist, "prep.approve", p.prepNumber,
                               "approve", kNow);
    REQUIRE(sig.ok());

    store::Hl7Repo hl7repo(db);
    CHECK(hl7repo.outbox().empty());
    workflow::PreparationEngine engine(db, audit, "test");
    REQUIRE(engine.approve(prepId, *sig, kNow).ok());
    const auto queued = hl7repo.outbox();
    REQUIRE(queued.size() == 1);
    CHECK(queued[0].prepId == prepId);
    CHECK(queued[0].state == "pending");

    OutboxConfig config;
    config.host = "127.0.0.1";
    config.receivingApplication = "PHARM";
    config.maxBackoffSeconds = 8;
    config.ackTimeoutSeconds = 5;

    SUBCASE("the message") {
        Outbox outbox(db, config);
        const auto rds = outbox.buildRds(prepId, "C1", kNow);
        REQUIRE(rds.ok());
        const auto m = parseMessage(*rds);
        REQUIRE(m.ok());
        CHECK(m->header().messageType == "RDS");
        CHECK(m->header().triggerEvent == "O13");
        CHECK(m->header().version == "2.5.1");
        const Segment& orc = *m->find("ORC");
        CHECK(m->value(orc, 1) == "RE");
        CHECK(m->value(orc, 2, 1) == "PL1");
        CHECK(m->value(orc, 2, 2) == "PHARM");
        CHECK(m->value(*m->find("RXE"), 2, 1) == "cefazolin-ns");
        const Segment& rxd = *m->find("RXD");
        CHECK(m->value(rxd, 2, 1) == "cefazolin-ns");
        CHECK(m->value(rxd, 4) == "2");
        CHECK(m->value(rxd, 5) == "g");
        CHECK(m->value(rxd, 7) == "P20261121-0001");
        CHECK(m->value(rxd, 10) == "rpatel");
        CHECK(m->repetitions(rxd, 18) == 2);
        CHECK(m->value(rxd, 18, 1, 1, 0) == "L123");
        CHECK(m->value(rxd, 18, 1, 1, 1) == "NS9");
        CHECK(m->value(rxd, 19, 1, 1, 0) == "20270630");
        CHECK(m->value(*m->find("PID"), 3) == "MRN-H001");
    }
    SUBCASE("receiver down: failed with backoff; an AE is not enough; an AA ends it") {
        {
            // A port nobody listens on.
            FakeReceiver gone("AA");
            config.port = gone.port();
        }
        Outbox down(db, config);
        CHECK(down.runOnce(kNow) == Outbox::Pass::Failed);
        auto row = hl7repo.outbox().at(0);
        CHECK(row.state == "failed");
        CHECK(row.attempts == 1);
        CHECK(row.nextTryUtc == formatIsoUtc(kNow + std::chrono::seconds(1)));
        CHECK(down.runOnce(kNow) == Outbox::Pass::Waiting);
        CHECK(down.runOnce(kNow + std::chrono::seconds(1)) == Outbox::Pass::Failed);
        CHECK(hl7repo.outbox().at(0).nextTryUtc == formatIsoUtc(kNow + std::chrono::seconds(1 + 2)));

        FakeReceiver refusing("AE");
        config.port = refusing.port();
        Outbox ae(db, config);
        CHECK(ae.runOnce(kNow + std::chrono::seconds(10)) == Outbox::Pass::Failed);
        CHECK(hl7repo.outbox().at(0).lastError.find("AE") != std::string::npos);

        FakeReceiver ok("AA");
        config.port = ok.port();
        Outbox up(db, config);
        CHECK(up.runOnce(kNow + std::chrono::seconds(100)) == Outbox::Pass::Sent);
        row = hl7repo.outbox().at(0);
        CHECK(row.state == "sent");
        CHECK(row.attempts == 4);
        CHECK(up.runOnce(kNow + std::chrono::seconds(200)) == Outbox::Pass::Idle);
    }
}

TEST_CASE("a rejection with waste that closes an HL7 order queues the notice where the site enables it") {
    store::Database db = store::openStationDatabase(":memory:");
    store::AuditLog audit(db);
    const auto formulary = formulas::loadDemoFormulary().value();
    const auto policy = formulas::loadDefaultFormulasPolicy().value();
    Hl7Interface hl7(db, audit, formulary, policy);
    hl7.seedDemoMaps(kNow);
    REQUIRE(hl7.handle(test::Rde{}.text(), kNow).code == AckCode::Accept);
    store::PrepRepo repo(db);
    const int64_t orderId = repo.queue().at(0).id;
    store::PrepRow p;
    p.prepNumber = "P20261121-0002";
    p.orderId = orderId;
    p.recipeId = "cefazolin-ns";
    p.recipeVersion = 1;
    p.specJson = R"({"recipe":"cefazolin-ns","dose":"2 g","steps":[]})";
    p.status = "awaiting_check";
    p.technician = "tnguyen";
    p.station = "test";
    p.startedUtc = "2026-11-21T10:00:00Z";
    const int64_t prepId = repo.insertPrep(p);
    repo.setOrderStatus(orderId, "awaiting_check");
    workflow::Authenticator auth(db, audit);
    const auto admin = auth.addUser({"admin", "Admin", workflow::Role::Admin, std::nullopt, std::nullopt,
                                     std::string("admin-password-1")},
                                    std::nullopt, kNow);
    REQUIRE(admin.ok());
    REQUIRE(auth.addUser({"rpatel", "R. Patel", workflow::Role::Pharmacist, "B-2001", "7350", std::nullopt},
                         *admin, kNow)
                .ok());
    const auto sig = auth.sign("B-2001", "7350", workflow::Role::Pharmacist, "prep.reject", p.prepNumber,
                               "particles in the bag", kNow);
    REQUIRE(sig.ok());
    workflow::PreparationEngine engine(db, audit, "test");
    store::Hl7Repo hl7repo(db);
    const workflow::User rph{0, "rpatel", "R. Patel", workflow::Role::Pharmacist, true};
    const workflow::User tech{0, "tnguyen", "T. Nguyen", workflow::Role::Technician, true};

    SUBCASE("off (the default): nothing is sent") {
        CHECK_FALSE(hl7.wasteNoticeEnabled());
        REQUIRE(engine.reject(prepId, *sig, "PARTICULATE", false, kNow).ok());
        CHECK(repo.order(orderId)->status == "cancelled");
        CHECK(hl7repo.outbox().empty());
    }
    SUBCASE("on: the notice is queued with the rejection, built and sent until AA") {
        CHECK_FALSE(hl7.setWasteNotice(true, tech, kNow).ok()); // a technician cannot change it
        REQUIRE(hl7.setWasteNotice(true, rph, kNow).ok());
        CHECK(hl7.wasteNoticeEnabled());
        CHECK(db.queryInt("SELECT count(*) FROM audit_log WHERE action = 'setting.change' AND subject = "
                          "'hl7.waste_notice'")
                  .value_or(0) == 1);
        REQUIRE(engine.reject(prepId, *sig, "PARTICULATE", false, kNow).ok());
        const auto queued = hl7repo.outbox();
        REQUIRE(queued.size() == 1);
        CHECK(queued[0].kind == "waste");
        CHECK(queued[0].prepId == prepId);

        OutboxConfig config;
        config.host = "127.0.0.1";
        config.ackTimeoutSeconds = 5;
        Outbox outbox(db, config);
        const auto notice = outbox.buildWasteNotice(prepId, "OC1", kNow);
        REQUIRE(notice.ok());
        const auto m = parseMessage(*notice);
        REQUIRE(m.ok());
        CHECK(m->header().messageType == "RDE");
        const Segment& orc = *m->find("ORC");
        CHECK(m->value(orc, 1) == "OC");
        CHECK(m->value(orc, 2, 1) == "PL1");
        CHECK(m->value(orc, 3) == "P20261121-0002");
        CHECK(m->value(orc, 5) == "CA");
        CHECK(m->value(orc, 16, 1) == "PARTICULATE");
        CHECK(m->value(orc, 16, 2) == "particles in the bag");
        CHECK(m->value(*m->find("RXE"), 2, 1) == "cefazolin-ns");
        const std::string note = m->value(*m->find("NTE"), 3);
        CHECK(note.find("P20261121-0002 was rejected by rpatel") != std::string::npos);
        CHECK(note.find("wasted") != std::string::npos);

        FakeReceiver ok("AA");
        config.port = ok.port();
        Outbox up(db, config);
        CHECK(up.runOnce(kNow) == Outbox::Pass::Sent);
        const auto sent = hl7repo.outbox().at(0);
        CHECK(sent.state == "sent");
        CHECK(sent.controlId.value_or("").rfind("ADMIXOC", 0) == 0);
        CHECK(sent.message->find("ORC|OC|") != std::string::npos);
    }
    SUBCASE("on, but remade: the order goes back to the queue and nothing is sent") {
        REQUIRE(hl7.setWasteNotice(true, rph, kNow).ok());
        REQUIRE(engine.reject(prepId, *sig, "PARTICULATE", true, kNow).ok());
        CHECK(repo.order(orderId)->status == "open");
        CHECK(hl7repo.outbox().empty());
    }
    SUBCASE("on, but the pharmacy system discontinued it first: it knows, nothing is sent") {
        REQUIRE(hl7.setWasteNotice(true, rph, kNow).ok());
        test::Rde dc;
        dc.control = "DC";
        dc.controlId = "MSG-DC";
        REQUIRE(hl7.handle(dc.text(), kNow).code == AckCode::Accept);
        REQUIRE(engine.reject(prepId, *sig, "PARTICULATE", false, kNow).ok());
        CHECK(hl7repo.outbox().empty());
    }
}

// Downtime: the worksheet of the queued orders (HTML, and a PNG of its first page made by the CLI
// through headless Chromium, written for people to look at), then a paper preparation entered by a
// pharmacist: flagged in the web check (JSON API), in the check queue's recent list and in
// `admix prep show`. Entries that do not hold up are refused and change nothing.
#include "formulas/formulary.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/downtime.hpp"
#include "station/workflow/engine.hpp"
#include "tests/remote/remote_test_support.hpp"

#include <cstdio>
#include <fstream>
#include <iterator>
#include <memory>

using namespace admix;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

std::string runCapture(const std::string& command, int& status) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(::popen(command.c_str(), "r"), ::pclose);
    REQUIRE(pipe);
    char buf[4096];
    while (const size_t n = std::fread(buf, 1, sizeof buf, pipe.get()))
        out.append(buf, n);
    status = ::pclose(pipe.release());
    status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return out;
}

int64_t addCefazolinOrder(store::Database& db, store::AuditLog& audit, const std::string& mrn) {
    workflow::Authenticator auth(db, audit);
    workflow::PreparationEngine engine(db, audit, "test");
    workflow::OrderInput in;
    in.patientName = "DOWNTIME, DORA";
    in.patientMrn = mrn;
    in.patient =
        json{{"weight_kg", 70}, {"height_cm", 175}, {"age_years", 65}, {"sex", "female"}, {"scr_mg_dl", 1.0}};
    in.recipeId = "cefazolin-ns";
    in.dose = json{{"value", 2}, {"unit", "g"}};
    in.route = "IV";
    in.priority = "urgent";
    in.due = nowUtc() + std::chrono::hours(1);
    in.prescriber = "Dr. Paper";
    const auto id = engine.addOrder(in, *auth.findByUsername("rph2"));
    REQUIRE_MESSAGE(id.ok(), (id.ok() ? "" : id.error().text()));
    return *id;
}

} // namespace

TEST_CASE("downtime: the worksheet prints the queued orders and a paper preparation is flagged everywhere") {
    test::RemoteFixture f;
    store::Database db = f.db();
    store::AuditLog audit(db);
    const auto orderId = addCefazolinOrder(db, audit, "MRN-DT-1");
    const std::string orderNumber = store::PrepRepo(db).order(orderId)->orderNumber;
    const auto formulary = formulas::loadDemoFormulary().value();
    const auto policy = formulas::loadDefaultFormulasPolicy().value();

    // The worksheet: the order, its plan's steps with blank lot/expiry/volume/initials cells, the label.
    const std::string page = workflow::downtimeWorksheetHtml(db, formulary, policy, {}, "Hood 1").value();
    CHECK(page.find("DOWNTIME WORKSHEET") != std::string::npos);
    CHECK(page.find(orderNumber) != std::string::npos);
    CHECK(page.find("DOWNTIME, DORA") != std::string::npos);
    CHECK(page.find("ceFAZolin") != std::string::npos);
    CHECK(page.find("class=\"blank\">mL</td>") != std::string::npos); // a measured-volume blank
    CHECK(page.find("LABEL") != std::string::npos);
    CHECK(
        workflow::downtimeWorksheetHtml(db, formulary, policy, {"O19990101-0001"}, "Hood 1").error().text() ==
        "no order O19990101-0001");
    // A preparation already awaiting check is not on the worksheet (only open orders are).
    CHECK(page.find(f.demo.awaitingCheck[0]) == std::string::npos);

    // The CLI writes the HTML and, with Chromium, a PNG of the first page.
    const fs::path shots = fs::path(ADMIX_SCREENSHOT_DIR);
    fs::create_directories(shots);
    int status = -1;
    const fs::path html = shots / "downtime-worksheet.html", png = shots / "downtime-worksheet.png";
    fs::remove(png);
    const bool chromium = std::system("command -v chromium >/dev/null 2>&1") == 0;
    runCapture(std::string(ADMIX_CLI) + " --demo --data-dir " + f.dir.path().string() +
                   " downtime worksheet " + orderNumber + " --out " + html.string() +
                   (chromium ? " --png " + png.string() : std::string()) + " 2>&1",
               status);
    CHECK(status == 0);
    CHECK(fs::file_size(html) > 2000);
    std::vector<uint8_t> photo;
    if (chromium) {
        REQUIRE(fs::exists(png));
        std::ifstream in(png, std::ios::binary);
        photo.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        CHECK(photo.size() > 20000); // a rendered page, not an empty image
        MESSAGE("worksheet page rendered: " << png.string());
    } else {
        MESSAGE("no Chromium: the worksheet PNG was not rendered");
        photo = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n', 0, 0, 0, 0};
    }
    // The photo of the filled-in worksheet (here: the rendered page) in the image store.
    const auto stored = store::ImageStore(db, store::imagesDir(f.dir.path()))
                            .put(photo, "image/png", 1240, 1754, formatIsoUtc(nowUtc()));

    workflow::Authenticator auth(db, audit);
    const auto sign = [&](const std::string& who, const std::string& subject) {
        return auth.sign(who, remote::demoPassword(who), workflow::Role::Pharmacist, "prep.downtime_record",
                         subject, "prepared during downtime");
    };
    workflow::DowntimeEntry entry;
    entry.orderNumber = orderNumber;
    entry.preparedBy = "tech";
    entry.preparedAt = nowUtc() - std::chrono::hours(2);
    entry.worksheetSha256 = stored.sha256;
    entry.details = json{{"lots", {"LOT-PAPER-1"}}, {"volumes_ml", {10.0}}};
    const auto before = db.queryInt("SELECT count(*) FROM preparations").value();

    SUBCASE("entries that do not hold up are refused and change nothing") {
        // A technician cannot sign as a pharmacist.
        CHECK_FALSE(sign("tech", orderNumber).ok());
        // A signature for another order.
        const auto other = sign("rph", "O19990101-0009").value();
        CHECK(workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, entry, other)
                  .error()
                  .text()
                  .find("e-signature for this order") != std::string::npos);
        const auto sig = sign("rph", orderNumber).value();
        auto bad = entry;
        bad.preparedBy = "qa";
        CHECK(workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, bad, sig)
                  .error()
                  .text()
                  .find("may not compound") != std::string::npos);
        bad = entry;
        bad.preparedAt = nowUtc() + std::chrono::hours(1);
        CHECK(workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, bad, sig)
                  .error()
                  .text()
                  .find("in the future") != std::string::npos);
        bad = entry;
        bad.worksheetSha256 = std::string(64, 'a');
        CHECK(workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, bad, sig)
                  .error()
                  .text()
                  .find("worksheet photo") != std::string::npos);
        CHECK(db.queryInt("SELECT count(*) FROM preparations").value() == before);
        CHECK(store::PrepRepo(db).order(orderId)->status == "open");
    }

    SUBCASE("a recorded paper preparation is flagged in the web check, the queue and prep show") {
        const auto sig = sign("rph", orderNumber).value();
        const std::string number =
            workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, entry, sig).value();
        CHECK(db.queryInt("SELECT count(*) FROM preparations").value() == before + 1);
        CHECK(store::PrepRepo(db).order(orderId)->status == "released");
        // Once entered, the order is no longer open: a second entry is refused.
        const auto again = sign("rph", orderNumber).value();
        CHECK_FALSE(
            workflow::recordDowntimePreparation(db, audit, "Hood 1", formulary, policy, entry, again).ok());

        test::WebClient rph(f);
        REQUIRE(rph.login("rph2", remote::demoPassword("rph2"))->status == 200);
        const auto detail = rph.get("/api/v1/preps/" + number);
        REQUIRE(detail);
        REQUIRE(detail->status == 200);
        const json d = json::parse(detail->body);
        REQUIRE(d.at("downtime").is_object());
        CHECK(d.at("downtime").at("prepared_during_downtime") == true);
        CHECK(d.at("downtime").at("prepared_by") == "tech");
        CHECK(d.at("downtime").at("entered_by") == "rph");
        CHECK(d.at("downtime").at("worksheet_sha256") == stored.sha256);
        CHECK(d.at("downtime").at("details").at("lots")[0] == "LOT-PAPER-1");
        CHECK(d.at("status") == "released");
        CHECK(d.at("any_override") == true); // the station verified none of its steps
        CHECK(d.at("may_check") == false);
        bool photoListed = false;
        for (const auto& p : d.at("photos"))
            photoListed = photoListed || p.at("sha256") == stored.sha256;
        CHECK(photoListed);
        // A preparation made at the station carries no downtime flag.
        CHECK(
            json::parse(rph.get("/api/v1/preps/" + f.demo.awaitingCheck[0])->body).at("downtime").is_null());
        // The check queue's recent decisions list it flagged.
        const json q = json::parse(rph.get("/api/v1/queue")->body);
        bool flagged = false;
        for (const auto& r : q.at("recent"))
            if (r.at("number") == number)
                flagged = r.at("downtime") == true;
        CHECK(flagged);

        // The CLI report.
        const std::string shown = runCapture(std::string(ADMIX_CLI) + " --demo --data-dir " +
                                                 f.dir.path().string() + " prep show " + number,
                                             status);
        CHECK(status == 0);
        CHECK(shown.find("PREPARED DURING DOWNTIME") != std::string::npos);
        const json shownJson = json::parse(runCapture(std::string(ADMIX_CLI) + " --demo --json --data-dir " +
                                                          f.dir.path().string() + " prep show " + number,
                                                      status));
        CHECK(shownJson.at("downtime").at("prepared_during_downtime") == true);
        // The audit trail records the entry with the signature.
        bool audited = false;
        for (const auto& a : audit.forSubject(number))
            audited = audited || a.action == "prep.downtime_record";
        CHECK(audited);
        CHECK_FALSE(audit.verify().has_value());
    }
}

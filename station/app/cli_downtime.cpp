// admix downtime worksheet [ORDER...] [--out F.html] [--pdf F.pdf] [--png F.png]
// admix downtime record ORDER --prepared-by USER --prepared-at TIME --photo FILE --pharmacist USER
//                      [--lot TEXT]... [--expiry TEXT]... [--volume-ml X]... [--notes TEXT]   (password on
//                      stdin)
#include "station/app/cli.hpp"

#include "formulas/formulary.hpp"
#include "station/app/config.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/image_store.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/downtime.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/site_policy.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace admix::app {

namespace {

using nlohmann::json;

struct FormularyArgs {
    std::string dir;
    std::string policy;
};

// --formulary files; else the station's approved formulary; the demo formulary only with --demo.
formulas::Formulary formularyOf(const FormularyArgs& a, store::Database& db, store::AuditLog& audit) {
    if (!a.dir.empty())
        return need(formulas::loadFormulary(readWholeFile(a.dir + "/products.toml"), a.dir + "/products.toml",
                                            readWholeFile(a.dir + "/recipes.toml"), a.dir + "/recipes.toml"));
    workflow::FormularyService stored(db, audit);
    if (!stored.latestFiles()) {
        if (store::demoExpected().value_or(false))
            return need(formulas::loadDemoFormulary());
        throw CliFailure("no formulary is stored at this station: import one with `admix formulary import "
                         "DIR --pharmacist USER` "
                         "(or give --formulary DIR)");
    }
    auto approved = stored.approved();
    if (!approved)
        throw CliFailure("formulary: " + approved.error().text() +
                         " (approve a recipe with `admix formulary approve RECIPE --pharmacist USER`)");
    return std::move(*approved);
}

// --policy file; else the formulas policy stored at the station.
formulas::FormulasPolicy policyOf(const FormularyArgs& a, store::Database& db, store::AuditLog& audit) {
    return a.policy.empty() ? workflow::SitePolicyService(db, audit).formulasPolicy()
                            : need(formulas::loadFormulasPolicy(readWholeFile(a.policy), a.policy));
}

std::string stationName(const CliOptions& options) {
    const auto config = loadConfig(
        options.configPath.empty() ? std::nullopt : std::optional<std::filesystem::path>(options.configPath));
    return config ? config->station.name : std::string("Admix station");
}

std::string findChromium() {
    for (const char* name : {"chromium", "chromium-browser", "google-chrome"}) {
        const std::string probe = std::string("command -v ") + name + " >/dev/null 2>&1";
        if (std::system(probe.c_str()) == 0)
            return name;
    }
    return "";
}

std::string shellQuote(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// Renders the HTML file with headless Chromium (Debian's): a PDF to print, or a PNG of the first page.
void renderWithChromium(const std::filesystem::path& htmlFile, const std::string& pdf,
                        const std::string& png) {
    const std::string chromium = findChromium();
    if (chromium.empty())
        throw CliFailure(
            "no Chromium to make a PDF or PNG (apt-get install chromium); print the HTML instead (--out)");
    char profile[] = "/tmp/admix-chromium-XXXXXX";
    if (!::mkdtemp(profile))
        throw CliFailure("cannot make a temporary Chromium profile");
    const std::string base = chromium +
                             " --headless --no-sandbox --disable-gpu --no-first-run --hide-scrollbars"
                             " --user-data-dir=" +
                             shellQuote(profile) + " ";
    const std::string url = shellQuote("file://" + std::filesystem::absolute(htmlFile).string());
    const auto run = [&](const std::string& args, const std::string& out) {
        const std::string command = base + args + " " + url + " >/dev/null 2>&1";
        const int rc = std::system(command.c_str());
        std::error_code ec;
        if (rc != 0 || !std::filesystem::exists(out, ec) || std::filesystem::file_size(out, ec) == 0)
            throw CliFailure("Chromium could not render " + out);
    };
    try {
        if (!pdf.empty())
            run("--print-to-pdf=" + shellQuote(pdf) + " --no-pdf-header-footer", pdf);
        // A4 at 150 dpi, 12 mm margins shown as in print: the first page.
        if (!png.empty())
            run("--screenshot=" + shellQuote(png) + " --window-size=1240,1754", png);
    } catch (...) {
        std::filesystem::remove_all(profile);
        throw;
    }
    std::filesystem::remove_all(profile);
}

std::optional<std::string> imageMime(const std::vector<uint8_t>& b) {
    if (b.size() > 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
        return "image/jpeg";
    if (b.size() > 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G')
        return "image/png";
    return std::nullopt;
}

void registerDowntimeCommands(CLI::App& app, CliOptions& options) {
    auto* downtime = app.add_subcommand(
        "downtime", "Downtime procedure: the paper worksheet, and entering paper preparations afterwards");
    downtime->require_subcommand(1);

    static std::vector<std::string> orders;
    static std::string out, pdf, png;
    static FormularyArgs wsFormulary;
    auto* worksheet =
        downtime->add_subcommand("worksheet", "Print the queued orders (or the ones named) with their plans "
                                              "and blank fields for lot, expiry, volumes, initials");
    worksheet->add_option("ORDER", orders, "Order numbers (default: every order waiting to be prepared)");
    worksheet->add_option("--out", out, "Write the HTML to FILE (default: standard output)");
    worksheet->add_option("--pdf", pdf, "Also write a PDF (headless Chromium)");
    worksheet->add_option("--png", png, "Also write a PNG of the first page (headless Chromium)");
    worksheet
        ->add_option("--formulary", wsFormulary.dir,
                     "Folder with products.toml and recipes.toml (default: the station's approved formulary)")
        ->check(CLI::ExistingDirectory);
    worksheet
        ->add_option("--policy", wsFormulary.policy,
                     "Formulas policy TOML (default: the station's stored policy)")
        ->check(CLI::ExistingFile);
    worksheet->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        const std::string page = need(workflow::downtimeWorksheetHtml(db, formularyOf(wsFormulary, db, audit),
                                                                      policyOf(wsFormulary, db, audit),
                                                                      orders, stationName(options)));
        std::filesystem::path htmlFile = out;
        std::optional<std::filesystem::path> temp;
        if (out.empty() && (!pdf.empty() || !png.empty())) {
            char name[] = "/tmp/admix-worksheet-XXXXXX";
            const int fd = ::mkstemp(name);
            if (fd < 0)
                throw CliFailure("cannot make a temporary file");
            ::close(fd);
            temp = std::string(name) + ".html";
            std::filesystem::rename(name, *temp);
            htmlFile = *temp;
        }
        if (!htmlFile.empty()) {
            std::ofstream file(htmlFile, std::ios::binary | std::ios::trunc);
            file << page;
            if (!file.flush())
                throw CliFailure("cannot write " + htmlFile.string());
        } else {
            std::cout << page;
        }
        if (!pdf.empty() || !png.empty())
            renderWithChromium(htmlFile, pdf, png);
        if (temp)
            std::filesystem::remove(*temp);
        if (!htmlFile.empty() && !temp)
            std::cerr << "worksheet: " << htmlFile.string() << '\n';
    });

    static std::string order, preparedBy, preparedAt, photo, pharmacist, notes;
    static std::vector<std::string> lots, expiries;
    static std::vector<double> volumes;
    static FormularyArgs recFormulary;
    auto* record = downtime->add_subcommand(
        "record",
        "Enter a preparation made on paper during downtime (pharmacist e-signature: password on stdin)");
    record->add_option("ORDER", order, "The order it was prepared for")->required();
    record->add_option("--prepared-by", preparedBy, "Username of the person who prepared it")->required();
    record->add_option("--prepared-at", preparedAt, "When, as on the worksheet (UTC, 2026-12-01T14:30:00Z)")
        ->required();
    record->add_option("--photo", photo, "Photo of the filled-in worksheet (JPEG or PNG)")
        ->required()
        ->check(CLI::ExistingFile);
    record
        ->add_option("--pharmacist", pharmacist,
                     "The pharmacist entering it (signs with the password on stdin)")
        ->required();
    record->add_option("--lot", lots, "A lot written on the worksheet (repeat per product)");
    record->add_option("--expiry", expiries, "An expiry written on the worksheet (repeat per product)");
    record->add_option("--volume-ml", volumes,
                       "A measured volume written on the worksheet (repeat per draw)");
    record->add_option("--notes", notes, "Anything else the worksheet says");
    record
        ->add_option("--formulary", recFormulary.dir,
                     "Folder with products.toml and recipes.toml (default: the station's approved formulary)")
        ->check(CLI::ExistingDirectory);
    record
        ->add_option("--policy", recFormulary.policy,
                     "Formulas policy TOML (default: the station's stored policy)")
        ->check(CLI::ExistingFile);
    record->callback([&options] {
        const auto at = parseIsoUtc(preparedAt);
        if (!at)
            throw CLI::ValidationError("--prepared-at",
                                       "'" + preparedAt + "' is not a UTC time like 2026-12-01T14:30:00Z");
        std::ifstream in(photo, std::ios::binary);
        const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)),
                                         std::istreambuf_iterator<char>());
        const auto mime = imageMime(bytes);
        if (!mime)
            throw CliFailure(photo + " is not a JPEG or PNG photo");

        const auto dir = resolveDataDir(options);
        store::Database db = store::openStationDatabase(store::databasePath(dir).string());
        store::AuditLog audit(db);
        // What is missing is said before anyone signs.
        const formulas::Formulary formulary = formularyOf(recFormulary, db, audit);
        const formulas::FormulasPolicy policy = policyOf(recFormulary, db, audit);
        std::string password;
        std::getline(std::cin, password);
        if (password.empty())
            throw CliFailure("no password on standard input for " + pharmacist + "'s e-signature");
        workflow::Authenticator auth(db, audit);
        const auto signature =
            auth.sign(pharmacist, password, workflow::Role::Pharmacist, "prep.downtime_record", order,
                      "prepared during downtime: entered from the paper worksheet");
        if (!signature)
            throw CliFailure("e-signature refused: " + signature.error().text());
        const auto stored =
            store::ImageStore(db, store::imagesDir(dir)).put(bytes, *mime, 0, 0, formatIsoUtc(nowUtc()));
        workflow::DowntimeEntry entry;
        entry.orderNumber = order;
        entry.preparedBy = preparedBy;
        entry.preparedAt = *at;
        entry.worksheetSha256 = stored.sha256;
        entry.details =
            json{{"lots", lots}, {"expiries", expiries}, {"volumes_ml", volumes}, {"notes", notes}};
        const std::string number = need(workflow::recordDowntimePreparation(
            db, audit, stationName(options), formulary, policy, entry, *signature));
        if (options.json)
            printJson({{"number", number},
                       {"order", order},
                       {"downtime", true},
                       {"worksheet_sha256", stored.sha256}});
        else
            std::cout << number << "  prepared during downtime (order " << order << ", worksheet "
                      << stored.sha256.substr(0, 16) << ")\n";
    });
}

const CommandRegistration kDowntime(96, registerDowntimeCommands);

} // namespace

} // namespace admix::app

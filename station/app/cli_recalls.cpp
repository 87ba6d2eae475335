// admix recall add | import | list | remove | affected, and admix trace --lot LOT [--gtin G]
// The site's recall list (a pharmacist or quality staff; password or PIN on standard input) and
// where a lot went: preparations still in progress stop at their next step, those awaiting the
// check cannot be approved, released ones are listed by `recall affected` for retrieval.
#include "station/app/cli.hpp"
#include "station/app/cli_site.hpp"

#include "station/workflow/recall_service.hpp"

#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;

json useToJson(const store::LotUse& u) {
    json j{{"preparation", u.prepNumber},
           {"status", u.prepStatus},
           {"order", u.orderNumber},
           {"mrn", u.patientMrn},
           {"recipe", u.recipeId},
           {"step", u.stepIndex + 1},
           {"gtin", u.gtin},
           {"lot", u.lot},
           {"scanned", u.scannedUtc}};
    if (u.recallId) {
        j["recall"] = *u.recallId;
        j["recall_reason"] = u.recallReason;
    }
    return j;
}

// What the pharmacy does with a preparation that used a recalled lot, by its state.
std::string actionFor(const std::string& status) {
    if (status == "released")
        return "RETRIEVE: released";
    if (status == "awaiting_check")
        return "awaiting check: approval refused";
    if (status == "in_progress")
        return "in progress: stopped at its next step";
    return status;
}

void printUses(const std::vector<store::LotUse>& uses, const CliOptions& options, bool recall) {
    for (const auto& u : uses) {
        if (options.json) {
            printJson(useToJson(u));
            continue;
        }
        std::cout << u.prepNumber << "  " << (recall ? actionFor(u.prepStatus) : u.prepStatus) << "  order "
                  << u.orderNumber << "  MRN " << u.patientMrn << "  " << u.recipeId << "  GTIN " << u.gtin
                  << " lot " << u.lot << (recall ? "  (" + u.recallReason + ")" : std::string()) << '\n';
    }
    if (uses.empty() && !options.json)
        std::cout << (recall ? "no preparation used a recalled lot\n" : "no preparation used this lot\n");
}

struct AddArgs {
    workflow::RecallInput in;
    std::string by;
};

void registerRecallCommands(CLI::App& app, CliOptions& options) {
    auto* recall = app.add_subcommand("recall", "Product recalls: add, import, list, remove, affected");
    recall->require_subcommand(1);

    static AddArgs add;
    auto* addCmd = recall->add_subcommand(
        "add", "Recall a product (one lot, or every lot) - pharmacist or quality; secret on stdin");
    auto* ndc = addCmd->add_option("--ndc", add.in.ndc, "NDC of the product (any form, with hyphens)");
    auto* gtin = addCmd->add_option("--gtin", add.in.gtin, "GTIN-14 of the product");
    ndc->excludes(gtin);
    addCmd->add_option("--lot", add.in.lot, "Lot (leave out: every lot)");
    addCmd->add_option("--reason", add.in.reason, "Why (from the notice)")->required();
    addCmd->add_option("--source", add.in.source,
                       "Where the notice came from (FDA, manufacturer, wholesaler)");
    addCmd->add_option("--date", add.in.date, "Date of the notice (YYYY-MM-DD)");
    addCmd->add_option("--by", add.by, "Pharmacist or quality user (password or PIN on stdin)")->required();
    addCmd->callback([&options] {
        if (add.in.ndc.empty() && add.in.gtin.empty())
            throw CLI::ValidationError("--ndc/--gtin", "give the product's NDC or GTIN");
        site::Station st(options);
        const auto by = site::signInOrFail(st, add.by);
        workflow::RecallService service(st.db, st.audit);
        const auto id = service.add(add.in, by);
        if (!id)
            throw CliFailure(id.error().text());
        const auto row = store::SiteRepo(st.db).recall(*id);
        std::vector<store::LotUse> hit;
        for (const auto& u : service.affected())
            if (u.recallId == *id)
                hit.push_back(u);
        if (options.json) {
            json uses = json::array();
            for (const auto& u : hit)
                uses.push_back(useToJson(u));
            printJson({{"recall", *id}, {"gtin", row->gtin}, {"lot", row->lot}, {"affected", uses}});
            return;
        }
        std::cout << "recall " << *id << ": GTIN " << row->gtin
                  << (row->lot.empty() ? ", every lot" : " lot " + row->lot) << '\n';
        if (!hit.empty()) {
            std::cout << "preparations that used it:\n";
            printUses(hit, options, true);
        }
    });

    static std::string file, importBy;
    auto* import = recall->add_subcommand(
        "import", "Import a CSV of recalls (ndc or gtin, lot, reason, source, date): all rows or none");
    import->add_option("FILE", file, "CSV file")->required()->check(CLI::ExistingFile);
    import->add_option("--by", importBy, "Pharmacist or quality user (password or PIN on stdin)")->required();
    import->callback([&options] {
        const std::string text = readWholeFile(file);
    // Check the file before asking for the secret.
    if (const auto parsed = workflow::parseRecallCsv(text, file); !parsed)
        throw CliFailure(parsed.error().text());
    site::Station st(options);
    const auto by = site::signInOrFail(st, importBy);
    const auto n = workflow::RecallService(st.db, st.audit).importCsv(text, file, by);
    if (!n)
        throw CliFailure(n.error().text());
    if (options.json)
        printJson({{"file", file}, {"imported", *n}});
    else
        std::cout << *n << " recall(s) imported from " << file << '\n';
});

recall->add_subcommand("list", "The recall list")->callback([&options] {
    site::Station st(options);
    for (const auto& r : workflow::RecallService(st.db, st.audit).list()) {
        if (options.json)
            printJson({{"id", r.id},
                       {"gtin", r.gtin},
                       {"ndc", r.ndc},
                       {"lot", r.lot},
                       {"reason", r.reason},
                       {"source", r.source},
                       {"date", r.noticeDate},
                       {"by", r.addedBy},
                       {"at", r.addedUtc}});
        else
            std::cout << r.id << "  GTIN " << r.gtin << "  " << (r.lot.empty() ? "every lot" : "lot " + r.lot)
                      << "  " << r.reason << (r.source.empty() ? "" : "  (" + r.source + ")") << "  by "
                      << r.addedBy << " " << r.addedUtc << '\n';
    }
});

static int64_t removeId = 0;
static std::string removeBy, removeReason;
auto* remove =
    recall->add_subcommand("remove", "Remove a recall (entered in error, or lifted) - pharmacist or quality");
remove->add_option("ID", removeId, "Recall number (see recall list)")->required();
remove->add_option("--reason", removeReason, "Why")->required();
remove->add_option("--by", removeBy, "Pharmacist or quality user (password or PIN on stdin)")->required();
remove->callback([&options] {
    site::Station st(options);
    const auto by = site::signInOrFail(st, removeBy);
    if (auto done = workflow::RecallService(st.db, st.audit).remove(removeId, by, removeReason); !done)
        throw CliFailure(done.error().text());
    if (options.json)
        printJson({{"removed", removeId}});
    else
        std::cout << "recall " << removeId << " removed\n";
});

recall->add_subcommand("affected", "Preparations that used a recalled lot, with what to do")
    ->callback([&options] {
        site::Station st(options);
        printUses(workflow::RecallService(st.db, st.audit).affected(), options, true);
    });

static std::string lot, traceGtin;
auto* trace = app.add_subcommand("trace", "Every preparation that used a lot");
trace->add_option("--lot", lot, "Lot number")->required();
trace->add_option("--gtin", traceGtin, "Only this product (GTIN-14 or NDC)");
trace->callback([&options] {
    site::Station st(options);
    printUses(workflow::RecallService(st.db, st.audit)
                  .trace(lot, traceGtin.empty() ? std::nullopt : std::optional(traceGtin)),
              options, false);
});
} // namespace

const CommandRegistration kRecalls(42, registerRecallCommands);

} // namespace admix::app

} // namespace admix::app

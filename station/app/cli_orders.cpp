// admix order add | list | show | cancel
// Orders entered by hand (no HL7 needed): the order JSON of assets/formulary/README.md plus
// patient.mrn, patient.name, priority, due and prescriber (station/workflow/order_json.hpp). Each
// order is planned against the station's approved formulary when it is entered; the pharmacist's
// password or PIN is read from standard input.
#include "station/app/cli.hpp"

#include "formulas/input_limits.hpp"
#include "station/app/cli_site.hpp"

#include "formulas/time.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/site_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/order_entry.hpp"
#include "station/workflow/order_form.hpp"
#include "station/workflow/order_json.hpp"
#include "station/workflow/site_setup.hpp"

#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;

std::optional<store::OrderRow> findOrder(store::Database& db, const std::string& key) {
    store::PrepRepo repo(db);
    if (auto o = repo.orderByNumber(key))
        return o;
    if (const auto id = store::SiteRepo(db).orderByExternalId(key))
        return repo.order(*id);
    return std::nullopt;
}

struct AddArgs {
    std::string file, by;
    bool ack = false;
};

void registerOrderCommands(CLI::App& app, CliOptions& options) {
    auto* order = app.add_subcommand("order", "Orders entered by hand: add, list, show, cancel");
    order->require_subcommand(1);

    static AddArgs add;
    auto* addCmd = order->add_subcommand(
        "add", "Enter ORDER.json (planned on entry; the pharmacist's password or PIN on stdin)");
    addCmd->add_option("ORDER", add.file, "Order JSON file")->required()->check(CLI::ExistingFile);
    addCmd->add_option("--by", add.by, "Pharmacist entering the order (user name)")->required();
    addCmd->add_flag("--ack-warnings", add.ack,
                     "Acknowledge the plan's warnings (they are recorded with the order)");
    addCmd->callback([&options] {
        // Strict JSON as for `admix plan`: nesting capped, a key given twice refused.
        json doc = need(formulas::parseJsonStrict(readWholeFile(add.file), add.file));
        workflow::addAgeFromBirthDate(doc, nowUtc()); // as the web page and the station's form do
        const auto input = workflow::parseOrderJson(doc);
        if (!input)
            throw CliFailure(add.file + ": " + input.error().text());
        site::Station st(options);
        const auto setup = workflow::loadStationFormulary(st.db, st.audit);
        if (!setup)
            throw CliFailure(setup.error().text());
        const workflow::User by = site::signInOrFail(st, add.by);
        workflow::PreparationEngine engine(st.db, st.audit, "cli");
        const auto entered = workflow::enterOrder(engine, st.db, st.audit, *input, setup->formulary,
                                                  setup->policy, by, add.ack);
        if (!entered) {
            const std::string text = entered.error().text();
            throw CliFailure(add.file + ": " + text +
                             (text.find("acknowledged") != std::string::npos
                                  ? " (read them, then add --ack-warnings)"
                                  : ""));
        }
        if (options.json) {
            json warnings = json::array();
            for (const auto& w : entered->warnings)
                warnings.push_back({{"code", w.code}, {"message", w.message}});
            printJson(
                {{"order", entered->orderNumber}, {"order_id", input->externalId}, {"warnings", warnings}});
            return;
        }
        std::cout << "entered order " << entered->orderNumber << " (" << input->externalId << ") for "
                  << input->patientName << '\n';
        for (const auto& w : entered->warnings)
            std::cout << "  acknowledged warning " << w.code << ": " << w.message << '\n';
    });

    static std::string status;
    auto* list = order->add_subcommand("list", "Orders, newest first");
    list->add_option("--status", status,
                     "Only orders in this state (open, in_progress, awaiting_check, released, cancelled)");
    list->callback([&options] {
        site::Station st(options);
        for (const auto& o : store::SiteRepo(st.db).orders(status)) {
            if (options.json)
                printJson(workflow::orderDocument(st.db, o));
            else
                std::cout << o.orderNumber << "  " << o.status << "  " << o.priority << "  due " << o.dueUtc
                          << "  " << o.recipeId << "  " << o.patientName << " (" << o.patientMrn << ")\n";
        }
    });

    static std::string key;
    auto* show = order->add_subcommand("show", "One order");
    show->add_option("ORDER", key, "Order number (O20261201-0001) or the order's own id")->required();
    show->callback([&options] {
        site::Station st(options);
        const auto o = findOrder(st.db, key);
        if (!o)
            throw CliFailure("no order " + key);
        const json j = workflow::orderDocument(st.db, *o);
        if (options.json) {
            printJson(j);
            return;
        }
        for (const auto& [k, v] : j.items())
            std::cout << k << ": " << (v.is_string() ? v.get<std::string>() : v.dump()) << '\n';
    });

    static std::string cancelKey, reason, cancelBy;
    auto* cancel =
        order->add_subcommand("cancel", "Cancel an order (a preparation of it stops at its next step)");
    cancel->add_option("ORDER", cancelKey, "Order number or the order's own id")->required();
    cancel->add_option("--reason", reason, "Why (shown at the hood)")->required();
    cancel->add_option("--by", cancelBy, "Pharmacist cancelling (password or PIN on stdin)")->required();
    cancel->callback([&options] {
        site::Station st(options);
        const auto o = findOrder(st.db, cancelKey);
        if (!o)
            throw CliFailure("no order " + cancelKey);
        const workflow::User by = site::signInOrFail(st, cancelBy);
        workflow::PreparationEngine engine(st.db, st.audit, "cli");
        if (auto done = engine.cancelOrder(o->id, by, reason); !done)
            throw CliFailure(done.error().text());
        if (options.json)
            printJson({{"order", o->orderNumber}, {"status", "cancelled"}, {"was", o->status}});
        else
            std::cout << "cancelled " << o->orderNumber
                      << (o->status == "in_progress" ? " (its preparation stops at the next step)" : "")
                      << '\n';
    });
}

const CommandRegistration kOrders(41, registerOrderCommands);

} // namespace

} // namespace admix::app

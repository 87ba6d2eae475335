// admix queue | prep show
#include "station/app/cli.hpp"

#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/downtime.hpp"
#include "station/workflow/engine.hpp"

#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;

json orderJson(const store::OrderRow& o) {
    return {{"id", o.id},
            {"order", o.orderNumber},
            {"patient", o.patientName},
            {"mrn", o.patientMrn},
            {"recipe", o.recipeId},
            {"dose", json::parse(o.doseJson, nullptr, false)},
            {"route", o.route},
            {"final_volume_ml", o.finalVolumeMl ? json(*o.finalVolumeMl) : json(nullptr)},
            {"priority", o.priority},
            {"due", o.dueUtc},
            {"prescriber", o.prescriber},
            {"status", o.status}};
}

void registerWorkflowCommands(CLI::App& app, CliOptions& options) {
    auto* queue = app.add_subcommand("queue", "Orders waiting to be prepared: STAT first, then by due time");
    queue->callback([&options] {
        store::Database db = store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        const auto rows = store::PrepRepo(db).queue();
        if (options.json) {
            json out = json::array();
            for (const auto& o : rows)
                out.push_back(orderJson(o));
            printJson(out);
            return;
        }
        for (const auto& o : rows)
            std::cout << o.orderNumber << "  " << o.priority << "  due " << o.dueUtc << "  " << o.recipeId << "  "
                      << o.patientName << "  " << o.status << '\n';
    });

    auto* prep = app.add_subcommand("prep", "Preparations");
    prep->require_subcommand(1);
    static std::string id;
    auto* show = prep->add_subcommand("show", "A preparation: plan, steps, evidence, check");
    show->add_option("ID", id, "Preparation number (P20261121-0001) or row id")->required();
    show->callback([&options] {
        store::Database db = store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::PreparationEngine engine(db, audit, "cli");
        std::optional<int64_t> prepId = engine.prepIdByNumber(id);
        if (!prepId && !id.empty() && id.find_first_not_of("0123456789") == std::string::npos)
            prepId = std::stoll(id);
        const auto view = prepId ? engine.view(*prepId) : std::nullopt;
        if (!view)
            throw CliFailure("no preparation " + id);
        json steps = json::array();
        for (const auto& s : view->steps)
            steps.push_back({{"index", s.index}, {"kind", workflow::stepKindName(s.spec.kind)}, {"title", s.spec.title},
                             {"state", s.state}, {"attempts", s.attempts}, {"result", s.result}});
        json evidence = json::array();
        for (const auto& e : store::PrepRepo(db).evidence(view->id))
            evidence.push_back({{"id", e.id}, {"step", e.stepIndex}, {"kind", e.kind}, {"outcome", e.outcome},
                                {"message", e.message}, {"data", json::parse(e.dataJson, nullptr, false)},
                                {"image", e.imageSha256 ? json(*e.imageSha256) : json(nullptr)}, {"by", e.actor},
                                {"at", e.atUtc}});
        const auto order = store::PrepRepo(db).order(view->orderId);
        const auto downtime = workflow::downtimeRecordFor(db, view->id);
        const json out{{"id", view->id},
                       {"downtime", downtime ? *downtime : json(nullptr)},
                       {"number", view->number},
                       {"status", view->status},
                       {"current_step", view->currentStep},
                       {"technician", view->technician},
                       {"room", view->room},
                       {"pec", view->pec},
                       {"started", view->startedUtc},
                       {"order", order ? orderJson(*order) : json(nullptr)},
                       {"plan", workflow::toJson(view->spec)},
                       {"steps", steps},
                       {"overrides", view->anyOverride},
                       {"evidence", evidence},
                       {"checked_by", view->checkedBy ? json(*view->checkedBy) : json(nullptr)},
                       {"check", view->checkOutcome ? json(*view->checkOutcome) : json(nullptr)},
                       {"check_reason", view->checkReason ? json(*view->checkReason) : json(nullptr)}};
        if (options.json) {
            printJson(out);
            return;
        }
        std::cout << view->number << "  " << view->spec.title << "  " << view->status << "\n";
        if (downtime)
            std::cout << "  *** PREPARED DURING DOWNTIME (paper) by " << downtime->value("prepared_by", "") << " at "
                      << downtime->value("prepared_utc", "") << "; entered by " << downtime->value("entered_by", "")
                      << " ***\n";
        for (const auto& s : view->steps)
            std::cout << "  " << (s.index + 1) << ". [" << s.state << "] " << s.spec.title
                      << (s.attempts ? "  (" + std::to_string(s.attempts) + " failed attempts)" : "") << '\n';
    });
}

const CommandRegistration kWorkflow(40, registerWorkflowCommands);

} // namespace

} // namespace admix::app

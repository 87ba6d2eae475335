// admix queue | prep show
#include "station/app/cli.hpp"

#include "station/store/data_dir.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/downtime.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/prep_document.hpp"

#include <iostream>

namespace admix::app {

namespace {

using nlohmann::json;

json orderJson(const store::OrderRow& o) {
    return workflow::orderDocument(o);
}

void registerWorkflowCommands(CLI::App& app, CliOptions& options) {
    auto* queue = app.add_subcommand("queue", "Orders waiting to be prepared: STAT first, then by due time");
    queue->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        const auto rows = store::PrepRepo(db).queue();
        if (options.json) {
            json out = json::array();
            for (const auto& o : rows)
                out.push_back(orderJson(o));
            printJson(out);
            return;
        }
        for (const auto& o : rows)
            std::cout << o.orderNumber << "  " << o.priority << "  due " << o.dueUtc << "  " << o.recipeId
                      << "  " << o.patientName << "  " << o.status << '\n';
    });

    auto* prep = app.add_subcommand("prep", "Preparations");
    prep->require_subcommand(1);
    static std::string id;
    auto* show = prep->add_subcommand("show", "A preparation: plan, steps, evidence, check");
    show->add_option("ID", id, "Preparation number (P20261121-0001) or row id")->required();
    show->callback([&options] {
        store::Database db =
            store::openStationDatabase(store::databasePath(resolveDataDir(options)).string());
        store::AuditLog audit(db);
        workflow::PreparationEngine engine(db, audit, "cli");
        std::optional<int64_t> prepId = engine.prepIdByNumber(id);
        if (!prepId && !id.empty() && id.find_first_not_of("0123456789") == std::string::npos)
            prepId = std::stoll(id);
        const auto view = prepId ? engine.view(*prepId) : std::nullopt;
        if (!view)
            throw CliFailure("no preparation " + id);
        const json out = workflow::prepDocument(db, engine, view->id).value();
        const auto downtime = workflow::downtimeRecordFor(db, view->id);
        if (options.json) {
            printJson(out);
            return;
        }
        std::cout << view->number << "  " << view->spec.title << "  "
                  << workflow::prepStatusName(view->status) << "\n";
        if (downtime)
            std::cout << "  *** PREPARED DURING DOWNTIME (paper) by " << downtime->value("prepared_by", "")
                      << " at " << downtime->value("prepared_utc", "") << "; entered by "
                      << downtime->value("entered_by", "") << " ***\n";
        for (const auto& s : view->steps)
            std::cout << "  " << (s.index + 1) << ". [" << workflow::stepStateName(s.state) << "] "
                      << s.spec.title
                      << (s.attempts ? "  (" + std::to_string(s.attempts) + " failed attempts)" : "") << '\n';
    });
}

const CommandRegistration kWorkflow(40, registerWorkflowCommands);

} // namespace

} // namespace admix::app

#include "station/workflow/site_setup.hpp"

#include "station/store/formulary_repo.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/formulary_service.hpp"
#include "station/workflow/site_policy.hpp"

#include <algorithm>

namespace admix::workflow {

std::vector<SetupGap> setupGaps(store::Database& db, store::AuditLog& audit,
                                store::ComplianceStore& compliance, const std::string& room,
                                const std::string& pec) {
    std::vector<SetupGap> gaps;
    Authenticator auth(db, audit);
    const auto users = auth.users();
    const auto has = [&](Role role) {
        return std::any_of(users.begin(), users.end(),
                           [&](const User& u) { return u.active && u.role == role; });
    };
    if (users.empty())
        gaps.push_back({"No users: nobody can sign in",
                        "admix users add --username USER --name \"NAME\" --role admin "
                        "--password   (the first user; secret on stdin)"});
    if (!has(Role::Pharmacist))
        gaps.push_back({"No pharmacist: nobody can approve the formulary, enter orders or check preparations",
                        "admix users add --username USER --name \"NAME\" --role pharmacist --password "
                        "--badge B --pin --admin ADMIN"});
    if (!has(Role::Technician) && !has(Role::Pharmacist))
        gaps.push_back({"No technician: nobody can compound",
                        "admix users add --username USER --name \"NAME\" --role "
                        "technician --badge B --pin --admin ADMIN"});
    FormularyService formulary(db, audit);
    if (!formulary.latestFiles())
        gaps.push_back({"No formulary: no product or recipe is known",
                        "admix formulary import DIR --pharmacist USER --approve   (DIR holds products.toml "
                        "and recipes.toml)"});
    else if (!formulary.approved())
        gaps.push_back({"No approved recipe: every recipe of the formulary is a draft or retired",
                        "admix formulary approve RECIPE --pharmacist USER"});
    const auto rooms = compliance.rooms();
    const auto pecs = compliance.pecs();
    if (rooms.empty())
        gaps.push_back(
            {"No room is registered", "admix site room-add CODE --iso 7 --pressure positive --user USER"});
    if (pecs.empty())
        gaps.push_back({"No PEC (hood) is registered",
                        "admix site pec-add CODE --room ROOM --type lafw --categories 1,2 --user USER"});
    if (room.empty() || pec.empty())
        gaps.push_back({"This station's room and PEC are not set",
                        "set station.room and station.pec in the configuration file (see `admix site show`)",
                        true});
    else {
        if (!rooms.empty() &&
            std::none_of(rooms.begin(), rooms.end(), [&](const auto& r) { return r.code == room; }))
            gaps.push_back({"Room " + room + " (station.room) is not registered",
                            "admix site room-add " + room + " --iso 7 --pressure positive --user USER",
                            true});
        if (!pecs.empty() &&
            std::none_of(pecs.begin(), pecs.end(), [&](const auto& p) { return p.code == pec; }))
            gaps.push_back({"PEC " + pec + " (station.pec) is not registered",
                            "admix site pec-add " + pec + " --room " + room +
                                " --type lafw --categories 1,2 --user USER",
                            true});
    }
    return gaps;
}

store::FormularyGeneration stationFormularyGeneration(store::Database& db) {
    return store::FormularyRepo(db).generation();
}

Result<StationFormulary> loadStationFormulary(store::Database& db, store::AuditLog& audit) {
    const store::FormularyGeneration generation = stationFormularyGeneration(db);
    FormularyService service(db, audit);
    auto approved = service.approved();
    if (!approved)
        return approved.error();
    // The formulas policy stored at this station (seeded from the shipped defaults, changed with
    // `admix policy set`), never the TOML file.
    auto policy = SitePolicyService(db, audit).formulasPolicy();
    const auto latest = service.latestFiles();
    return StationFormulary{std::move(*approved), std::move(policy), latest ? latest->version : 0,
                            generation};
}

std::optional<Result<StationFormulary>> StationFormularyFollower::readIfChanged(store::Database& db,
                                                                                store::AuditLog& audit) {
    const store::FormularyGeneration now = stationFormularyGeneration(db);
    if (m_seen && *m_seen == now)
        return std::nullopt;
    auto site = loadStationFormulary(db, audit);
    m_seen = site ? site->generation : now;
    return site;
}

} // namespace admix::workflow

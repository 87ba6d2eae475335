#include "station/workflow/site_checks.hpp"

#include "station/store/formulary_repo.hpp"
#include "station/store/site_repo.hpp"

namespace admix::workflow {

std::optional<std::string> recipeNotStartable(store::Database& db, const std::string& recipeId, int version) {
    store::FormularyRepo repo(db);
    if (!repo.latest())
        return std::nullopt;
    const auto state = repo.recipeState(recipeId, version);
    const std::string what = "recipe " + recipeId + " version " + std::to_string(version);
    if (!state)
        return what + " is not in this station's formulary";
    if (state->state == "draft")
        return what + " is a draft: a pharmacist must approve it first (admix formulary approve " + recipeId +
               " --version " + std::to_string(version) + ")";
    if (state->state != "approved")
        return what + " is " + state->state + " and may not be prepared";
    return std::nullopt;
}

std::optional<std::string> recipeRetiredSince(store::Database& db, const std::string& recipeId, int version) {
    const auto state = store::FormularyRepo(db).recipeState(recipeId, version);
    if (!state || state->state != "retired")
        return std::nullopt;
    return "recipe " + recipeId + " version " + std::to_string(version) + " was retired on " +
           state->changedUtc + " by " + state->changedBy;
}

std::optional<std::string> recalledLots(store::Database& db, int64_t prepId) {
    const auto uses = store::SiteRepo(db).recalledInPrep(prepId);
    if (uses.empty())
        return std::nullopt;
    std::string text;
    for (const auto& u : uses)
        text += (text.empty() ? "" : "; ") + ("lot " + u.lot + " of " + u.gtin + " (" + u.recallReason + ")");
    return text;
}

std::optional<std::string> prepStopReason(store::Database& db, const store::PrepRow& prep) {
    const auto order = store::PrepRepo(db).order(prep.orderId);
    if (order && order->status == "cancelled") {
        const auto reason = store::SiteRepo(db).orderCancelReason(prep.orderId);
        return "STOPPED: order " + order->orderNumber + " was cancelled (" +
               reason.value_or("no reason given") +
               "). Do not go on; set the preparation aside for the pharmacist.";
    }
    if (const auto recalled = recalledLots(db, prep.id))
        return "STOPPED: RECALLED since it was scanned: " + *recalled +
               ". Quarantine what you used; a pharmacist decides what happens to this preparation.";
    return std::nullopt;
}

} // namespace admix::workflow

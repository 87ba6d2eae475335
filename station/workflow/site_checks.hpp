// The site's data the engine consults at its gates, in one place so the engine's own edits stay
// small: whether a recipe version may be started (approved in the stored formulary), and whether a
// preparation must stop (its order was cancelled, or a lot it used has been recalled since it was
// scanned). Reads only. Not thread-safe: the caller's Database.
#pragma once

#include "station/store/database.hpp"
#include "station/store/prep_repo.hpp"

#include <optional>
#include <string>

namespace admix::workflow {

// Why this recipe version may not be started, or nullopt when it may. When the station holds a
// formulary of its own (any version stored), only a recipe version approved in it may; a station
// without one prepares from a formulary handed in by the caller (the demo's).
[[nodiscard]] std::optional<std::string> recipeNotStartable(store::Database& db, const std::string& recipeId,
                                                            int version);

// Why a preparation in progress must not take another step (cancelled order, recalled lot), or nullopt.
[[nodiscard]] std::optional<std::string> prepStopReason(store::Database& db, const store::PrepRow& prep);

// When the recipe version a preparation was made from has been retired since (a pharmacist retired
// it, or a formulary import left it out): "recipe R version N was retired on DATE by USER", for the
// check to show beside the preparation. A warning, not a refusal: a routine new version retires the
// old one too, and the pharmacist decides. nullopt while it is approved or the station holds no
// formulary of its own.
[[nodiscard]] std::optional<std::string> recipeRetiredSince(store::Database& db, const std::string& recipeId,
                                                            int version);

// Every recalled lot the preparation used ("lot L of GTIN G: reason"), empty when none.
[[nodiscard]] std::optional<std::string> recalledLots(store::Database& db, int64_t prepId);

} // namespace admix::workflow

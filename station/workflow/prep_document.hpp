// The JSON documents the station gives of its records: an order row, and a preparation with its
// order, plan, steps, evidence and check, exactly as `admix prep show P --json` prints it (and the
// `show` request of `admix session` answers). Reads only; not thread-safe (the caller's Database).
#pragma once

#include "station/store/prep_repo.hpp"
#include "station/workflow/engine.hpp"

#include <nlohmann/json.hpp>

#include <optional>

namespace admix::workflow {

[[nodiscard]] nlohmann::json orderDocument(const store::OrderRow& order);
// nullopt: no such preparation.
[[nodiscard]] std::optional<nlohmann::json> prepDocument(store::Database& db, PreparationEngine& engine,
                                                         int64_t prepId);

} // namespace admix::workflow

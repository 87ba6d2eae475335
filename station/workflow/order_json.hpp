// The order JSON a pharmacist or an interface sends (`admix order add`, the `order_add` request of
// `admix session`, an HL7 feed turned into JSON) read into an OrderInput. The clinical part is the
// order JSON of assets/formulary/README.md ("Order JSON"), checked by the same parser as
// `admix plan`; on top of it the station's fields:
//   patient.mrn, patient.name (required), patient.birth_date (YYYY-MM-DD), patient.sex,
//   priority (stat | urgent | routine; routine when absent), due (ISO 8601 UTC, required),
//   prescriber (required), route (required), comment.
// Errors name the field ("patient.weight_kg: must be a positive number"); unknown fields and fields
// the station's order cannot keep (recipe_version, products, target_auc, rate, infusion_minutes,
// drop_factor) are refused rather than dropped. Pure; thread-safe.
//
// orderDocument: the other way, one stored order as `admix order show|list --json` and the web's
// order list (/api/v1/orders) show it. Reads the store (one Database, its thread).
#pragma once

#include "formulas/result.hpp"
#include "station/workflow/engine.hpp"

#include <nlohmann/json.hpp>

namespace admix::workflow {

[[nodiscard]] Result<OrderInput> parseOrderJson(const nlohmann::json& order);

// "order" and "number" (the station's order number: the CLI's and the web pages' name for it),
// "order_id" (the prescribing system's, "" when none), mrn, patient, recipe, dose, route, priority,
// due, prescriber, entered_by, created, status, cancel_reason and preparation (the active one; null
// when none), comments.
[[nodiscard]] nlohmann::json orderDocument(store::Database& db, const store::OrderRow& order);

} // namespace admix::workflow

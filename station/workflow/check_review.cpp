#include "station/workflow/check_review.hpp"

#include "formulas/units.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/remote_queries.hpp"
#include "station/workflow/site_checks.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace admix::workflow {

using nlohmann::json;

namespace {

std::string stepTitle(const PrepView& v, int index) {
    return index >= 0 && index < static_cast<int>(v.steps.size())
               ? v.steps[static_cast<size_t>(index)].spec.title
               : std::string();
}

long minutesSince(const std::string& fromIso, TimePoint now) {
    const auto from = parseIsoUtc(fromIso);
    if (!from)
        return 0;
    return static_cast<long>(std::chrono::duration_cast<std::chrono::minutes>(now - *from).count());
}

} // namespace

std::vector<CheckIngredient> checkIngredients(const PrepView& v,
                                              const std::vector<store::EvidenceRow>& evidence) {
    std::vector<CheckIngredient> rows;
    std::map<int, json> lastScan;
    for (const auto& s : v.steps) {
        if (s.spec.kind == StepKind::Scan && s.spec.ingredient >= 0)
            lastScan[s.spec.ingredient] = s.result;
        if (s.spec.kind != StepKind::Weigh)
            continue;
        json measured = s.result;
        // An overridden weighing keeps the last reading that was judged (the step result may only
        // hold the override).
        if (!measured.is_object() || !measured.contains("volume_ml")) {
            for (const auto& e : evidence) {
                if (e.stepIndex != s.index)
                    continue;
                const json d = json::parse(e.dataJson, nullptr, false);
                if (d.is_object() && d.contains("volume_ml"))
                    measured = d;
            }
        }
        const json scan = lastScan.count(s.spec.ingredient) && lastScan[s.spec.ingredient].is_object()
                              ? lastScan[s.spec.ingredient]
                              : json::object();
        const auto& w = s.spec.weigh;
        CheckIngredient row;
        row.step = s.index;
        row.title = s.spec.title;
        row.what = w.what;
        row.product = s.spec.scan.productName;
        // The product scanned for this ingredient (the weigh step's own scan gate is empty).
        for (const auto& other : v.steps) {
            if (other.spec.kind == StepKind::Scan && other.spec.ingredient == s.spec.ingredient)
                row.product = other.spec.scan.productName;
        }
        row.gtin = scan.value("gtin", "");
        row.lot = scan.value("lot", "");
        row.expiry = scan.value("expiry", "");
        row.targetMl = w.targetMl;
        row.lowMl = w.lowMl;
        row.highMl = w.highMl;
        row.densityGPerMl = w.densityGPerMl;
        row.state = s.state;
        row.attempts = s.attempts;
        if (measured.is_object() && measured.contains("volume_ml") && measured["volume_ml"].is_number()) {
            const double ml = measured["volume_ml"].get<double>();
            row.measuredMl = ml;
            row.netG = measured.value("net_g", 0.0);
            row.pass = ml >= w.lowMl - 1e-9 && ml <= w.highMl + 1e-9;
        }
        rows.push_back(std::move(row));
    }
    return rows;
}

std::string orderedDoseText(const std::string& doseJson) {
    const json d = json::parse(doseJson, nullptr, false);
    if (!d.is_object() || !d.contains("value") || !d["value"].is_number() || !d.contains("unit") ||
        !d["unit"].is_string())
        return {};
    const double value = d["value"].get<double>();
    const auto unit = formulas::parseUnit(d["unit"].get<std::string>());
    if (!unit)
        return formulas::formatNumber(value) + " " + d["unit"].get<std::string>();
    return formulas::formatQuantity(value, *unit);
}

std::string waitingText(long minutes) {
    if (minutes < 0)
        minutes = 0;
    if (minutes < 60)
        return std::to_string(minutes) + " min";
    const long m = minutes % 60;
    return std::to_string(minutes / 60) + " h " + (m < 10 ? "0" : "") + std::to_string(m) + " min";
}

std::optional<CheckReview> checkReview(store::Database& db, PreparationEngine& engine,
                                       store::ImageStore& images, int64_t prepId) {
    auto view = engine.view(prepId);
    if (!view)
        return std::nullopt;
    store::PrepRepo repo(db);
    CheckReview r;
    r.view = std::move(*view);
    const PrepView& v = r.view;
    r.order = repo.order(v.orderId);
    if (r.order) {
        r.orderedDose = orderedDoseText(r.order->doseJson);
        r.comments = repo.orderComments(r.order->id);
        if (const auto hold = store::OrderHolds(db).find(r.order->id))
            r.stop = hold->kind + ": " + hold->reason;
    }
    if (const auto row = repo.prep(v.id))
        r.completedUtc = row->completedUtc;
    r.recalled = recalledLots(db, v.id);
    r.recipeRetired = recipeRetiredSince(db, v.spec.recipeId, v.spec.recipeVersion);
    const auto evidence = repo.evidence(v.id);
    r.ingredients = checkIngredients(v, evidence);
    for (const auto& e : evidence) {
        if (e.imageSha256 && store::isSha256Hex(*e.imageSha256)) {
            const auto img = images.find(*e.imageSha256);
            r.photos.push_back(CheckPhoto{e.stepIndex, stepTitle(v, e.stepIndex), *e.imageSha256, e.outcome,
                                          e.atUtc, img ? img->width : 0, img ? img->height : 0});
        }
        if (e.kind == "override") {
            const json d = json::parse(e.dataJson, nullptr, false);
            CheckOverride o{e.stepIndex, stepTitle(v, e.stepIndex), e.actor, "", e.message, e.atUtc};
            if (d.is_object()) {
                o.pharmacist = d.value("pharmacist", e.actor);
                o.reason = d.value("reason", "");
            }
            r.overrides.push_back(std::move(o));
        } else if (e.outcome == "fail") {
            r.refusals.push_back(
                CheckRefusal{e.stepIndex, stepTitle(v, e.stepIndex), e.kind, e.message, e.actor, e.atUtc});
        }
    }
    return r;
}

std::vector<CheckQueueItem> checkQueue(store::Database& db, TimePoint now, int limit) {
    std::vector<CheckQueueItem> out;
    for (const auto& q : store::RemoteQueries(db).checkQueue(limit)) {
        CheckQueueItem item;
        item.prepId = q.prepId;
        item.number = q.prepNumber;
        item.title = q.title;
        item.recipeId = q.recipeId;
        item.technician = q.technician;
        item.priority = q.priority;
        item.waitingSinceUtc = q.completedUtc.value_or(q.startedUtc);
        item.waitingMinutes = minutesSince(item.waitingSinceUtc, now);
        item.hazardous = q.hazardous;
        out.push_back(std::move(item));
    }
    return out;
}

} // namespace admix::workflow

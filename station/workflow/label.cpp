// [SECTION] index: Helpers | LabelData JSON | Building | Layout | Fonts and wrapping | Placing |
//                  ZPL | Preview
#include "station/workflow/label.hpp"

#include "core/asset_paths.hpp"
#include "formulas/input_limits.hpp"
#include "formulas/text.hpp"
#include "station/workflow/plan_steps.hpp"
#include "vision/datamatrix_encoder.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <toml++/toml.h>

// stb_truetype from Debian's libstb-dev, compiled here with internal linkage so that no other
// translation unit (ImGui ships its own copy) can clash with it.
#define STB_TRUETYPE_IMPLEMENTATION
#define STBTT_STATIC
#include <stb/stb_truetype.h>

#include <algorithm>
#include <cassert>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <sstream>

namespace admix::workflow {

using nlohmann::json;

namespace {

// [SECTION] Helpers -------------------------------------------------------------------------------

std::string formatClock(TimePoint t, LabelClock clock) {
    const std::time_t tt = std::chrono::system_clock::to_time_t(t);
    std::tm tm{};
    char buf[64];
    if (clock == LabelClock::Utc) {
        gmtime_r(&tt, &tm);
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
    } else {
        localtime_r(&tt, &tm);
        std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M %Z", &tm);
    }
    return buf;
}

// Patient data may hold anything: control characters (a pasted line break, a tab) become spaces so
// that a field stays one logical text; the ZPL escaping below handles ^ and ~.
std::string sanitize(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        out += (c < 0x20 || c == 0x7F) ? ' ' : ch;
    }
    return std::string(formulas::trim(out));
}

bool preparationPassed(const StepView& s) {
    return isDone(s.state);
}

// What a preparation is made of, as far as the label is concerned: doses, products, volumes,
// category, storage. Titles and instructions are left out so that a preparation started before a
// software update that rewords a step can still be labelled.
json contents(const PrepSpec& spec) {
    json steps = json::array();
    for (const auto& s : spec.steps)
        steps.push_back({std::string(stepKindName(s.kind)), s.ingredient, s.scan.acceptedGtins,
                         s.weigh.targetMl, s.weigh.lowMl, s.weigh.highMl, s.weigh.densityGPerMl});
    return {spec.recipeId,  spec.recipeVersion, spec.doseText,       spec.category,
            spec.hazardous, spec.storage,       spec.finalContainer, steps};
}

} // namespace

// [SECTION] LabelData JSON ------------------------------------------------------------------------

json toJson(const LabelData& d) {
    json drugs = json::array();
    for (const auto& drug : d.drugs)
        drugs.push_back({{"name", drug.name}, {"dose", drug.dose}});
    json lots = json::array();
    for (const auto& l : d.lots)
        lots.push_back({{"product", l.product}, {"lot", l.lot}, {"expiry", l.expiry}});
    return {{"prep", d.prepNumber},
            {"patient", d.patientName},
            {"mrn", d.mrn},
            {"location", d.location},
            {"drugs", drugs},
            {"container", d.container},
            {"final_volume", d.finalVolume},
            {"concentration", d.concentration},
            {"route", d.route},
            {"rate", d.rate},
            {"bud", d.budText},
            {"bud_utc", formatIsoUtc(d.bud)},
            {"bud_rule", d.budRule},
            {"storage", d.storage},
            {"hazardous", d.hazardous},
            {"hazard_warning", d.hazardWarning},
            {"prepared_by", d.preparedBy},
            {"prepared_at", d.preparedAt},
            {"checked_by", d.checkedBy},
            {"prescriber", d.prescriber},
            {"lots", lots}};
}

// [SECTION] Building ------------------------------------------------------------------------------

Status mayLabel(const PrepView& prep) {
    const std::string who = "preparation " + prep.number;
    if (prep.status == PrepStatus::Cancelled || prep.status == PrepStatus::Rejected)
        return Status::fail(who + " is " + std::string(prepStatusName(prep.status)) + ": it gets no label");
    if (prep.steps.empty())
        return Status::fail(who + " has no steps");
    for (const auto& s : prep.steps) {
        if (s.spec.kind == StepKind::Label)
            continue;
        if (!preparationPassed(s))
            return Status::fail(who + " is not complete: step " + std::to_string(s.index + 1) + " (" +
                                s.spec.title + ") is " + std::string(stepStateName(s.state)) +
                                "; the label prints only when every step before it has passed");
    }
    return Status::success();
}

Result<formulas::Plan> planForPreparation(const PrepView& prep, const store::OrderRow& order,
                                          const formulas::Formulary& formulary,
                                          const formulas::FormulasPolicy& policy) {
    if (order.id != prep.orderId)
        return Result<formulas::Plan>::fail("order " + order.orderNumber +
                                            " is not the order of preparation " + prep.number);
    const json wanted = contents(prep.spec);
    // First as the order stands; then with the products the preparation's scan steps accept, in case
    // the pharmacist picked other products than the recipe's first choice.
    std::vector<std::string> picked;
    // Only the recipe's own products: the reconstitution diluent is scanned but is not one of them.
    const formulas::Recipe* recipe = formulary.recipe(prep.spec.recipeId, prep.spec.recipeVersion);
    const auto inRecipe = [&](const std::string& id) {
        if (!recipe)
            return true;
        if (std::find(recipe->base.productIds.begin(), recipe->base.productIds.end(), id) !=
            recipe->base.productIds.end())
            return true;
        for (const auto& ing : recipe->ingredients)
            if (std::find(ing.productIds.begin(), ing.productIds.end(), id) != ing.productIds.end())
                return true;
        return false;
    };
    for (const auto& step : prep.spec.steps) {
        if (step.kind != StepKind::Scan)
            continue;
        for (const auto& gtin : step.scan.acceptedGtins)
            for (const auto* product : formulary.productsForGtin(gtin))
                if (inRecipe(product->id) &&
                    std::find(picked.begin(), picked.end(), product->id) == picked.end())
                    picked.push_back(product->id);
    }
    std::string why;
    for (const auto& products : {std::vector<std::string>{}, picked}) {
        auto plan = planForOrder(order, formulary, policy, prep.spec.recipeVersion, products);
        if (!plan) {
            why = plan.error().text();
            continue;
        }
        auto spec = specFromPlan(*plan, formulary);
        if (!spec) {
            why = spec.error().text();
            continue;
        }
        if (contents(*spec) == wanted)
            return plan;
        why = spec->doseText != prep.spec.doseText
                  ? "the order now gives '" + spec->doseText + "', the preparation was made as '" +
                        prep.spec.doseText + "'"
                  : "its steps (volumes, products) differ from the preparation's";
    }
    return Result<formulas::Plan>::fail(
        "the plan derived from order " + order.orderNumber + " (recipe " + prep.spec.recipeId + " version " +
        std::to_string(prep.spec.recipeVersion) + ") does not match preparation " + prep.number + ": " + why +
        "; the label cannot state its contents");
}

Result<usp797::BudRequest> budRequestFor(const PrepView& prep) {
    usp797::BudRequest req;
    const auto category = usp797::parseCategory(prep.spec.category);
    if (!category)
        return Error{category.error().message, "preparation " + prep.number + " category"};
    req.category = *category;
    const auto storage = usp797::parseStorage(prep.spec.storage);
    if (!storage)
        return Error{storage.error().message, "preparation " + prep.number + " storage"};
    req.storage = *storage;
    req.method = usp797::PrepMethod::Aseptic;
    const auto started = parseIsoUtc(prep.startedUtc);
    if (!started)
        return Error{started.error().message, "preparation " + prep.number + " start time"};
    req.preparedAt = *started;
    for (const auto& s : prep.steps) {
        if (s.spec.kind != StepKind::Scan || !s.result.is_object() || !s.result.contains("expiry"))
            continue;
        const auto expiry = parseIsoUtc(s.result.value("expiry", ""));
        if (!expiry)
            return Error{"the recorded expiry '" + s.result.value("expiry", "") + "' is not a date",
                         "preparation " + prep.number + " step " + std::to_string(s.index + 1)};
        req.components.push_back({usp797::ComponentLimit::Kind::Expiry, *expiry,
                                  s.spec.scan.productName + " lot " + s.result.value("lot", "?"),
                                  std::nullopt});
    }
    return req;
}

Result<LabelData> buildLabelData(const LabelSource& src) {
    assert(src.prep && src.order && src.plan && src.formulary);
    const PrepView& prep = *src.prep;
    const store::OrderRow& order = *src.order;
    const formulas::Plan& plan = *src.plan;
    const formulas::Formulary& formulary = *src.formulary;
    if (const auto may = mayLabel(prep); !may)
        return may.error();
    if (order.id != prep.orderId)
        return Result<LabelData>::fail("order " + order.orderNumber + " is not the order of preparation " +
                                       prep.number);
    if (plan.recipeId != prep.spec.recipeId)
        return Result<LabelData>::fail("the plan is for recipe " + plan.recipeId + ", preparation " +
                                       prep.number + " for " + prep.spec.recipeId);

    LabelData d;
    d.prepNumber = prep.number;
    d.patientName = sanitize(order.patientName);
    d.mrn = sanitize(order.patientMrn);
    if (d.patientName.empty() || d.mrn.empty())
        return Result<LabelData>::fail("order " + order.orderNumber +
                                       " lacks the patient's name or MRN: no label");
    const json patient = json::parse(order.patientJson, nullptr, false);
    if (patient.is_object() && patient.contains("location") && patient["location"].is_string())
        d.location = sanitize(patient["location"].get<std::string>());

    for (const auto& ing : plan.ingredients) {
        if (ing.role != "drug")
            continue;
        d.drugs.push_back({sanitize(formulary.tallMan(ing.drug)), formulas::format(ing.dose)});
    }
    if (d.drugs.empty())
        return Result<LabelData>::fail("the plan of preparation " + prep.number + " names no drug");
    if (!plan.baseProductName.empty())
        d.container = "in " + sanitize(formulary.tallMan(plan.baseProductName));
    if (plan.finalVolume.inMl() <= 0)
        return Result<LabelData>::fail("the plan of preparation " + prep.number + " has no final volume");
    d.finalVolume = formulas::format(plan.finalVolume, 1);
    if (plan.finalConcentration)
        d.concentration = formulas::format(*plan.finalConcentration, 2);
    d.route = sanitize(order.route.empty() ? plan.route : order.route);
    if (d.route.empty())
        return Result<LabelData>::fail("order " + order.orderNumber + " gives no route: no label");
    if (plan.rateMlPerHour)
        d.rate = formulas::formatNumber(*plan.rateMlPerHour, 1) + " mL/h";

    d.bud = src.bud.bud;
    d.budText = formatClock(src.bud.bud, src.clock);
    d.budRule = src.bud.rule;
    if (prep.spec.storage == "room")
        d.storage = src.texts.storageRoom;
    else if (prep.spec.storage == "fridge")
        d.storage = src.texts.storageFridge;
    else if (prep.spec.storage == "freezer")
        d.storage = src.texts.storageFreezer;
    else
        return Result<LabelData>::fail("preparation " + prep.number + " has an unknown storage '" +
                                       prep.spec.storage + "'");
    d.hazardous = prep.spec.hazardous || !plan.hazardousHandling.empty();
    if (d.hazardous)
        d.hazardWarning = src.texts.hazard;

    d.preparedBy = sanitize(src.preparedByName.empty() ? prep.technician : src.preparedByName);
    if (const auto started = parseIsoUtc(prep.startedUtc))
        d.preparedAt = formatClock(*started, src.clock);
    if (prep.checkedBy && prep.checkOutcome.value_or("") == "approved")
        d.checkedBy = sanitize(src.checkedByName.empty() ? *prep.checkedBy : src.checkedByName);
    d.prescriber = sanitize(order.prescriber);

    for (const auto& s : prep.steps) {
        if (s.spec.kind != StepKind::Scan || !s.result.is_object() || !s.result.contains("lot"))
            continue;
        if (s.result.contains("vials") && s.result["vials"].is_array() && s.result["vials"].size() > 1) {
            // Every vial's lot (two vials of the same lot are listed once).
            std::vector<std::string> seen;
            for (const auto& v : s.result["vials"]) {
                const std::string key = v.value("lot", "") + "|" + v.value("expiry", "");
                if (std::find(seen.begin(), seen.end(), key) != seen.end())
                    continue;
                seen.push_back(key);
                d.lots.push_back({sanitize(s.spec.scan.productName), sanitize(v.value("lot", "")),
                                  sanitize(v.value("expiry", ""))});
            }
            continue;
        }
        d.lots.push_back({sanitize(s.spec.scan.productName), sanitize(s.result.value("lot", "")),
                          sanitize(s.result.value("expiry", ""))});
    }
    return d;
}

// [SECTION] Layout --------------------------------------------------------------------------------

std::string_view labelFieldName(LabelFieldKind kind) {
    switch (kind) {
    case LabelFieldKind::Patient:
        return "patient";
    case LabelFieldKind::PatientIds:
        return "patient_ids";
    case LabelFieldKind::Drugs:
        return "drugs";
    case LabelFieldKind::Container:
        return "container";
    case LabelFieldKind::Volume:
        return "volume";
    case LabelFieldKind::RouteRate:
        return "route_rate";
    case LabelFieldKind::Bud:
        return "bud";
    case LabelFieldKind::Storage:
        return "storage";
    case LabelFieldKind::Lots:
        return "lots";
    case LabelFieldKind::PrepId:
        return "prep_id";
    case LabelFieldKind::PreparedBy:
        return "prepared_by";
    case LabelFieldKind::CheckedBy:
        return "checked_by";
    case LabelFieldKind::Prescriber:
        return "prescriber";
    }
    return "?";
}

namespace {

constexpr LabelFieldKind kAllKinds[] = {
    LabelFieldKind::Patient,   LabelFieldKind::PatientIds, LabelFieldKind::Drugs,
    LabelFieldKind::Container, LabelFieldKind::Volume,     LabelFieldKind::RouteRate,
    LabelFieldKind::Bud,       LabelFieldKind::Storage,    LabelFieldKind::Lots,
    LabelFieldKind::PrepId,    LabelFieldKind::PreparedBy, LabelFieldKind::CheckedBy,
    LabelFieldKind::Prescriber};

// Reads one TOML table with known keys; the first error wins and names source:line:column: key.
class TableReader {
public:
    TableReader(const toml::table& table, std::string source, std::string path, std::optional<Error>& error)
        : m_table(table), m_source(std::move(source)), m_path(std::move(path)), m_error(error) {}

    void onlyKeys(std::initializer_list<std::string_view> keys) {
        for (const auto& [key, node] : m_table) {
            if (std::find(keys.begin(), keys.end(), key.str()) == keys.end())
                fail(node, std::string(key.str()), "is not a known key (misspelt?)");
        }
    }
    std::optional<int> integer(std::string_view key, int lo, int hi, std::optional<int> fallback) {
        const toml::node* node = m_table.get(key);
        if (!node) {
            if (!fallback)
                failHere(std::string(key), "is missing");
            return fallback;
        }
        if (!node->is_integer()) {
            fail(*node, std::string(key), "must be a whole number");
            return std::nullopt;
        }
        const int64_t v = node->as_integer()->get();
        if (v < lo || v > hi) {
            fail(*node, std::string(key),
                 "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                     std::to_string(v));
            return std::nullopt;
        }
        return static_cast<int>(v);
    }
    std::optional<std::string> text(std::string_view key, std::optional<std::string> fallback) {
        const toml::node* node = m_table.get(key);
        if (!node) {
            if (!fallback)
                failHere(std::string(key), "is missing");
            return fallback;
        }
        if (!node->is_string()) {
            fail(*node, std::string(key), "must be a text in quotes");
            return std::nullopt;
        }
        return node->as_string()->get();
    }
    bool flag(std::string_view key, bool fallback) {
        const toml::node* node = m_table.get(key);
        if (!node)
            return fallback;
        if (!node->is_boolean()) {
            fail(*node, std::string(key), "must be true or false");
            return fallback;
        }
        return node->as_boolean()->get();
    }
    void fail(const toml::node& node, const std::string& key, const std::string& message) {
        if (!m_error)
            m_error = Error{message, where(node.source()) + ": " + qualified(key)};
    }
    void failHere(const std::string& key, const std::string& message) {
        if (!m_error)
            m_error = Error{message, where(m_table.source()) + ": " + qualified(key)};
    }

private:
    [[nodiscard]] std::string where(const toml::source_region& r) const {
        return m_source + ":" + std::to_string(r.begin.line) + ":" + std::to_string(r.begin.column);
    }
    [[nodiscard]] std::string qualified(const std::string& key) const {
        return m_path.empty() ? key : m_path + "." + key;
    }
    const toml::table& m_table;
    std::string m_source;
    std::string m_path;
    std::optional<Error>& m_error;
};

const toml::table* subTable(const toml::table& root, std::string_view key, const std::string& source,
                            std::optional<Error>& err) {
    const toml::node* node = root.get(key);
    if (!node) {
        if (!err)
            err = Error{"is missing", source + ": [" + std::string(key) + "]"};
        return nullptr;
    }
    if (!node->is_table()) {
        if (!err)
            err = Error{"must be a table", source + ":" + std::to_string(node->source().begin.line) + ":" +
                                               std::to_string(node->source().begin.column) + ": " +
                                               std::string(key)};
        return nullptr;
    }
    return node->as_table();
}

} // namespace

Result<LabelLayout> parseLabelLayout(std::string_view text, std::string_view sourceName) {
    const std::string source(sourceName);
    if (const auto problem = formulas::tomlShapeProblem(text))
        return Error{*problem, source};
    toml::table doc;
    try {
        doc = toml::parse(text, source);
    } catch (const toml::parse_error& e) {
        return Error{std::string(e.description()), source + ":" + std::to_string(e.source().begin.line) +
                                                       ":" + std::to_string(e.source().begin.column)};
    }
    std::optional<Error> err;
    LabelLayout layout;
    layout.sourceName = source;
    TableReader root(doc, source, "", err);
    root.onlyKeys({"label", "barcode", "hazard_banner", "text", "field"});

    if (const auto* t = subTable(doc, "label", source, err)) {
        TableReader r(*t, source, "label", err);
        r.onlyKeys({"name", "dpi", "width_dots", "height_dots", "border_dots", "line_gap_dots", "font",
                    "font_bold"});
        layout.name = r.text("name", "").value_or("");
        const auto dpi = r.integer("dpi", 150, 600, std::nullopt);
        if (dpi && *dpi != 203 && *dpi != 300 && *dpi != 600)
            r.fail(*t->get("dpi"), "dpi",
                   "must be 203, 300 or 600 (a label printer's resolution), not " + std::to_string(*dpi));
        layout.dpi = dpi.value_or(203);
        layout.widthDots = r.integer("width_dots", 100, 4800, std::nullopt).value_or(0);
        layout.heightDots = r.integer("height_dots", 100, 9600, std::nullopt).value_or(0);
        layout.borderDots = r.integer("border_dots", 0, 20, 0).value_or(0);
        layout.lineGap = r.integer("line_gap_dots", 0, 40, 4).value_or(4);
        layout.fontPath = r.text("font", std::nullopt).value_or("");
        layout.boldFontPath = r.text("font_bold", layout.fontPath).value_or("");
    }
    const auto inside = [&](TableReader& r, const toml::table& t, const std::string& what, int x, int y,
                            int w, int h) {
        if (x + w > layout.widthDots || y + h > layout.heightDots)
            r.fail(t, "x",
                   what + " (" + std::to_string(x) + "," + std::to_string(y) + " size " + std::to_string(w) +
                       "x" + std::to_string(h) + ") runs off the " + std::to_string(layout.widthDots) + "x" +
                       std::to_string(layout.heightDots) + " label");
    };
    if (const auto* t = subTable(doc, "barcode", source, err)) {
        TableReader r(*t, source, "barcode", err);
        r.onlyKeys({"x", "y", "module_dots"});
        layout.barcodeX = r.integer("x", 0, 9600, std::nullopt).value_or(0);
        layout.barcodeY = r.integer("y", 0, 9600, std::nullopt).value_or(0);
        layout.barcodeModule = r.integer("module_dots", 2, 20, std::nullopt).value_or(6);
    }
    if (const auto* t = subTable(doc, "hazard_banner", source, err)) {
        TableReader r(*t, source, "hazard_banner", err);
        r.onlyKeys({"x", "y", "width", "height", "font_height"});
        layout.hazardX = r.integer("x", 0, 9600, std::nullopt).value_or(0);
        layout.hazardY = r.integer("y", 0, 9600, std::nullopt).value_or(0);
        layout.hazardWidth = r.integer("width", 40, 9600, std::nullopt).value_or(40);
        layout.hazardHeight = r.integer("height", 16, 400, std::nullopt).value_or(16);
        layout.hazardFontHeight = r.integer("font_height", 12, 200, std::nullopt).value_or(12);
        if (!err && layout.hazardFontHeight > layout.hazardHeight)
            r.fail(*t->get("font_height"), "font_height", "is taller than the banner");
        if (!err)
            inside(r, *t, "the hazard banner", layout.hazardX, layout.hazardY, layout.hazardWidth,
                   layout.hazardHeight);
    }
    if (const toml::node* node = doc.get("text")) {
        if (!node->is_table()) {
            root.fail(*node, "text", "must be a table");
        } else {
            TableReader r(*node->as_table(), source, "text", err);
            r.onlyKeys({"storage_room", "storage_fridge", "storage_freezer", "hazard"});
            layout.texts.storageRoom = r.text("storage_room", layout.texts.storageRoom).value_or("");
            layout.texts.storageFridge = r.text("storage_fridge", layout.texts.storageFridge).value_or("");
            layout.texts.storageFreezer = r.text("storage_freezer", layout.texts.storageFreezer).value_or("");
            layout.texts.hazard = r.text("hazard", layout.texts.hazard).value_or("");
        }
    }
    const toml::node* fieldsNode = doc.get("field");
    if (!fieldsNode || !fieldsNode->is_array_of_tables()) {
        if (!err)
            err = Error{"the layout needs [[field]] tables", source + ": field"};
    } else {
        std::set<LabelFieldKind> seen;
        int i = 0;
        for (const auto& node : *fieldsNode->as_array()) {
            const auto& t = *node.as_table();
            TableReader r(t, source, "field[" + std::to_string(++i) + "]", err);
            r.onlyKeys({"kind", "x", "y", "width", "font_height", "min_font_height", "max_lines", "bold",
                        "optional"});
            LabelField f;
            const std::string kind = r.text("kind", std::nullopt).value_or("");
            const auto* match = std::find_if(std::begin(kAllKinds), std::end(kAllKinds),
                                             [&](LabelFieldKind k) { return labelFieldName(k) == kind; });
            if (match == std::end(kAllKinds)) {
                if (const toml::node* k = t.get("kind"))
                    r.fail(*k, "kind",
                           "'" + kind + "' is not a label field (patient, patient_ids, drugs, ...)");
                break;
            }
            f.kind = *match;
            if (!seen.insert(f.kind).second)
                r.fail(*t.get("kind"), "kind", "'" + kind + "' is placed twice");
            f.x = r.integer("x", 0, 9600, std::nullopt).value_or(0);
            f.y = r.integer("y", 0, 9600, std::nullopt).value_or(0);
            f.width = r.integer("width", 20, 9600, std::nullopt).value_or(20);
            f.fontHeight = r.integer("font_height", 10, 300, std::nullopt).value_or(10);
            f.minFontHeight =
                r.integer("min_font_height", 10, f.fontHeight, f.fontHeight).value_or(f.fontHeight);
            f.maxLines = r.integer("max_lines", 1, 20, 1).value_or(1);
            f.bold = r.flag("bold", false);
            f.optional = r.flag("optional", false);
            if (!err)
                inside(r, t, "field '" + kind + "'", f.x, f.y, f.width,
                       f.maxLines * f.fontHeight + (f.maxLines - 1) * layout.lineGap);
            layout.fields.push_back(f);
        }
        for (const auto k : kAllKinds) {
            if (!err && !seen.contains(k))
                err = Error{"the layout has no [[field]] of kind '" + std::string(labelFieldName(k)) +
                                "': every item of the label must be placed",
                            source};
        }
    }
    if (err)
        return *err;
    return layout;
}

Result<LabelLayout> loadLabelLayout(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Result<LabelLayout>::fail("cannot read the label layout", path);
    std::ostringstream text;
    text << in.rdbuf();
    return parseLabelLayout(text.str(), path);
}

std::string defaultLabelLayoutPath() {
    return core::assetPath("labels/iv_label.toml").string();
}

// [SECTION] Fonts and wrapping --------------------------------------------------------------------

namespace {

struct Font {
    std::vector<unsigned char> bytes;
    stbtt_fontinfo info{};
    int ascent = 0;
    int descent = 0;

    [[nodiscard]] float scaleFor(int heightDots) const {
        return stbtt_ScaleForPixelHeight(&info, static_cast<float>(heightDots));
    }
};

// Fonts are read once per path and shared read-only (stb_truetype only reads the font info).
Result<std::shared_ptr<const Font>> loadFont(const std::string& path) {
    static std::mutex mutex;
    static std::map<std::string, std::shared_ptr<const Font>> cache;
    std::lock_guard lock(mutex);
    if (const auto it = cache.find(path); it != cache.end())
        return it->second;
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return Result<std::shared_ptr<const Font>>::fail(
            "cannot read the font (Debian package fonts-dejavu-core)", path);
    auto font = std::make_shared<Font>();
    font->bytes.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    const int offset = stbtt_GetFontOffsetForIndex(font->bytes.data(), 0);
    if (font->bytes.size() < 12 || offset < 0 || !stbtt_InitFont(&font->info, font->bytes.data(), offset))
        return Result<std::shared_ptr<const Font>>::fail("is not a TrueType font", path);
    int lineGap = 0;
    stbtt_GetFontVMetrics(&font->info, &font->ascent, &font->descent, &lineGap);
    cache.emplace(path, font);
    return std::shared_ptr<const Font>(font);
}

// Decodes UTF-8; an invalid byte reads as U+FFFD so that nothing is silently dropped.
std::vector<int> codepoints(std::string_view text) {
    std::vector<int> out;
    for (size_t i = 0; i < text.size();) {
        const auto c = static_cast<unsigned char>(text[i]);
        int len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + static_cast<size_t>(len) > text.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        int cp = len == 1 ? c : c & (0x3F >> (len - 1));
        bool ok = true;
        for (int k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(text[i + static_cast<size_t>(k)]);
            ok = ok && (cc >> 6) == 2;
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(ok ? cp : 0xFFFD);
        i += ok ? static_cast<size_t>(len) : 1;
    }
    return out;
}

float textWidth(const Font& font, int heightDots, std::string_view text) {
    const float scale = font.scaleFor(heightDots);
    const auto cps = codepoints(text);
    float w = 0;
    for (size_t i = 0; i < cps.size(); ++i) {
        int advance = 0, bearing = 0;
        stbtt_GetCodepointHMetrics(&font.info, cps[i], &advance, &bearing);
        w += static_cast<float>(advance) * scale;
        if (i + 1 < cps.size())
            w += static_cast<float>(stbtt_GetCodepointKernAdvance(&font.info, cps[i], cps[i + 1])) * scale;
    }
    return w;
}

// Greedy word wrap within `width` dots; '\n' forces a break; a word wider than the field is split
// between characters (a long name must still print whole).
std::vector<std::string> wrap(const Font& font, int heightDots, int width, std::string_view text) {
    std::vector<std::string> lines;
    for (const auto paragraph : formulas::split(text, '\n')) {
        std::string line;
        std::istringstream words{std::string(paragraph)};
        std::string word;
        while (words >> word) {
            const std::string candidate = line.empty() ? word : line + " " + word;
            if (textWidth(font, heightDots, candidate) <= static_cast<float>(width)) {
                line = candidate;
                continue;
            }
            if (!line.empty())
                lines.push_back(line);
            line.clear();
            // Split an over-long word at UTF-8 character boundaries.
            std::string piece;
            for (size_t i = 0; i < word.size();) {
                size_t len = 1;
                while (i + len < word.size() && (static_cast<unsigned char>(word[i + len]) & 0xC0) == 0x80)
                    ++len;
                const std::string next = piece + word.substr(i, len);
                if (!piece.empty() && textWidth(font, heightDots, next) > static_cast<float>(width)) {
                    lines.push_back(piece);
                    piece = word.substr(i, len);
                } else {
                    piece = next;
                }
                i += len;
            }
            line = piece;
        }
        if (!line.empty())
            lines.push_back(line);
    }
    return lines;
}

std::string fieldText(const LabelData& d, LabelFieldKind kind) {
    switch (kind) {
    case LabelFieldKind::Patient:
        return d.patientName;
    case LabelFieldKind::PatientIds:
        return "MRN " + d.mrn + (d.location.empty() ? std::string() : " | Loc " + d.location);
    case LabelFieldKind::Drugs: {
        std::string out;
        for (const auto& drug : d.drugs)
            out += (out.empty() ? "" : "\n") + drug.name + " " + drug.dose;
        return out;
    }
    case LabelFieldKind::Container:
        return d.container;
    case LabelFieldKind::Volume:
        return "Total volume " + d.finalVolume +
               (d.concentration.empty() ? std::string() : " | " + d.concentration);
    case LabelFieldKind::RouteRate:
        return "Route " + d.route + (d.rate.empty() ? std::string() : " | Rate " + d.rate);
    case LabelFieldKind::Bud:
        return "BUD " + d.budText;
    case LabelFieldKind::Storage:
        return d.storage;
    case LabelFieldKind::Lots: {
        std::string out;
        for (const auto& l : d.lots)
            out += (out.empty() ? "Lot " : "; ") + l.product + " " + l.lot +
                   (l.expiry.empty() ? "" : " exp " + l.expiry);
        return out;
    }
    case LabelFieldKind::PrepId:
        return "Prep " + d.prepNumber + (d.preparedAt.empty() ? std::string() : " | made " + d.preparedAt);
    case LabelFieldKind::PreparedBy:
        return "Prepared by " + d.preparedBy;
    case LabelFieldKind::CheckedBy:
        return "Checked by " + (d.checkedBy.empty() ? std::string("________________") : d.checkedBy);
    case LabelFieldKind::Prescriber:
        return d.prescriber.empty() ? std::string() : "Prescriber " + d.prescriber;
    }
    return {};
}

bool validPrepNumber(std::string_view id) {
    return !id.empty() && id.size() <= 40 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.';
    });
}

} // namespace

// [SECTION] Placing -------------------------------------------------------------------------------

Result<PlacedLabel> placeLabel(const LabelData& data, const LabelLayout& layout) {
    const auto regular = loadFont(layout.fontPath);
    if (!regular)
        return regular.error();
    const auto bold = loadFont(layout.boldFontPath);
    if (!bold)
        return bold.error();
    if (!validPrepNumber(data.prepNumber))
        return Result<PlacedLabel>::fail(
            "the preparation number '" + formulas::printable(data.prepNumber) +
            "' cannot go in the label's DataMatrix (letters, digits, '-' and '.' only)");
    PlacedLabel out;
    for (const auto& field : layout.fields) {
        const std::string text = fieldText(data, field.kind);
        const std::string_view name = labelFieldName(field.kind);
        if (formulas::trim(text).empty()) {
            if (field.optional)
                continue;
            return Result<PlacedLabel>::fail("the label has nothing to print for '" + std::string(name) + "'",
                                             layout.sourceName);
        }
        const Font& font = field.bold ? **bold : **regular;
        const auto place = [&](const std::string& what) {
            for (int h = field.fontHeight; h >= field.minFontHeight; h -= 2) {
                const auto lines = wrap(font, h, field.width, what);
                if (static_cast<int>(lines.size()) > field.maxLines)
                    continue;
                for (size_t i = 0; i < lines.size(); ++i)
                    out.lines.push_back({field.kind, field.x,
                                         field.y + static_cast<int>(i) * (h + layout.lineGap), field.width, h,
                                         field.bold, lines[i]});
                return true;
            }
            return false;
        };
        bool placed = place(text);
        // Lot numbers print as space allows: the first ones whole, then how many more the record holds.
        if (!placed && field.kind == LabelFieldKind::Lots) {
            for (size_t n = data.lots.size(); n-- > 0 && !placed;) {
                LabelData fewer = data;
                fewer.lots.resize(n);
                const std::string more =
                    "+" + std::to_string(data.lots.size() - n) + " more lot(s) in the record";
                placed = place(n == 0 ? "Lot " + more : fieldText(fewer, field.kind) + "; " + more);
            }
            if (!placed)
                continue;
        }
        if (!placed)
            return Result<PlacedLabel>::fail("'" + text + "' does not fit the label's " + std::string(name) +
                                                 " field (" + std::to_string(field.maxLines) +
                                                 " line(s) of " + std::to_string(field.width) +
                                                 " dots, even at " + std::to_string(field.minFontHeight) +
                                                 " dots high); shorten it or widen the field",
                                             layout.sourceName);
    }
    if (data.hazardous) {
        const std::string text = data.hazardWarning.empty() ? layout.texts.hazard : data.hazardWarning;
        const int pad = 10;
        bool fits = false;
        for (int h = layout.hazardFontHeight; h >= 14 && !fits; h -= 2) {
            if (wrap(**bold, h, layout.hazardWidth - 2 * pad, text).size() == 1) {
                out.hazardFontHeight = h;
                fits = true;
            }
        }
        if (!fits)
            return Result<PlacedLabel>::fail("the hazard warning '" + text + "' does not fit its banner",
                                             layout.sourceName);
        out.hazardBanner = true;
        out.hazardText = text;
    }
    const auto symbol = vision::encodeDataMatrix(data.prepNumber, false);
    if (!symbol)
        return Error{symbol.error().message, "label DataMatrix"};
    out.barcodeData = data.prepNumber;
    out.barcodeSize = symbol->size;
    out.barcodeModules = symbol->modules;
    if (layout.barcodeX + (symbol->size + 2) * layout.barcodeModule > layout.widthDots ||
        layout.barcodeY + (symbol->size + 2) * layout.barcodeModule > layout.heightDots)
        return Result<PlacedLabel>::fail("the DataMatrix (" + std::to_string(symbol->size) +
                                             " modules) runs off the label",
                                         layout.sourceName);
    return out;
}

Result<double> measureLabelText(const LabelLayout& layout, bool bold, int heightDots, std::string_view text) {
    const auto font = loadFont(bold ? layout.boldFontPath : layout.fontPath);
    if (!font)
        return font.error();
    return static_cast<double>(textWidth(**font, heightDots, text));
}

// [SECTION] ZPL -----------------------------------------------------------------------------------

std::string zplEscape(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size());
    for (const char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (ch == '\\') {
            out +=
                "_5C_5C"; // doubled: ^FB reads a backslash-ampersand as a line break, two backslashes as one
        } else if (ch == '^' || ch == '~' || ch == '_' || c < 0x20 || c == 0x7F) {
            out += '_';
            out += kHex[c >> 4];
            out += kHex[c & 0xF];
        } else {
            out += ch;
        }
    }
    return out;
}

Result<std::string> renderZpl(const LabelData& data, const LabelLayout& layout) {
    const auto placed = placeLabel(data, layout);
    if (!placed)
        return placed.error();
    std::ostringstream z;
    z << "^XA\n^CI28\n^PW" << layout.widthDots << "\n^LL" << layout.heightDots << "\n^LH0,0\n";
    z << "^FX Admix preparation " << zplEscape(data.prepNumber) << " - layout " << zplEscape(layout.name)
      << "\n";
    if (layout.borderDots > 0)
        z << "^FO0,0^GB" << layout.widthDots << "," << layout.heightDots << "," << layout.borderDots
          << ",B,0^FS\n";
    for (const auto& line : placed->lines)
        z << "^FO" << line.x << "," << line.y << "^A0N," << line.fontHeight << "," << line.fontHeight << "^FB"
          << line.width << ",1,0,L,0^FH_^FD" << zplEscape(line.text) << "^FS\n";
    if (placed->hazardBanner) {
        const int h = placed->hazardFontHeight;
        z << "^FO" << layout.hazardX << "," << layout.hazardY << "^GB" << layout.hazardWidth << ","
          << layout.hazardHeight << "," << layout.hazardHeight << ",B,0^FS\n";
        z << "^FO" << layout.hazardX + 10 << "," << layout.hazardY + (layout.hazardHeight - h) / 2 << "^A0N,"
          << h << "," << h << "^FB" << layout.hazardWidth - 20 << ",1,0,C,0^FR^FH_^FD"
          << zplEscape(placed->hazardText) << "^FS\n";
    }
    // ^BX: module size, ECC 200, the encoder's own symbol size so that printer and preview agree.
    z << "^FO" << layout.barcodeX + layout.barcodeModule << "," << layout.barcodeY + layout.barcodeModule
      << "^BXN," << layout.barcodeModule << ",200," << placed->barcodeSize << "," << placed->barcodeSize
      << ",6,~,1^FD" << placed->barcodeData << "^FS\n";
    z << "^PQ1\n^XZ\n";
    return z.str();
}

// [SECTION] Preview -------------------------------------------------------------------------------

namespace {

// Draws one line of text: dark ink on a light label, or light ink on dark (`reverse`).
void drawText(cv::Mat& img, const Font& font, int heightDots, int x, int y, std::string_view text,
              bool reverse) {
    const float scale = font.scaleFor(heightDots);
    const int baseline = y + static_cast<int>(std::lround(static_cast<float>(font.ascent) * scale));
    const auto cps = codepoints(text);
    float pen = static_cast<float>(x);
    std::vector<unsigned char> glyph;
    for (size_t i = 0; i < cps.size(); ++i) {
        int advance = 0, bearing = 0;
        stbtt_GetCodepointHMetrics(&font.info, cps[i], &advance, &bearing);
        const float shift = pen - std::floor(pen);
        int x0 = 0, y0 = 0, x1 = 0, y1 = 0;
        stbtt_GetCodepointBitmapBoxSubpixel(&font.info, cps[i], scale, scale, shift, 0, &x0, &y0, &x1, &y1);
        const int w = x1 - x0, h = y1 - y0;
        if (w > 0 && h > 0) {
            glyph.assign(static_cast<size_t>(w * h), 0);
            stbtt_MakeCodepointBitmapSubpixel(&font.info, glyph.data(), w, h, w, scale, scale, shift, 0,
                                              cps[i]);
            const int gx = static_cast<int>(std::floor(pen)) + x0;
            const int gy = baseline + y0;
            for (int r = 0; r < h; ++r) {
                const int py = gy + r;
                if (py < 0 || py >= img.rows)
                    continue;
                auto* row = img.ptr<uint8_t>(py);
                for (int c = 0; c < w; ++c) {
                    const int px = gx + c;
                    if (px < 0 || px >= img.cols)
                        continue;
                    const uint8_t a = glyph[static_cast<size_t>(r * w + c)];
                    row[px] = reverse ? std::max<uint8_t>(row[px], a)
                                      : std::min<uint8_t>(row[px], static_cast<uint8_t>(255 - a));
                }
            }
        }
        pen += static_cast<float>(advance) * scale;
        if (i + 1 < cps.size())
            pen += static_cast<float>(stbtt_GetCodepointKernAdvance(&font.info, cps[i], cps[i + 1])) * scale;
    }
}

} // namespace

Result<cv::Mat> renderPreview(const LabelData& data, const LabelLayout& layout) {
    const auto placed = placeLabel(data, layout);
    if (!placed)
        return placed.error();
    const auto regular = loadFont(layout.fontPath);
    const auto bold = loadFont(layout.boldFontPath);
    if (!regular || !bold)
        return Result<cv::Mat>::fail("the label fonts could not be read", layout.fontPath);
    cv::Mat img(layout.heightDots, layout.widthDots, CV_8UC1, cv::Scalar(255));
    if (layout.borderDots > 0)
        cv::rectangle(img, cv::Rect(0, 0, layout.widthDots, layout.heightDots), cv::Scalar(0),
                      layout.borderDots * 2);
    for (const auto& line : placed->lines)
        drawText(img, line.bold ? **bold : **regular, line.fontHeight, line.x, line.y, line.text, false);
    if (placed->hazardBanner) {
        cv::rectangle(img, cv::Rect(layout.hazardX, layout.hazardY, layout.hazardWidth, layout.hazardHeight),
                      cv::Scalar(0), cv::FILLED);
        const int h = placed->hazardFontHeight;
        const float w = textWidth(**bold, h, placed->hazardText);
        const int x =
            layout.hazardX + 10 + static_cast<int>((static_cast<float>(layout.hazardWidth - 20) - w) / 2);
        drawText(img, **bold, h, x, layout.hazardY + (layout.hazardHeight - h) / 2, placed->hazardText, true);
    }
    const int m = layout.barcodeModule;
    const int bx = layout.barcodeX + m, by = layout.barcodeY + m; // one module of quiet zone, as in the ZPL
    for (int y = 0; y < placed->barcodeSize; ++y)
        for (int x = 0; x < placed->barcodeSize; ++x)
            if (placed->barcodeModules[static_cast<size_t>(y * placed->barcodeSize + x)])
                cv::rectangle(img, cv::Rect(bx + x * m, by + y * m, m, m), cv::Scalar(0), cv::FILLED);
    return img;
}

Result<std::vector<uint8_t>> renderPreviewPng(const LabelData& data, const LabelLayout& layout) {
    const auto img = renderPreview(data, layout);
    if (!img)
        return img.error();
    std::vector<uint8_t> png;
    if (!cv::imencode(".png", *img, png))
        return Result<std::vector<uint8_t>>::fail("the preview could not be encoded as PNG");
    return png;
}

} // namespace admix::workflow

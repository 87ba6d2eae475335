#include "station/workflow/formulary_drafts.hpp"

#include "formulas/text.hpp"
#include "station/store/formulary_repo.hpp"
#include "station/workflow/formulary_service.hpp"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <array>
#include <regex>
#include <sstream>

namespace admix::workflow {

using nlohmann::json;

const char* draftKindName(DraftKind kind) {
    return kind == DraftKind::Product ? "product" : "recipe";
}

const char* fieldTypeName(FieldType type) {
    switch (type) {
    case FieldType::Text:
        return "text";
    case FieldType::Number:
        return "number";
    case FieldType::Integer:
        return "integer";
    case FieldType::Boolean:
        return "boolean";
    case FieldType::Choice:
        return "choice";
    case FieldType::Lines:
        return "lines";
    }
    return "text";
}

std::vector<DraftField> editableFields(DraftKind kind) {
    using T = FieldType;
    if (kind == DraftKind::Product)
        return {
            {"display_name",
             "Name as shown (Tall Man lettering)",
             T::Text,
             {},
             "e.g. hydrALAZINE 20 mg/mL 1 mL vial",
             ""},
            {"drug", "Generic drug name", T::Text, {}, "lower case; recipes name their drug by it", ""},
            {"form", "Form", T::Choice, {"solution", "powder", "diluent"}, "", ""},
            {"amount", "Strength: drug per container", T::Number, {}, "powders (with amount unit)", ""},
            {"amount_unit", "Strength unit", T::Text, {}, "mg, g, units, mEq, ...", ""},
            {"concentration", "Concentration", T::Number, {}, "solutions (with concentration unit)", ""},
            {"concentration_unit", "Concentration unit", T::Text, {}, "mg/mL, units/mL, ...", ""},
            {"volume_ml",
             "Container volume (mL)",
             T::Number,
             {},
             "labelled fill, or after reconstitution",
             ""},
            {"overfill_ml", "Overfill (mL)", T::Number, {}, "bags", ""},
            {"package_size", "Package size (containers)", T::Integer, {}, "", ""},
            {"multiple_dose", "Multiple-dose container", T::Boolean, {}, "unticked: single-dose", ""},
            {"in_use_hours", "In-use limit after puncture (hours)", T::Integer, {}, "from the label", ""},
            {"ndc", "NDC", T::Text, {}, "with hyphens (4-4-2, 5-3-2, 5-4-1)", ""},
            {"gtin", "GTIN-14", T::Text, {}, "empty: derived from the NDC", ""},
            {"density_g_ml", "Density (g/mL)", T::Number, {}, "", ""},
            {"density_source", "Density source", T::Choice, {"label", "measured", "assumed"}, "", ""},
            {"hazard",
             "Hazardous (NIOSH group)",
             T::Choice,
             {"", "NIOSH group 1", "NIOSH group 2"},
             "empty: not hazardous",
             ""},
            {"schedule",
             "Controlled-substance schedule",
             T::Choice,
             {"none", "CII", "CIII", "CIV", "CV"},
             "",
             ""},
            {"storage", "Storage", T::Choice, {"room", "refrigerated", "frozen"}, "", ""},
            {"unit_cost", "Unit cost (per container)", T::Number, {}, "optional", ""},
        };
    return {
        {"name", "Name", T::Text, {}, "", ""},
        {"route", "Route", T::Text, {}, "", ""},
        {"csp_category", "CSP category", T::Integer, {}, "1, 2 or 3 (USP <797>)", ""},
        {"storage", "Storage", T::Choice, {"room", "refrigerated", "frozen"}, "", ""},
        {"pec", "Primary engineering control", T::Text, {}, "e.g. ISO 5 LAFW, Class II BSC", ""},
        {"hazardous_handling", "Hazardous handling", T::Text, {}, "empty for a non-hazardous recipe", ""},
        {"final_concentration_min", "Final concentration, lowest", T::Number, {}, "", ""},
        {"final_concentration_max", "Final concentration, highest", T::Number, {}, "", ""},
        {"final_concentration_unit", "Final concentration unit", T::Text, {}, "", ""},
        {"steps", "Steps (one a line)", T::Lines, {}, "", ""},
    };
}

namespace {

std::vector<std::string> splitLines(const std::string& text) {
    std::vector<std::string> lines;
    std::string line;
    std::istringstream in(text);
    while (std::getline(in, line))
        lines.push_back(line);
    return lines;
}

std::string joinLines(const std::vector<std::string>& lines) {
    std::string out;
    for (const auto& l : lines)
        out += l + "\n";
    return out;
}

std::string tomlQuoted(const std::string& s) {
    std::string out = "\"";
    for (const char c : s) {
        const auto u = static_cast<unsigned char>(c);
        switch (c) {
        case '"':
            out += "\\\"";
            break;
        case '\\':
            out += "\\\\";
            break;
        case '\n':
            out += "\\n";
            break;
        case '\t':
            out += "\\t";
            break;
        case '\r':
            out += "\\r";
            break;
        default:
            if (u < 0x20 || u == 0x7F) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04X", u);
                out += buf;
            } else {
                out += c;
            }
        }
    }
    return out + "\"";
}

// The TOML lines for one key. A number or boolean that does not read as one is written as text, so
// that the validator refuses it by name ("must be a number") instead of this file guessing.
std::vector<std::string> tomlLines(const DraftField& f, const std::string& value) {
    static const std::regex number(R"([+-]?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?)");
    const std::string v(formulas::trim(value));
    switch (f.type) {
    case FieldType::Number:
    case FieldType::Integer:
        return {f.key + " = " + (std::regex_match(v, number) ? v : tomlQuoted(v))};
    case FieldType::Boolean:
        return {f.key + " = " + (v == "true" || v == "false" ? v : tomlQuoted(v))};
    case FieldType::Lines: {
        std::vector<std::string> out{f.key + " = ["};
        for (const auto& line : splitLines(value))
            if (const std::string t(formulas::trim(line)); !t.empty())
                out.push_back("  " + tomlQuoted(t) + ",");
        out.push_back("]");
        return out;
    }
    case FieldType::Text:
    case FieldType::Choice:
        break;
    }
    return {f.key + " = " + tomlQuoted(v)};
}

const toml::array* itemsOf(const toml::table& doc, DraftKind kind) {
    const toml::node* n = doc.get(draftKindName(kind));
    return n ? n->as_array() : nullptr;
}

// The table of `id` (for a recipe: its latest version) and its position among the items.
const toml::table* findItem(const toml::table& doc, DraftKind kind, const std::string& id,
                            int* version = nullptr) {
    const toml::array* items = itemsOf(doc, kind);
    if (!items)
        return nullptr;
    const toml::table* found = nullptr;
    int best = -1;
    for (const auto& item : *items) {
        const toml::table* t = item.as_table();
        if (!t || t->get("id") == nullptr || t->get("id")->value<std::string>() != id)
            continue;
        const int v =
            kind == DraftKind::Recipe
                ? static_cast<int>(t->get("version") ? t->get("version")->value<int64_t>().value_or(1) : 1)
                : 0;
        if (v > best) {
            best = v;
            found = t;
        }
    }
    if (version)
        *version = best;
    return found;
}

std::string rawSlice(const std::vector<std::string>& lines, const toml::source_region& r) {
    if (r.begin.line == 0 || r.begin.line != r.end.line || r.begin.line > lines.size())
        return {};
    const std::string& line = lines[r.begin.line - 1];
    const size_t from = r.begin.column - 1;
    const size_t to = std::min(line.size(), static_cast<size_t>(r.end.column - 1));
    return from < to ? line.substr(from, to - from) : std::string();
}

std::string valueText(const toml::node& v, const std::vector<std::string>& lines) {
    if (const auto s = v.value_exact<std::string>())
        return *s;
    if (const auto b = v.value_exact<bool>())
        return *b ? "true" : "false";
    if (const toml::array* a = v.as_array()) {
        std::string out;
        for (const auto& e : *a)
            out += (out.empty() ? "" : "\n") + e.value<std::string>().value_or("");
        return out;
    }
    if (std::string raw = rawSlice(lines, v.source()); !raw.empty())
        return std::string(formulas::trim(raw));
    if (const auto d = v.value<double>()) {
        std::ostringstream o;
        o << *d;
        return o.str();
    }
    return {};
}

Error fieldError(const Error& e) {
    // "draft/products.toml:17:1: product[2].density_g_ml" -> the field "density_g_ml".
    std::string where = e.where;
    if (const auto colon = where.rfind(": "); colon != std::string::npos)
        where = where.substr(colon + 2);
    if (const auto dot = where.find('.'); dot != std::string::npos && where.find('[') < dot)
        where = where.substr(dot + 1);
    else if (where.find(".toml") != std::string::npos)
        where.clear();
    return Error{e.message + (e.where.empty() ? "" : " (at " + e.where + ")"), where};
}

json changesJson(const std::vector<formulas::FormularyChange>& changes) {
    json out = json::array();
    for (const auto& c : changes) {
        json fields = json::array();
        for (const auto& f : c.fields)
            fields.push_back({{"field", f.field}, {"before", f.before}, {"after", f.after}});
        out.push_back({{"change", formulas::changeKindName(c.kind)},
                       {"what", c.what},
                       {"id", c.id},
                       {"fields", fields}});
    }
    return out;
}

std::string draftSubject(int64_t id) {
    return "formulary-draft:" + std::to_string(id);
}

// The dose fields of a recipe's ingredients, edited as "ingredient[N].min_dose" (N from 1, as the
// validator names them).
constexpr std::array<std::pair<const char*, const char*>, 4> kDoseKeys{{
    {"default_dose", "default dose"},
    {"min_dose", "lowest dose"},
    {"max_dose", "highest dose"},
    {"round_to", "rounded to"},
}};
const DraftField kDoseField{"", "", FieldType::Number, {}, "", ""};

std::optional<std::pair<int, std::string>> parseIngredientKey(const std::string& key) {
    static const std::regex pattern(R"(ingredient\[([1-9][0-9]?)\]\.([a-z_]+))");
    std::smatch m;
    if (!std::regex_match(key, m, pattern))
        return std::nullopt;
    const std::string field = m[2];
    if (std::none_of(kDoseKeys.begin(), kDoseKeys.end(), [&](const auto& d) { return field == d.first; }))
        return std::nullopt;
    return std::pair{std::stoi(m[1]), field};
}

} // namespace

Result<std::string> editTomlItem(const std::string& toml, const std::string& fileName, DraftKind kind,
                                 const std::string& id, const std::map<std::string, std::string>& values,
                                 int* newRecipeVersion) {
    const auto fields = editableFields(kind);
    for (const auto& entry : values) {
        const std::string& key = entry.first; // named: clang's lambdas may not capture a structured binding
        if (std::none_of(fields.begin(), fields.end(), [&](const DraftField& f) { return f.key == key; }) &&
            !(kind == DraftKind::Recipe && parseIngredientKey(key)))
            return Result<std::string>::fail("is not a field that can be edited here", key);
    }
    toml::table doc;
    try {
        doc = toml::parse(toml, fileName);
    } catch (const toml::parse_error& e) {
        return Result<std::string>::fail("the stored file does not parse: " + std::string(e.description()),
                                         fileName);
    }
    std::string text = toml;
    std::map<std::string, std::string> edits = values;
    std::vector<DraftField> allFields = fields;
    if (kind == DraftKind::Recipe) {
        // A master formulation record is never edited in place: copy the latest version's block
        // (its [[recipe]] header up to the next one) to the end as the next version.
        int version = 0;
        const toml::table* t = findItem(doc, kind, id, &version);
        if (!t)
            return Result<std::string>::fail("no recipe '" + id + "' in the stored formulary", "id");
        const auto lines = splitLines(toml);
        const size_t start = t->source().begin.line; // 1-based header line
        size_t end = start;                          // exclusive, 1-based
        while (end < lines.size() && formulas::trim(lines[end]).rfind("[[recipe]]", 0) != 0)
            ++end;
        // Comments and blank lines just before the next header belong to the next recipe.
        while (end > start &&
               (formulas::trim(lines[end - 1]).empty() || formulas::trim(lines[end - 1]).rfind('#', 0) == 0))
            --end;
        std::vector<std::string> block(lines.begin() + static_cast<long>(start - 1),
                                       lines.begin() + static_cast<long>(end));
        text = joinLines(lines) + "\n" + joinLines(block);
        doc = toml::parse(text, fileName);
        edits["version"] = std::to_string(version + 1);
        allFields.push_back({"version", "Version", FieldType::Integer, {}, "", ""});
        if (newRecipeVersion)
            *newRecipeVersion = version + 1;
    }
    const toml::table* item = nullptr;
    if (kind == DraftKind::Product) {
        item = findItem(doc, kind, id);
        if (!item)
            return Result<std::string>::fail("no product '" + id + "' in the stored formulary", "id");
    } else {
        const toml::array* items = itemsOf(doc, kind);
        item = items && !items->empty() ? items->back().as_table() : nullptr;
        if (!item)
            return Result<std::string>::fail("the copied recipe could not be read back", "id");
    }
    std::vector<std::string> lines = splitLines(text);
    // Each edit goes to the product's or recipe's own table, or to one of the recipe's ingredients.
    std::map<const toml::table*, std::map<std::string, std::pair<std::string, const DraftField*>>> byTable;
    for (const auto& entry : edits) {
        const std::string& key = entry.first;
        const auto f = std::find_if(allFields.begin(), allFields.end(),
                                    [&](const DraftField& x) { return x.key == key; });
        if (f != allFields.end()) {
            byTable[item][key] = {entry.second, &*f};
            continue;
        }
        const auto ing = parseIngredientKey(key);
        const toml::array* list = item->get("ingredient") ? item->get("ingredient")->as_array() : nullptr;
        if (!ing || !list || static_cast<size_t>(ing->first) > list->size() ||
            !(*list)[static_cast<size_t>(ing->first - 1)].as_table())
            return Result<std::string>::fail("is not a field that can be edited here", key);
        byTable[(*list)[static_cast<size_t>(ing->first - 1)].as_table()][ing->second] = {entry.second,
                                                                                         &kDoseField};
    }
    // Replacements from the bottom up keep the line numbers above them valid; new keys go after the
    // last key of their table (before its sub-tables).
    struct Op {
        size_t first, count;
        std::vector<std::string> with;
    };
    std::vector<Op> ops;
    for (const auto& [table, tableEdits] : byTable) {
        struct Span {
            size_t first, last; // 1-based, inclusive
        };
        std::map<std::string, Span> spans;
        size_t lastLine = table->source().begin.line;
        for (const auto& [k, v] : *table) {
            if (v.is_table() || v.is_array_of_tables())
                continue;
            const Span span{k.source().begin.line, std::max(k.source().begin.line, v.source().end.line)};
            spans[std::string(k.str())] = span;
            lastLine = std::max(lastLine, span.last);
        }
        std::vector<std::string> added;
        for (const auto& [key, edit] : tableEdits) {
            DraftField f = *edit.second;
            f.key = key;
            const bool clear = formulas::trim(edit.first).empty();
            std::vector<std::string> with = clear ? std::vector<std::string>{} : tomlLines(f, edit.first);
            if (const auto it = spans.find(key); it != spans.end())
                ops.push_back({it->second.first, it->second.last - it->second.first + 1, std::move(with)});
            else
                added.insert(added.end(), with.begin(), with.end());
        }
        if (!added.empty())
            ops.push_back({lastLine + 1, 0, added});
    }
    std::sort(ops.begin(), ops.end(), [](const Op& a, const Op& b) { return a.first > b.first; });
    for (const auto& op : ops) {
        const auto at = lines.begin() + static_cast<long>(std::min(op.first - 1, lines.size()));
        const auto erased = lines.erase(at, at + static_cast<long>(op.count));
        lines.insert(erased, op.with.begin(), op.with.end());
    }
    return joinLines(lines);
}

Result<std::vector<DraftField>> currentFields(store::Database& db, DraftKind kind, const std::string& id) {
    const auto latest = store::FormularyRepo(db).latest();
    if (!latest)
        return Result<std::vector<DraftField>>::fail("no formulary is stored on this station");
    const std::string& text = kind == DraftKind::Product ? latest->productsToml : latest->recipesToml;
    toml::table doc;
    try {
        doc = toml::parse(text,
                          std::string_view(kind == DraftKind::Product ? "products.toml" : "recipes.toml"));
    } catch (const toml::parse_error& e) {
        return Result<std::vector<DraftField>>::fail("the stored formulary does not parse: " +
                                                     std::string(e.description()));
    }
    const toml::table* item = findItem(doc, kind, id);
    if (!item)
        return Result<std::vector<DraftField>>::fail(
            "no " + std::string(draftKindName(kind)) + " '" + id + "' in the stored formulary", "id");
    const auto lines = splitLines(text);
    auto fields = editableFields(kind);
    for (auto& f : fields)
        if (const toml::node* v = item->get(f.key))
            f.value = valueText(*v, lines);
    if (kind == DraftKind::Recipe) {
        const toml::array* list = item->get("ingredient") ? item->get("ingredient")->as_array() : nullptr;
        for (size_t i = 0; list && i < list->size(); ++i) {
            const toml::table* t = (*list)[i].as_table();
            if (!t)
                continue;
            const std::string drug = t->get("drug") ? t->get("drug")->value<std::string>().value_or("") : "";
            const std::string unit =
                t->get("dose_unit") ? t->get("dose_unit")->value<std::string>().value_or("") : "";
            for (const auto& [key, label] : kDoseKeys) {
                DraftField f{"ingredient[" + std::to_string(i + 1) + "]." + key,
                             "Ingredient " + std::to_string(i + 1) + " (" + drug + "): " + label,
                             FieldType::Number,
                             {},
                             unit.empty() ? "" : "in " + unit,
                             ""};
                if (const toml::node* v = t->get(key))
                    f.value = valueText(*v, lines);
                fields.push_back(std::move(f));
            }
        }
    }
    return fields;
}

Result<store::FormularyDraftRow> FormularyDrafts::save(DraftKind kind, const std::string& id,
                                                       const std::map<std::string, std::string>& values,
                                                       const User& by, TimePoint now) {
    using R = Result<store::FormularyDraftRow>;
    if (by.role != Role::Pharmacist)
        return R::fail("only a pharmacist edits the formulary; " + by.displayName + " is a " +
                       std::string(roleName(by.role)));
    const auto current = currentFields(m_db, kind, id);
    if (!current)
        return current.error();
    std::map<std::string, std::string> changed;
    for (const auto& entry : values) {
        const std::string& key = entry.first;
        const std::string& value = entry.second;
        const auto f =
            std::find_if(current->begin(), current->end(), [&](const DraftField& x) { return x.key == key; });
        if (f == current->end())
            return R::fail("is not a field that can be edited here", key);
        if (formulas::trim(value) != formulas::trim(f->value))
            changed[key] = value;
    }
    if (changed.empty())
        return R::fail("nothing changed: edit a field first");
    const auto latest = store::FormularyRepo(m_db).latest();
    FormularyFiles files{latest->productsToml, "draft/products.toml", latest->recipesToml,
                         "draft/recipes.toml"};
    int recipeVersion = 0;
    std::string& target = kind == DraftKind::Product ? files.productsToml : files.recipesToml;
    auto edited = editTomlItem(target, kind == DraftKind::Product ? files.productsName : files.recipesName,
                               kind, id, changed, &recipeVersion);
    if (!edited)
        return edited.error();
    target = *edited;
    // The validator of `admix formulary import`, on the whole formulary the draft would make.
    FormularyService service(m_db, m_audit);
    const auto preview = service.preview(files);
    if (!preview)
        return fieldError(preview.error());
    if (preview->changes.empty())
        return R::fail("nothing changed: the edit gives the formulary already stored");
    store::FormularyDraftRow row;
    row.kind = draftKindName(kind);
    row.itemId = id;
    row.itemVersion = recipeVersion;
    row.baseVersion = latest->version;
    row.productsToml = files.productsToml;
    row.recipesToml = files.recipesToml;
    json changes = changesJson(preview->changes);
    row.changesJson = json{{"changes", changes}, {"drafts", preview->drafts}}.dump();
    row.createdBy = by.username;
    row.createdUtc = formatIsoUtc(now);
    store::Transaction tx(m_db);
    row.id = store::FormularyDraftRepo(m_db).insert(row);
    m_audit.append(
        by.username, "formulary.draft", draftSubject(row.id),
        json{{"kind", row.kind}, {"id", id}, {"base_version", row.baseVersion}, {"changes", changes}}.dump(),
        now);
    tx.commit();
    return row;
}

std::vector<store::FormularyDraftRow> FormularyDrafts::list(const std::string& state) {
    return store::FormularyDraftRepo(m_db).list(state);
}

std::optional<store::FormularyDraftRow> FormularyDrafts::find(int64_t id) {
    return store::FormularyDraftRepo(m_db).find(id);
}

Result<int> FormularyDrafts::approve(int64_t draftId, const Signature& importSignature,
                                     const std::optional<Signature>& recipeSignature, TimePoint now) {
    store::FormularyDraftRepo repo(m_db);
    const auto draft = repo.find(draftId);
    if (!draft)
        return Result<int>::fail("no formulary draft " + std::to_string(draftId));
    if (draft->state != "open")
        return Result<int>::fail("formulary draft " + std::to_string(draftId) + " is " + draft->state +
                                 " already");
    const auto latest = store::FormularyRepo(m_db).latest();
    if (!latest || latest->version != draft->baseVersion)
        return Result<int>::fail("the stored formulary changed since this draft was made (from version " +
                                 std::to_string(draft->baseVersion) + "; now version " +
                                 std::to_string(latest ? latest->version : 0) +
                                 "): make the edit again on the current version");
    if (draft->kind == "recipe") {
        if (!recipeSignature)
            return Result<int>::fail(
                "a recipe draft needs the pharmacist's signature approving the new recipe version");
        if (recipeSignature->signer.username != importSignature.signer.username)
            return Result<int>::fail(
                "the recipe approval and the formulary version must be signed by the same pharmacist");
    }
    store::Transaction tx(m_db);
    FormularyService service(m_db, m_audit);
    const FormularyFiles files{draft->productsToml, "draft/products.toml", draft->recipesToml,
                               "draft/recipes.toml"};
    const auto version = service.import(files, importSignature, false, now);
    if (!version)
        return version.error();
    if (draft->kind == "recipe") {
        if (const Status ok = service.approveRecipe(draft->itemId, draft->itemVersion, *recipeSignature, now);
            !ok)
            return Result<int>::fail(ok.error().message);
    }
    if (!repo.decide(draftId, "approved", importSignature.signer.username, formatIsoUtc(now),
                     importSignature.auditId, *version, importSignature.meaning))
        return Result<int>::fail("formulary draft " + std::to_string(draftId) + " was decided meanwhile");
    m_audit.append(importSignature.signer.username, "formulary.draft.approved", draftSubject(draftId),
                   json{{"kind", draft->kind},
                        {"id", draft->itemId},
                        {"formulary_version", *version},
                        {"signature_audit_id", importSignature.auditId}}
                       .dump(),
                   now);
    tx.commit();
    return *version;
}

Status FormularyDrafts::discard(int64_t draftId, const User& by, const std::string& reason, TimePoint now) {
    if (by.role != Role::Pharmacist)
        return Status::fail("only a pharmacist discards a formulary draft");
    if (formulas::trim(reason).empty())
        return Status::fail("a discarded draft needs a reason");
    store::Transaction tx(m_db);
    if (!store::FormularyDraftRepo(m_db).decide(draftId, "discarded", by.username, formatIsoUtc(now),
                                                std::nullopt, std::nullopt, reason))
        return Status::fail("formulary draft " + std::to_string(draftId) + " is not open");
    m_audit.append(by.username, "formulary.draft.discarded", draftSubject(draftId),
                   json{{"reason", reason}}.dump(), now);
    tx.commit();
    return Status::success();
}

} // namespace admix::workflow

#include "station/workflow/formulary_service.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace admix::workflow {

using nlohmann::json;

namespace {

Result<formulas::Formulary> parseStored(const store::FormularyVersionRow& row) {
    const std::string v = "formulary v" + std::to_string(row.version) + "/";
    return formulas::loadFormulary(row.productsToml, v + "products.toml", row.recipesToml,
                                   v + "recipes.toml");
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

std::string versionKey(const formulas::Recipe& r) {
    return r.id + " v" + std::to_string(r.version);
}

// Product ids whose fields changed (or that were removed) between two formularies.
std::set<std::string> changedProducts(const std::vector<formulas::FormularyChange>& changes) {
    std::set<std::string> out;
    for (const auto& c : changes) {
        if (c.what == "product" && c.kind != formulas::FormularyChange::Kind::Added)
            out.insert(c.id);
    }
    return out;
}

bool usesAny(const formulas::Recipe& r, const std::set<std::string>& products) {
    for (const auto& ing : r.ingredients)
        for (const auto& p : ing.productIds)
            if (products.count(p))
                return true;
    return std::any_of(r.base.productIds.begin(), r.base.productIds.end(),
                       [&](const auto& p) { return products.count(p) > 0; });
}

} // namespace

std::string recipeSubject(const std::string& recipeId, int version) {
    return "recipe:" + recipeId + ":v" + std::to_string(version);
}

Status FormularyService::checkSignature(const Signature& sig, const std::string& action,
                                        const std::string& subject) {
    if (sig.signer.role != Role::Pharmacist)
        return Status::fail("needs a pharmacist's e-signature; " + sig.signer.displayName + " is a " +
                            std::string(roleName(sig.signer.role)));
    if (sig.action != action || sig.subject != subject)
        return Status::fail("the signature was given for " + sig.action + " on " + sig.subject + ", not " +
                            action + " on " + subject);
    for (const auto& row : m_audit.forSubject(subject)) {
        if (row.id != sig.auditId)
            continue;
        const json details = json::parse(row.details, nullptr, false);
        if (row.action == "esign" && row.actor == sig.signer.username && details.is_object() &&
            details.value("action", "") == action)
            return Status::success();
    }
    return Status::fail("no matching e-signature in the audit trail");
}

Result<FormularyPreview> FormularyService::preview(const FormularyFiles& files) {
    auto parsed =
        formulas::loadFormulary(files.productsToml, files.productsName, files.recipesToml, files.recipesName);
    if (!parsed)
        return parsed.error();
    FormularyPreview p{std::move(*parsed), {}, 0, {}};
    store::FormularyRepo repo(m_db);
    std::optional<formulas::Formulary> before;
    if (const auto latest = repo.latest()) {
        p.currentVersion = latest->version;
        auto old = parseStored(*latest);
        if (!old)
            return Error{"the stored formulary version " + std::to_string(latest->version) +
                             " cannot be read: " + old.error().text(),
                         ""};
        before = std::move(*old);
    }
    p.changes = formulas::diffFormularies(before ? &*before : nullptr, p.formulary);
    // A master formulation record is never edited in place: changed content is a new version.
    const auto& recipes = p.formulary.allRecipes();
    for (size_t i = 0; i < recipes.size(); ++i) {
        const auto& r = recipes[i];
        const formulas::Recipe* old = before ? before->recipe(r.id, r.version) : nullptr;
        if (old && formulas::recipeFields(*old) != formulas::recipeFields(r)) {
            const int next = before->recipe(r.id)->version + 1;
            return Error{"recipe '" + r.id + "' version " + std::to_string(r.version) +
                             " is stored with other content; an edit is a new version: write version = " +
                             std::to_string(next) +
                             " (the old version stays for the preparations made from it)",
                         r.sourceWhere + ": recipe[" + std::to_string(i + 1) + "].version"};
        }
    }
    const auto touched = changedProducts(p.changes);
    for (const auto& r : recipes) {
        const auto state = repo.recipeState(r.id, r.version);
        if (!state || state->state != "approved" || usesAny(r, touched))
            p.drafts.push_back(versionKey(r));
    }
    return p;
}

Result<int> FormularyService::import(const FormularyFiles& files, const Signature& signature,
                                     bool approveRecipes, TimePoint now) {
    if (auto ok = checkSignature(signature, kFormularyImportAction, "formulary"); !ok)
        return Error{"import refused: " + ok.error().message, ""};
    auto preview = this->preview(files);
    if (!preview)
        return preview.error();
    store::FormularyRepo repo(m_db);
    store::Transaction tx(m_db);
    const std::string at = formatIsoUtc(now);
    store::FormularyVersionRow row;
    row.productsToml = files.productsToml;
    row.recipesToml = files.recipesToml;
    row.sha256 = store::sha256Hex(files.productsToml + '\0' + files.recipesToml);
    row.changesJson = changesJson(preview->changes).dump();
    row.signedBy = signature.signer.username;
    row.signedUtc = at;
    row.signatureAuditId = signature.auditId;
    row.note = signature.meaning;
    const int version = repo.insertVersion(row);

    std::set<std::string> present;
    for (const auto& r : preview->formulary.allRecipes()) {
        present.insert(versionKey(r));
        const bool draft =
            std::find(preview->drafts.begin(), preview->drafts.end(), versionKey(r)) != preview->drafts.end();
        const auto old = repo.recipeState(r.id, r.version);
        std::string state = draft ? (approveRecipes ? "approved" : "draft") : "approved";
        if (old && old->state == state && !draft)
            continue; // unchanged and still approved
        repo.setRecipeState({r.id, r.version, state, signature.signer.username, at,
                             state == "approved" ? std::optional<int64_t>(signature.auditId) : std::nullopt,
                             version});
        m_audit.append(signature.signer.username, "recipe." + state, recipeSubject(r.id, r.version),
                       json{{"formulary_version", version}, {"signature_audit_id", signature.auditId}}.dump(),
                       now);
    }
    for (const auto& s : repo.recipeStates()) {
        if (s.state != "retired" && !present.count(s.recipeId + " v" + std::to_string(s.recipeVersion))) {
            repo.setRecipeState({s.recipeId, s.recipeVersion, "retired", signature.signer.username, at,
                                 signature.auditId, version});
            m_audit.append(
                signature.signer.username, "recipe.retired", recipeSubject(s.recipeId, s.recipeVersion),
                json{{"formulary_version", version}, {"reason", "left out of the imported formulary"}}.dump(),
                now);
        }
    }
    m_audit.append(signature.signer.username, "formulary.import", "formulary",
                   json{{"version", version},
                        {"sha256", row.sha256},
                        {"changes", preview->changes.size()},
                        {"approve_recipes", approveRecipes},
                        {"signature_audit_id", signature.auditId}}
                       .dump(),
                   now);
    tx.commit();
    return version;
}

Status FormularyService::setState(const std::string& recipeId, int version, const std::string& state,
                                  const Signature& signature, TimePoint now) {
    const std::string subject = recipeSubject(recipeId, version);
    const char* action = state == "approved" ? kRecipeApproveAction : kRecipeRetireAction;
    if (auto ok = checkSignature(signature, action, subject); !ok) {
        m_audit.append(signature.signer.username, std::string(action) + ".refused", subject,
                       json{{"reason", ok.error().message}}.dump(), now);
        return Status::fail(std::string(state == "approved" ? "approval" : "retirement") +
                            " refused: " + ok.error().message);
    }
    store::FormularyRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto old = repo.recipeState(recipeId, version);
    if (!old)
        return Status::fail("recipe '" + recipeId + "' version " + std::to_string(version) +
                            " is not in the stored formulary");
    if (old->state == state)
        return Status::fail("recipe '" + recipeId + "' version " + std::to_string(version) + " is already " +
                            state);
    if (old->state == "retired")
        return Status::fail("recipe '" + recipeId + "' version " + std::to_string(version) +
                            " is retired; import a formulary that has it to bring it back as a draft");
    const int current = repo.latest() ? repo.latest()->version : old->formularyVersion;
    repo.setRecipeState(
        {recipeId, version, state, signature.signer.username, formatIsoUtc(now), signature.auditId, current});
    m_audit.append(
        signature.signer.username, "recipe." + state, subject,
        json{{"from", old->state}, {"meaning", signature.meaning}, {"signature_audit_id", signature.auditId}}
            .dump(),
        now);
    tx.commit();
    return Status::success();
}

Status FormularyService::approveRecipe(const std::string& recipeId, int version, const Signature& signature,
                                       TimePoint now) {
    return setState(recipeId, version, "approved", signature, now);
}

Status FormularyService::retireRecipe(const std::string& recipeId, int version, const Signature& signature,
                                      TimePoint now) {
    return setState(recipeId, version, "retired", signature, now);
}

std::optional<store::FormularyVersionRow> FormularyService::latestFiles() {
    return store::FormularyRepo(m_db).latest();
}

Result<formulas::Formulary> FormularyService::current() {
    const auto latest = store::FormularyRepo(m_db).latest();
    if (!latest)
        return Error{"no formulary is stored on this station: import one with `admix formulary import DIR`",
                     ""};
    return parseStored(*latest);
}

Result<formulas::Formulary> FormularyService::approved() {
    auto f = current();
    if (!f)
        return f;
    store::FormularyRepo repo(m_db);
    std::set<std::string> ok;
    for (const auto& s : repo.recipeStates())
        if (s.state == "approved")
            ok.insert(s.recipeId + " v" + std::to_string(s.recipeVersion));
    f->retainRecipes([&](const formulas::Recipe& r) { return ok.count(versionKey(r)) > 0; });
    if (f->allRecipes().empty())
        return Error{"no recipe of the stored formulary is approved: a pharmacist approves one with "
                     "`admix formulary approve RECIPE --pharmacist USER`",
                     ""};
    return f;
}

std::optional<std::string> FormularyService::recipeState(const std::string& recipeId, int version) {
    const auto s = store::FormularyRepo(m_db).recipeState(recipeId, version);
    if (!s)
        return std::nullopt;
    return s->state;
}

} // namespace admix::workflow

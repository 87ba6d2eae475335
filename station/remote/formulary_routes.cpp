// The formulary page's routes: pharmacists and technicians see the stored formulary (products and
// recipes with search, one item's fields, the history of versions, recipe states and drafts); only
// pharmacists make a draft of one product or recipe, sign it in as a new version, discard it, or
// approve a draft recipe version, each signed by re-entering the password. Every rule is the
// workflow's (FormularyDrafts, FormularyService, Authenticator::sign); this file gathers input and
// shapes JSON.
#include "station/remote/routes.hpp"

#include "formulas/text.hpp"
#include "station/store/formulary_repo.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/formulary_drafts.hpp"
#include "station/workflow/formulary_service.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace admix::remote::detail {

namespace {

using workflow::DraftKind;

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

bool matches(const std::string& needle, std::initializer_list<std::string_view> hay) {
    if (needle.empty())
        return true;
    return std::any_of(hay.begin(), hay.end(),
                       [&](std::string_view h) { return lower(h).find(needle) != std::string::npos; });
}

// A product or recipe id as the formulary writes them: [A-Za-z0-9_.-]{1,64}.
bool validItemId(const std::string& id) {
    return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
}

json draftJson(const store::FormularyDraftRow& d) {
    const json stored = json::parse(d.changesJson, nullptr, false);
    return json{{"id", d.id},
                {"kind", d.kind},
                {"item", d.itemId},
                {"item_version", d.itemVersion},
                {"base_version", d.baseVersion},
                {"changes", stored.is_object() ? stored.value("changes", json::array()) : json::array()},
                {"back_to_draft", stored.is_object() ? stored.value("drafts", json::array()) : json::array()},
                {"created_by", d.createdBy},
                {"created_at", d.createdUtc},
                {"state", d.state},
                {"decided_by", d.decidedBy},
                {"decided_at", d.decidedUtc},
                {"result_version", d.resultVersion ? json(*d.resultVersion) : json(nullptr)},
                {"note", d.note}};
}

json fieldsJson(const std::vector<workflow::DraftField>& fields) {
    json out = json::array();
    for (const auto& f : fields)
        out.push_back(json{{"key", f.key},
                           {"label", f.label},
                           {"type", workflow::fieldTypeName(f.type)},
                           {"choices", f.choices},
                           {"help", f.help},
                           {"value", f.value}});
    return out;
}

void overview(Call& call) {
    std::string q;
    if (call.req.has_param("q")) {
        q = call.req.get_param_value("q");
        if (q.size() > 100) {
            replyError(call.res, 400, "parameter 'q' is longer than 100 characters");
            return;
        }
        q = lower(formulas::trim(q));
    }
    workflow::FormularyService service(call.db, call.audit);
    store::FormularyRepo repo(call.db);
    const auto latest = service.latestFiles();
    json out{{"may_edit", call.session->user.role == workflow::Role::Pharmacist},
             {"version", nullptr},
             {"problem", ""},
             {"products", json::array()},
             {"recipes", json::array()},
             {"drafts", json::array()}};
    if (!latest) {
        out["problem"] =
            "no formulary is stored on this station: import one with `admix formulary import DIR`";
        reply(call.res, 200, out);
        return;
    }
    out["version"] =
        json{{"number", latest->version}, {"signed_by", latest->signedBy}, {"signed_at", latest->signedUtc}};
    const auto formulary = service.current();
    if (!formulary) {
        out["problem"] = "the stored formulary cannot be read: " + formulary.error().text();
        reply(call.res, 200, out);
        return;
    }
    for (const auto& p : formulary->products()) {
        if (!matches(q, {p.id, p.displayName, p.drug, p.ndc, p.gtin}))
            continue;
        out["products"].push_back(json{{"id", p.id},
                                       {"name", p.displayName},
                                       {"drug", p.drug},
                                       {"ndc", p.ndc},
                                       {"gtin", p.gtin},
                                       {"strength", p.strengthText()},
                                       {"package_size", p.packageSize},
                                       {"multiple_dose", p.multipleDose},
                                       {"storage", formulas::storageName(p.storage)},
                                       {"hazard", p.hazard},
                                       {"schedule", p.schedule}});
    }
    for (const auto& r : formulary->allRecipes()) {
        if (!matches(q, {r.id, r.name}))
            continue;
        const auto state = repo.recipeState(r.id, r.version);
        out["recipes"].push_back(json{{"id", r.id},
                                      {"version", r.version},
                                      {"name", r.name},
                                      {"route", r.route},
                                      {"state", state ? state->state : "not stored"},
                                      {"changed_by", state ? state->changedBy : ""},
                                      {"changed_at", state ? state->changedUtc : ""}});
    }
    for (const auto& d : workflow::FormularyDrafts(call.db, call.audit).list("open"))
        out["drafts"].push_back(draftJson(d));
    reply(call.res, 200, out);
}

void item(Call& call, DraftKind kind) {
    const std::string id = call.req.matches[1];
    if (!validItemId(id)) {
        replyError(call.res, 400, "not a product or recipe id");
        return;
    }
    const auto fields = workflow::currentFields(call.db, kind, id);
    if (!fields) {
        replyError(call.res, 404, fields.error().text());
        return;
    }
    json out{{"kind", workflow::draftKindName(kind)},
             {"id", id},
             {"fields", fieldsJson(*fields)},
             {"may_edit", call.session->user.role == workflow::Role::Pharmacist}};
    workflow::FormularyService service(call.db, call.audit);
    const auto formulary = service.current();
    if (kind == DraftKind::Product && formulary) {
        if (const auto* p = formulary->product(id))
            out["facts"] = json{{"gtin", p->gtin}, {"strength", p->strengthText()}};
        json usedBy = json::array();
        for (const auto& r : formulary->allRecipes()) {
            bool uses =
                std::find(r.base.productIds.begin(), r.base.productIds.end(), id) != r.base.productIds.end();
            for (const auto& ing : r.ingredients)
                uses = uses ||
                       std::find(ing.productIds.begin(), ing.productIds.end(), id) != ing.productIds.end();
            if (uses)
                usedBy.push_back(r.id + " v" + std::to_string(r.version));
        }
        out["used_by"] = usedBy;
    }
    if (kind == DraftKind::Recipe) {
        json history = json::array();
        for (const auto& h : store::FormularyRepo(call.db).recipeHistory(id))
            history.push_back(json{{"version", h.recipeVersion},
                                   {"state", h.state},
                                   {"by", h.changedBy},
                                   {"at", h.changedUtc},
                                   {"formulary_version", h.formularyVersion}});
        out["history"] = history;
    }
    reply(call.res, 200, out);
}

void history(Call& call) {
    store::FormularyRepo repo(call.db);
    json versions = json::array();
    for (const auto& v : repo.versions())
        versions.push_back(json{{"version", v.version},
                                {"signed_by", v.signedBy},
                                {"signed_at", v.signedUtc},
                                {"note", v.note},
                                {"changes", json::parse(v.changesJson, nullptr, false)}});
    json recipes = json::array();
    std::vector<std::string> ids;
    for (const auto& s : repo.recipeStates())
        if (std::find(ids.begin(), ids.end(), s.recipeId) == ids.end())
            ids.push_back(s.recipeId);
    for (const auto& id : ids)
        for (const auto& h : repo.recipeHistory(id))
            recipes.push_back(json{{"recipe", h.recipeId},
                                   {"version", h.recipeVersion},
                                   {"state", h.state},
                                   {"by", h.changedBy},
                                   {"at", h.changedUtc},
                                   {"formulary_version", h.formularyVersion}});
    std::sort(recipes.begin(), recipes.end(), [](const json& a, const json& b) { return a["at"] > b["at"]; });
    json drafts = json::array();
    for (const auto& d : workflow::FormularyDrafts(call.db, call.audit).list(""))
        drafts.push_back(draftJson(d));
    reply(call.res, 200, json{{"versions", versions}, {"recipe_states", recipes}, {"drafts", drafts}});
}

void saveDraft(Call& call) {
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto kindText = stringField(call, *body, "kind", 10, true);
    if (!kindText)
        return;
    if (*kindText != "product" && *kindText != "recipe") {
        replyError(call.res, 400, "field 'kind' must be 'product' or 'recipe'");
        return;
    }
    const auto id = stringField(call, *body, "id", 64, true);
    if (!id)
        return;
    const auto fieldsIt = body->find("fields");
    if (fieldsIt == body->end() || !fieldsIt->is_object() || fieldsIt->empty()) {
        replyError(call.res, 400, "missing field 'fields' (the edited fields, by key)");
        return;
    }
    std::map<std::string, std::string> values;
    for (const auto& [key, value] : fieldsIt->items()) {
        if (key.size() > 40) {
            reply(call.res, 400, json{{"error", "unknown field"}, {"field", key.substr(0, 40)}});
            return;
        }
        if (value.is_boolean()) {
            values[key] = value.get<bool>() ? "true" : "false";
            continue;
        }
        if (!value.is_string()) {
            reply(call.res, 400, json{{"error", key + ": must be sent as text"}, {"field", key}});
            return;
        }
        const auto text = stringField(call, *fieldsIt, key.c_str(), 4000, false, key == "steps");
        if (!text)
            return;
        values[key] = *text;
    }
    const DraftKind kind = *kindText == "product" ? DraftKind::Product : DraftKind::Recipe;
    workflow::FormularyDrafts drafts(call.db, call.audit);
    const auto saved = drafts.save(kind, *id, values, call.session->user, call.now);
    if (!saved) {
        // The validator's own words, naming the field; nothing was stored.
        reply(
            call.res, 400,
            json{{"error", saved.error().text() + " (nothing was stored)"}, {"field", saved.error().where}});
        return;
    }
    reply(call.res, 200, json{{"draft", draftJson(*saved)}});
}

std::optional<int64_t> draftIdFromPath(Call& call) {
    const std::string text = call.req.matches[1];
    if (text.empty() || text.size() > 12 || !std::all_of(text.begin(), text.end(), ::isdigit)) {
        replyError(call.res, 400, "not a draft number");
        return std::nullopt;
    }
    return std::stoll(text);
}

void approveDraft(Call& call) {
    const auto draftId = draftIdFromPath(call);
    if (!draftId)
        return;
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto password = stringField(call, *body, "password", 256, true);
    if (!password)
        return;
    const auto comment = stringField(call, *body, "comment", 500, false, true);
    if (!comment)
        return;
    workflow::FormularyDrafts drafts(call.db, call.audit);
    const auto draft = drafts.find(*draftId);
    if (!draft) {
        replyError(call.res, 404, "no formulary draft " + std::to_string(*draftId));
        return;
    }
    if (draft->state != "open") {
        replyError(call.res, 409,
                   "formulary draft " + std::to_string(*draftId) + " is " + draft->state + " already");
        return;
    }
    const std::string meaning = std::string(workflow::kDraftApproveMeaning) + " " + std::to_string(*draftId) +
                                " (" + draft->kind + " " + draft->itemId + ")" +
                                (comment->empty() ? "" : "; " + *comment);
    // The e-signature: the signed-in pharmacist re-enters the password; a wrong one counts toward the
    // lockout.
    workflow::Authenticator auth(call.db, call.audit);
    auth.setClientAddress(call.address);
    auto importSig = auth.sign(call.user(), *password, workflow::Role::Pharmacist,
                               workflow::kFormularyImportAction, "formulary", meaning, call.now);
    if (!importSig) {
        replyError(call.res, 403, "e-signature refused: " + importSig.error().text());
        return;
    }
    std::optional<workflow::Signature> recipeSig;
    if (draft->kind == "recipe") {
        auto sig =
            auth.sign(call.user(), *password, workflow::Role::Pharmacist, workflow::kRecipeApproveAction,
                      workflow::recipeSubject(draft->itemId, draft->itemVersion), meaning, call.now);
        if (!sig) {
            replyError(call.res, 403, "e-signature refused: " + sig.error().text());
            return;
        }
        recipeSig = *sig;
    }
    const auto version = drafts.approve(*draftId, *importSig, recipeSig, call.now);
    if (!version) {
        auditRow(call, call.user(), "formulary.draft.refused", "formulary-draft:" + std::to_string(*draftId),
                 json{{"reason", version.error().text()}, {"address", call.address}});
        replyError(call.res, 409, version.error().text());
        return;
    }
    reply(call.res, 200,
          json{{"draft", *draftId},
               {"formulary_version", *version},
               {"signed_at", importSig->atUtc},
               {"recipe_approved", draft->kind == "recipe"
                                       ? json(draft->itemId + " v" + std::to_string(draft->itemVersion))
                                       : json(nullptr)}});
}

void discardDraft(Call& call) {
    const auto draftId = draftIdFromPath(call);
    if (!draftId)
        return;
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto reason = stringField(call, *body, "reason", 500, true, true);
    if (!reason)
        return;
    if (const Status done = workflow::FormularyDrafts(call.db, call.audit)
                                .discard(*draftId, call.session->user, *reason, call.now);
        !done) {
        replyError(call.res, 409, done.error().text());
        return;
    }
    reply(call.res, 200, json{{"draft", *draftId}, {"state", "discarded"}});
}

void approveRecipe(Call& call) {
    const std::string id = call.req.matches[1];
    const std::string versionText = call.req.matches[2];
    if (!validItemId(id) || versionText.empty() || versionText.size() > 6) {
        replyError(call.res, 400, "not a recipe id and version");
        return;
    }
    const int version = std::stoi(versionText);
    auto body = jsonBody(call);
    if (!body)
        return;
    const auto password = stringField(call, *body, "password", 256, true);
    if (!password)
        return;
    const auto comment = stringField(call, *body, "comment", 500, false, true);
    if (!comment)
        return;
    workflow::FormularyService service(call.db, call.audit);
    if (!service.recipeState(id, version)) {
        replyError(call.res, 404,
                   "recipe '" + id + "' version " + std::to_string(version) +
                       " is not in the stored formulary");
        return;
    }
    workflow::Authenticator auth(call.db, call.audit);
    auth.setClientAddress(call.address);
    auto sig = auth.sign(call.user(), *password, workflow::Role::Pharmacist, workflow::kRecipeApproveAction,
                         workflow::recipeSubject(id, version),
                         "approve" + (comment->empty() ? "" : ": " + *comment), call.now);
    if (!sig) {
        replyError(call.res, 403, "e-signature refused: " + sig.error().text());
        return;
    }
    if (const Status done = service.approveRecipe(id, version, *sig, call.now); !done) {
        replyError(call.res, 409, done.error().text());
        return;
    }
    reply(call.res, 200,
          json{{"recipe", id}, {"version", version}, {"state", "approved"}, {"signed_at", sig->atUtc}});
}

} // namespace

void registerFormularyRoutes(const RouteSink& sink) {
    sink.get("/api/v1/formulary", Access::Staff, overview);
    sink.get("/api/v1/formulary/history", Access::Staff, history);
    sink.get(R"(/api/v1/formulary/products/([^/]{1,80}))", Access::Staff,
             [](Call& c) { item(c, DraftKind::Product); });
    sink.get(R"(/api/v1/formulary/recipes/([^/]{1,80}))", Access::Staff,
             [](Call& c) { item(c, DraftKind::Recipe); });
    sink.post("/api/v1/formulary/drafts", Access::Pharmacist, saveDraft);
    sink.post(R"(/api/v1/formulary/drafts/([0-9]{1,12})/approve)", Access::Pharmacist, approveDraft);
    sink.post(R"(/api/v1/formulary/drafts/([0-9]{1,12})/discard)", Access::Pharmacist, discardDraft);
    sink.post(R"(/api/v1/formulary/recipes/([^/]{1,80})/([0-9]{1,6})/approve)", Access::Pharmacist,
              approveRecipe);
}

} // namespace admix::remote::detail

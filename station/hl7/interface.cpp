#include "station/hl7/interface.hpp"

#include "formulas/ndc.hpp"
#include "formulas/text.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/order_holds.hpp"
#include "station/store/prep_repo.hpp"
#include "station/store/settings_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/plan_steps.hpp"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <set>

namespace admix::hl7 {

using nlohmann::json;

struct Hl7Interface::Effect {
    AckCode code = AckCode::Accept;
    std::optional<Problem> problem;
    std::string state = "accepted";
    std::string reason;
    std::string placer;
    std::optional<int64_t> orderId;
};

namespace {

Problem problemAt(const Segment* s, int field, std::string code, std::string reason) {
    Problem p;
    p.segment = s ? s->id : std::string();
    p.sequence = s ? s->sequence : 1;
    p.field = field;
    p.code = std::move(code);
    p.reason = std::move(reason);
    return p;
}

workflow::User interfaceUser(const Message& m) {
    const std::string app = m.value(*m.find("MSH"), 3, 1);
    workflow::User u;
    u.username = "hl7:" + (app.empty() ? std::string("pharmacy") : app);
    u.displayName = "pharmacy system " + (app.empty() ? std::string("(unnamed)") : app);
    // RDE/ORM orders come verified by a pharmacist in the pharmacy system.
    u.role = workflow::Role::Pharmacist;
    return u;
}

std::string number(double v) {
    std::string s = std::to_string(v);
    s.erase(s.find_last_not_of('0') + 1);
    if (!s.empty() && s.back() == '.')
        s.pop_back();
    return s;
}

int ageYears(Date birth, TimePoint now) {
    const Date today{std::chrono::floor<std::chrono::days>(now)};
    int age = static_cast<int>(today.year()) - static_cast<int>(birth.year());
    if (today.month() < birth.month() || (today.month() == birth.month() && today.day() < birth.day()))
        --age;
    return age;
}

} // namespace

Hl7Interface::Hl7Interface(store::Database& db, store::AuditLog& audit, const formulas::Formulary& formulary,
                           const formulas::FormulasPolicy& policy)
    : m_db(db), m_audit(audit), m_formulary(formulary), m_policy(policy) {}

// [SECTION] Codes and maps ------------------------------------------------------------------------

std::vector<std::string> Hl7Interface::codeCandidates(std::string_view code) {
    const std::string trimmed(formulas::trim(code));
    bool ndcLike = !trimmed.empty();
    size_t digits = 0;
    for (char c : trimmed) {
        ndcLike = ndcLike && ((c >= '0' && c <= '9') || c == '-');
        digits += (c >= '0' && c <= '9') ? 1 : 0;
    }
    if (ndcLike && (digits == 10 || digits == 11)) {
        if (const auto ndc = formulas::parseNdc(trimmed)) {
            std::vector<std::string> out;
            for (const auto& c : ndc->candidates) {
                std::string d;
                for (char ch : c.ndc11())
                    if (ch != '-')
                        d += ch;
                if (!d.empty())
                    out.push_back(d);
            }
            if (!out.empty())
                return out;
        }
    }
    return {trimmed};
}

Status Hl7Interface::addMap(const std::string& kind, const std::string& code, const std::string& baseCode,
                            const std::string& recipeId, const workflow::User& by, TimePoint now) {
    if (kind != "give" && kind != "additive")
        return Status::fail("must be give or additive", "map kind");
    if (formulas::trim(code).empty())
        return Status::fail("must not be empty", "code");
    if (kind == "give" && !formulas::trim(baseCode).empty())
        return Status::fail("a give-code map takes no base code", "base code");
    if (!m_formulary.recipe(recipeId))
        return Status::fail("no recipe '" + recipeId + "' in the formulary", "recipe");
    const auto codes = codeCandidates(code);
    if (codes.size() != 1)
        return Status::fail("'" + code + "' is an NDC that can be read " + std::to_string(codes.size()) +
                                " ways; write it with dashes or as its 11 digits",
                            "code");
    std::string base;
    if (!formulas::trim(baseCode).empty()) {
        const auto bases = codeCandidates(baseCode);
        if (bases.size() != 1)
            return Status::fail("'" + baseCode +
                                    "' is an ambiguous NDC; write it with dashes or as its 11 digits",
                                "base code");
        base = bases.front();
    }
    store::Transaction tx(m_db);
    store::Hl7Repo(m_db).addMap(
        store::Hl7MapRow{0, kind, codes.front(), base, recipeId, by.username, formatIsoUtc(now)});
    m_audit.append(by.username, "hl7.map.add", recipeId,
                   json{{"kind", kind}, {"code", codes.front()}, {"base_code", base}}.dump(), now);
    tx.commit();
    return Status::success();
}

Status Hl7Interface::removeMap(const std::string& kind, const std::string& code, const std::string& baseCode,
                               const workflow::User& by, TimePoint now) {
    const auto codes = codeCandidates(code);
    const std::string base =
        formulas::trim(baseCode).empty() ? std::string() : codeCandidates(baseCode).front();
    store::Transaction tx(m_db);
    bool removed = false;
    for (const auto& c : codes)
        removed = store::Hl7Repo(m_db).removeMap(kind, c, base) || removed;
    if (!removed)
        return Status::fail("no " + kind + " map for '" + code + "'" +
                            (base.empty() ? "" : " with base '" + baseCode + "'"));
    m_audit.append(by.username, "hl7.map.remove", code, json{{"kind", kind}, {"base_code", base}}.dump(),
                   now);
    tx.commit();
    return Status::success();
}

int Hl7Interface::seedDemoMaps(TimePoint now) {
    store::Hl7Repo repo(m_db);
    const std::string at = formatIsoUtc(now);
    auto digits11 = [](const formulas::Product* p) -> std::string {
        const auto c = codeCandidates(p->ndc);
        return c.size() == 1 ? c.front() : std::string();
    };
    // How many recipes use each additive product first: the base-less map only where it is one.
    std::map<std::string, std::set<std::string>> additiveRecipes;
    for (const auto& id : m_formulary.recipeIds()) {
        const formulas::Recipe* r = m_formulary.recipe(id);
        if (!r->ingredients.empty())
            for (const auto& pid : r->ingredients.front().productIds)
                if (const auto* p = m_formulary.product(pid); p && !digits11(p).empty())
                    additiveRecipes[digits11(p)].insert(id);
    }
    store::Transaction tx(m_db);
    int added = 0;
    for (const auto& id : m_formulary.recipeIds()) {
        const formulas::Recipe* r = m_formulary.recipe(id);
        repo.addMap(store::Hl7MapRow{0, "give", id, "", id, "demo", at});
        ++added;
        if (r->ingredients.empty())
            continue;
        for (const auto& pid : r->ingredients.front().productIds) {
            const auto* p = m_formulary.product(pid);
            if (!p || digits11(p).empty())
                continue;
            const std::string additive = digits11(p);
            for (const auto& bid : r->base.productIds)
                if (const auto* b = m_formulary.product(bid); b && !digits11(b).empty()) {
                    repo.addMap(store::Hl7MapRow{0, "additive", additive, digits11(b), id, "demo", at});
                    ++added;
                }
            if (additiveRecipes[additive].size() == 1) {
                repo.addMap(store::Hl7MapRow{0, "additive", additive, "", id, "demo", at});
                ++added;
            }
        }
    }
    m_audit.append("demo", "hl7.map.seed", "demo formulary", json{{"maps", added}}.dump(), now);
    tx.commit();
    return added;
}

Status Hl7Interface::setWasteNotice(bool enabled, const workflow::User& by, TimePoint now) {
    if (by.role != workflow::Role::Pharmacist && by.role != workflow::Role::Admin)
        return Status::fail("only a pharmacist or an administrator may change it", "waste notice");
    store::Transaction tx(m_db);
    const bool was = wasteNoticeEnabled();
    store::SettingsRepo(m_db).set("hl7.waste_notice", enabled ? "1" : "0", by.username, formatIsoUtc(now));
    m_audit.append(by.username, "setting.change", "hl7.waste_notice",
                   json{{"old", was}, {"new", enabled}}.dump(), now);
    tx.commit();
    return Status::success();
}

bool Hl7Interface::wasteNoticeEnabled() {
    return store::SettingsRepo(m_db).get("hl7.waste_notice").value_or("0") == "1";
}

// [SECTION] Receiving -----------------------------------------------------------------------------

Handled Hl7Interface::handle(std::string_view bytes, TimePoint now) {
    if (m_beforeMessage)
        m_beforeMessage();
    const auto header = readHeader(bytes);
    const std::string sender = header ? header->sender() : std::string();
    const std::string controlId = header ? header->controlId : std::string();
    store::Hl7Repo repo(m_db);
    store::Transaction tx(m_db);
    if (!controlId.empty()) {
        if (const auto seen = repo.inboxByControlId(sender, controlId)) {
            tx.commit();
            const auto ack = parseMessage(seen->ack);
            Handled h{seen->ack, AckCode::Accept, seen->state, seen->reason, true, seen->orderId};
            if (ack && ack->find("MSA")) {
                const std::string code = ack->value(*ack->find("MSA"), 1);
                h.code = code == "AA" ? AckCode::Accept : code == "AE" ? AckCode::Error : AckCode::Reject;
            }
            return h;
        }
    }
    const auto parsed = parseMessage(bytes);
    Effect e;
    if (!parsed) {
        e.code = AckCode::Reject;
        e.problem = parsed.problem();
        e.state = "refused";
        e.reason = parsed.problem().text();
    } else {
        // The effect is a savepoint of its own: a refusal halfway leaves nothing of it.
        store::Transaction effect(m_db);
        e = process(*parsed, now);
        if (e.code == AckCode::Accept)
            effect.commit();
    }
    const std::string ackId = "ADMIX" + std::to_string(repo.inboxCount() + 1);
    const std::string ack =
        buildAck(parsed ? std::optional<Header>(parsed->header()) : header, e.code, e.problem, ackId, now);
    store::Hl7InboxRow row;
    row.receivedUtc = formatIsoUtc(now);
    row.sender = sender;
    if (!controlId.empty())
        row.controlId = controlId;
    row.messageType =
        header ? header->messageType + (header->triggerEvent.empty() ? "" : "^" + header->triggerEvent) : "";
    row.state = e.state;
    row.reason = e.reason;
    row.placer = e.placer;
    row.orderId = e.orderId;
    row.raw = std::string(bytes);
    row.ack = ack;
    repo.insertInbox(row);
    m_audit.append(
        "hl7:" + (header
                      ? std::string(
                            formulas::split(header->sendingApplication, header->delimiters.component).front())
                      : std::string("unknown")),
        "hl7.receive", controlId.empty() ? "(no control id)" : controlId,
        json{{"type", row.messageType},
             {"state", e.state},
             {"ack", ackCodeName(e.code)},
             {"reason", e.reason},
             {"placer", e.placer}}
            .dump(),
        now);
    tx.commit();
    return Handled{ack, e.code, e.state, e.reason, false, e.orderId};
}

Handled Hl7Interface::reject(std::string_view bytes, const std::string& reason, TimePoint now) {
    const auto header = readHeader(bytes);
    Problem p;
    p.code = "100";
    p.reason = reason;
    store::Hl7Repo repo(m_db);
    store::Transaction tx(m_db);
    const std::string ack =
        buildAck(header, AckCode::Reject, p, "ADMIX" + std::to_string(repo.inboxCount() + 1), now);
    store::Hl7InboxRow row;
    row.receivedUtc = formatIsoUtc(now);
    row.sender = header ? header->sender() : std::string();
    // A broken frame is not a message: it keeps no control id, so the sender's whole resend is read.
    row.messageType = header ? header->messageType : "";
    row.state = "refused";
    row.reason = reason;
    row.raw = std::string(bytes);
    row.ack = ack;
    repo.insertInbox(row);
    m_audit.append("hl7", "hl7.receive", header ? header->controlId : "(no control id)",
                   json{{"state", "refused"}, {"ack", "AR"}, {"reason", reason}}.dump(), now);
    tx.commit();
    return Handled{ack, AckCode::Reject, "refused", reason, false, std::nullopt};
}

// [SECTION] Effects -------------------------------------------------------------------------------

Hl7Interface::Effect Hl7Interface::process(const Message& m, TimePoint now) {
    const auto read = readPharmacyOrders(m);
    if (const auto* bad = std::get_if<OrderProblem>(&read)) {
        Effect e;
        e.code = bad->code;
        e.state = "refused";
        e.problem = bad->problem;
        if (const int orders = m.count("ORC"); orders > 1 && bad->code == AckCode::Error)
            e.problem->reason += "; none of the message's " + std::to_string(orders) + " orders was taken";
        e.reason = e.problem->text();
        return e;
    }
    // Several orders in one message: all or none. The first refused (or held) order is the message's
    // answer, and the caller rolls back what the orders before it did.
    const auto& groups = std::get<std::vector<OrderGroup>>(read);
    Effect all;
    for (const auto& group : groups) {
        Effect e = processOrder(group.message, group.order, now);
        if (e.code != AckCode::Accept) {
            if (groups.size() > 1)
                e.reason = "order " + group.order.placer + " (ORC(" +
                           std::to_string(group.message.find("ORC")->sequence) + ")): " + e.reason +
                           "; none of the message's " + std::to_string(groups.size()) + " orders was taken";
            e.placer = all.placer.empty() ? e.placer : all.placer + ", " + e.placer;
            return e;
        }
        all.placer += (all.placer.empty() ? "" : ", ") + e.placer;
        all.reason += (all.reason.empty() ? "" : "; ") + e.reason;
        if (!all.orderId)
            all.orderId = e.orderId;
    }
    return all;
}

std::string Hl7Interface::mappedRecipe(const PharmacyOrder& o) {
    store::Hl7Repo repo(m_db);
    std::string recipeId;
    if (!o.giveCode.empty() && o.components.empty()) {
        for (const auto& c : codeCandidates(o.giveCode))
            if (const auto map = repo.findMap("give", c, "")) {
                recipeId = map->recipeId;
                break;
            }
    }
    if (recipeId.empty() && !o.components.empty()) {
        const MixtureComponent* additive = o.firstAdditive();
        const MixtureComponent* base = o.baseComponent();
        if (additive) {
            std::vector<std::string> bases;
            if (base)
                bases = codeCandidates(base->code);
            bases.push_back("");
            for (const auto& a : codeCandidates(additive->code)) {
                for (const auto& b : bases)
                    if (const auto map = repo.findMap("additive", a, b)) {
                        recipeId = map->recipeId;
                        break;
                    }
                if (!recipeId.empty())
                    break;
            }
        }
        if (recipeId.empty() && !o.giveCode.empty())
            for (const auto& c : codeCandidates(o.giveCode))
                if (const auto map = repo.findMap("give", c, "")) {
                    recipeId = map->recipeId;
                    break;
                }
    }
    return recipeId;
}

Hl7Interface::Effect Hl7Interface::processOrder(const Message& m, const PharmacyOrder& o, TimePoint now) {
    Effect e;
    auto refuse = [&e](AckCode code, Problem p) {
        e.code = code;
        e.state = "refused";
        e.reason = p.text();
        e.problem = std::move(p);
        return e;
    };
    e.placer = o.placer;
    const Segment* orc = m.find("ORC");
    store::Hl7Repo repo(m_db);
    store::PrepRepo prepRepo(m_db);
    workflow::PreparationEngine engine(m_db, m_audit, "hl7");
    const workflow::User by = interfaceUser(m);
    const auto link = repo.link(o.placer);
    const auto current = link ? prepRepo.order(link->orderId) : std::nullopt;

    if (o.control == "DC" || o.control == "CA") {
        if (!current)
            return refuse(AckCode::Error, problemAt(orc, 2, "204",
                                                    "cancel of an unknown order: placer number " + o.placer +
                                                        " was never received"));
        e.orderId = current->id;
        const std::string what = o.control == "DC" ? "DISCONTINUED" : "CANCELLED";
        if (current->status == "open") {
            if (const Status s = engine.cancelOrder(current->id, by,
                                                    "pharmacy system: " + what + " (ORC-1 " + o.control +
                                                        ", message " + m.header().controlId + ")",
                                                    now);
                !s)
                return refuse(AckCode::Error, problemAt(orc, 1, "207", s.error().text()));
            e.reason = "order " + current->orderNumber + " removed from the queue";
        } else if (current->status == "in_progress" || current->status == "awaiting_check") {
            store::OrderHolds(m_db).put(store::OrderHold{current->id, "discontinued",
                                                         what + " by the pharmacy system (order " + o.placer +
                                                             ", " + formatIsoUtc(now) + ").",
                                                         formatIsoUtc(now)});
            m_audit.append(by.username, "order.stop", current->orderNumber,
                           json{{"kind", "discontinued"}, {"control", o.control}}.dump(), now);
            e.reason =
                "order " + current->orderNumber + " is " + current->status + ": its preparation is stopped";
        } else {
            e.reason = "order " + current->orderNumber + " was " + current->status + " already";
        }
        return e;
    }

    // NW and XO: the recipe first.
    const std::string recipeId = mappedRecipe(o);
    if (recipeId.empty()) {
        const Segment* where = nullptr;
        int field = 2;
        std::string reason;
        if (const MixtureComponent* additive = o.firstAdditive()) {
            for (int i = 0; const Segment* s = m.find("RXC", i); ++i)
                if (m.value(*s, 1) == "A") {
                    where = s;
                    break;
                }
            const MixtureComponent* base = o.baseComponent();
            reason = "no recipe is mapped to additive " + additive->code +
                     (base ? " with base " + base->code : "") +
                     (o.giveCode.empty() ? "" : " or give code " + o.giveCode);
        } else {
            where = m.find("RXE") ? m.find("RXE") : m.find("RXO");
            field = m.find("RXE") ? 2 : 1;
            reason = "no recipe is mapped to give code " + o.giveCode;
        }
        reason += "; held until a pharmacist maps it (admix hl7 map add)";
        refuse(AckCode::Error, problemAt(where, field, "103", reason));
        e.state = "held";
        return e;
    }
    if (!m_formulary.recipe(recipeId))
        return refuse(AckCode::Error,
                      problemAt(m.find("RXE"), 2, "103",
                                "the map names recipe " + recipeId +
                                    ", which is not approved in this site's formulary (draft, retired or "
                                    "not imported)"));

    if (o.control == "NW") {
        if (current && current->status != "cancelled")
            return refuse(AckCode::Error,
                          problemAt(orc, 2, "205",
                                    "order " + o.placer + " exists already (" + current->orderNumber + ", " +
                                        current->status + "); a change is sent as XO"));
        return addNew(m, o, recipeId, now);
    }
    // XO
    if (!current)
        return refuse(AckCode::Error, problemAt(orc, 2, "204",
                                                "change of an unknown order: placer number " + o.placer +
                                                    " was never received"));
    if (current->status == "released" || current->status == "cancelled")
        return refuse(AckCode::Error, problemAt(orc, 1, "207",
                                                "order " + current->orderNumber + " is " + current->status +
                                                    " and cannot be changed"));
    Effect added = addNew(m, o, recipeId, now);
    if (added.code != AckCode::Accept)
        return added;
    // What changed, in words for the technician and the pharmacist.
    const store::OrderRow old = *current;
    const auto fresh = prepRepo.order(*added.orderId);
    std::string change;
    auto note = [&change](const std::string& what, const std::string& from, const std::string& to) {
        if (from != to)
            change += (change.empty() ? "" : "; ") + what + " " + from + " -> " + to;
    };
    note("recipe", old.recipeId, fresh->recipeId);
    note("dose", old.doseJson, fresh->doseJson);
    note("route", old.route, fresh->route);
    note("priority", old.priority, fresh->priority);
    note("patient", old.patientJson, fresh->patientJson);
    if (change.empty())
        change = "details";
    if (old.status == "open") {
        if (const Status s = engine.cancelOrder(
                old.id, by, "replaced by the pharmacy system's change (" + change + ")", now);
            !s)
            return refuse(AckCode::Error, problemAt(orc, 1, "207", s.error().text()));
        added.reason = "order " + old.orderNumber + " replaced by " + fresh->orderNumber + ": " + change;
    } else {
        store::OrderHolds(m_db).put(store::OrderHold{old.id, "changed",
                                                     "CHANGED by the pharmacy system: " + change +
                                                         ". The new order is " + fresh->orderNumber + ".",
                                                     formatIsoUtc(now)});
        m_audit.append(
            by.username, "order.stop", old.orderNumber,
            json{{"kind", "changed"}, {"change", change}, {"new_order", fresh->orderNumber}}.dump(), now);
        added.reason = "order " + old.orderNumber + " (" + old.status + ") stopped; " + fresh->orderNumber +
                       " queued: " + change;
    }
    return added;
}

Hl7Interface::Effect Hl7Interface::addNew(const Message& m, const PharmacyOrder& o,
                                          const std::string& recipeId, TimePoint now) {
    Effect e;
    e.placer = o.placer;
    const formulas::Recipe* recipe = m_formulary.recipe(recipeId);
    workflow::OrderInput in;
    in.patientName = o.patientName;
    in.patientMrn = o.mrn;
    json patient = json::object();
    if (o.weightKg)
        patient["weight_kg"] = std::round(*o.weightKg * 1000.0) / 1000.0;
    if (o.heightCm)
        patient["height_cm"] = std::round(*o.heightCm * 10.0) / 10.0;
    if (o.scrMgDl)
        patient["scr_mg_dl"] = std::round(*o.scrMgDl * 100.0) / 100.0;
    if (o.birthDate) {
        patient["age_years"] = ageYears(*o.birthDate, now);
        patient["birth_date"] = formatDate(*o.birthDate);
    }
    if (!o.sex.empty())
        patient["sex"] = o.sex;
    if (!o.location.empty())
        patient["location"] = o.location;
    in.patient = patient;
    in.recipeId = recipeId;
    // The dose: the additive's amount for an IV mixture, else the give amount.
    const MixtureComponent* additive = o.firstAdditive();
    if (additive && additive->amount)
        in.dose = json{{"value", *additive->amount}, {"unit", additive->units}};
    else if (o.giveAmount)
        in.dose = json{{"value", *o.giveAmount}, {"unit", o.giveUnits}};
    in.route = o.route.empty() ? recipe->route : o.route;
    in.priority = o.priority;
    in.due = o.start.value_or(now);
    in.prescriber = o.prescriber;
    std::string comments;
    for (const auto& n : o.notes)
        comments += (comments.empty() ? "" : "\n") + n;
    if (o.rate)
        comments +=
            (comments.empty() ? "" : "\n") + std::string("Rate: ") + number(*o.rate) + " " + o.rateUnits;
    in.comment = comments;

    // The plan must hold before the order is accepted: a dose it cannot make is refused now, with why.
    store::OrderRow trial;
    trial.orderNumber = o.placer;
    trial.recipeId = recipeId;
    trial.route = in.route;
    trial.patientJson = patient.dump();
    trial.doseJson = in.dose.dump();
    const auto plan = workflow::planForOrder(trial, m_formulary, m_policy);
    const Segment* rxe = m.find("RXE") ? m.find("RXE") : m.find("RXO");
    auto refuse = [&e](Problem p) {
        e.code = AckCode::Error;
        e.state = "refused";
        e.reason = p.text();
        e.problem = std::move(p);
        return e;
    };
    if (!plan)
        return refuse(
            problemAt(rxe, 0, "207",
                      "the order cannot be planned with recipe " + recipeId + ": " + plan.error().text()));
    if (const auto spec = workflow::specFromPlan(*plan, m_formulary); !spec)
        return refuse(
            problemAt(rxe, 0, "207", "the plan for recipe " + recipeId + " blocks: " + spec.error().text()));

    workflow::PreparationEngine engine(m_db, m_audit, "hl7");
    const auto id = engine.addOrder(in, interfaceUser(m), now);
    if (!id)
        return refuse(problemAt(rxe, 0, "207", "the order was refused: " + id.error().text()));
    store::Hl7OrderLink link;
    link.placer = o.placer;
    link.filler = o.filler;
    link.sender = m.header().sender();
    link.orderId = *id;
    link.giveCode = o.giveCode;
    link.rxe = o.rxe;
    link.version = m.header().version;
    link.detailsJson = json{{"control_id", m.header().controlId}, {"give_text", o.giveText}}.dump();
    link.updatedUtc = formatIsoUtc(now);
    store::Hl7Repo(m_db).putLink(link);
    e.orderId = *id;
    const auto row = store::PrepRepo(m_db).order(*id);
    e.reason = "order " + (row ? row->orderNumber : std::to_string(*id)) + " queued (" + recipeId + ")";
    return e;
}

// [SECTION] Held messages -------------------------------------------------------------------------

int Hl7Interface::retryHeld(TimePoint now) {
    store::Hl7Repo repo(m_db);
    int entered = 0;
    for (const auto& row : repo.inbox("held")) {
        const auto parsed = parseMessage(row.raw);
        if (!parsed)
            continue;
        store::Transaction tx(m_db);
        Effect e;
        {
            store::Transaction effect(m_db);
            e = process(*parsed, now);
            if (e.code == AckCode::Accept)
                effect.commit();
        }
        if (e.state == "held")
            continue; // still not mapped; the transaction rolls back
        repo.resolveInbox(row.id, e.state, e.reason, e.orderId, formatIsoUtc(now));
        m_audit.append("hl7", "hl7.held.resolve", row.controlId.value_or("(no control id)"),
                       json{{"state", e.state}, {"reason", e.reason}}.dump(), now);
        tx.commit();
        entered += e.code == AckCode::Accept ? 1 : 0;
    }
    return entered;
}

} // namespace admix::hl7

#include "station/hl7/service.hpp"

#include "station/hl7/interface.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/demo_mark.hpp"
#include "station/store/hl7_repo.hpp"
#include "station/store/schema.hpp"
#include "station/workflow/site_policy.hpp"
#include "station/workflow/site_setup.hpp"

#include <chrono>
#include <iostream>

namespace admix::hl7 {

struct Hl7Service::State {
    store::Database db;
    store::AuditLog audit;
    formulas::Formulary formulary;
    formulas::FormulasPolicy policy;
    Hl7Interface interface;
    Listener listener;

    workflow::StationFormularyFollower follower; // a real site: reads `formulary` again when it changes
    std::chrono::steady_clock::time_point policyReadAt;

    State(store::Database database, formulas::Formulary f, formulas::FormulasPolicy p,
          const ListenerConfig& lc)
        : db(std::move(database)), audit(db), formulary(std::move(f)), policy(std::move(p)),
          interface(db, audit, formulary, policy), listener(lc, interface) {}

    // A real site's orders are mapped and planned against the formulary and policy stored now: read
    // again before a message when a version was imported or a recipe version approved or retired
    // since (an order for a retired recipe is refused, not queued), the policy at most a second old
    // (as the station reads it every two seconds). Runs under the listener's handle lock, so no
    // message is mapped while they change.
    void followSite() {
        if (const auto now = std::chrono::steady_clock::now();
            now - policyReadAt >= std::chrono::seconds(1)) {
            policy = workflow::SitePolicyService(db, audit).formulasPolicy();
            policyReadAt = now;
        }
        auto read = follower.readIfChanged(db, audit);
        if (!read)
            return;
        auto& site = *read;
        formulary = site ? std::move(site->formulary) : formulas::Formulary{};
        std::cerr << "hl7: formulary read again: "
                  << (site ? "version " + std::to_string(site->version) + ", " +
                                 std::to_string(formulary.recipeIds().size()) + " approved recipe version(s)"
                           : site.error().text() + "; orders are held")
                  << '\n';
    }
};

Result<MappingFormulary> mappingFormulary(store::Database& db, store::AuditLog& audit, bool demo) {
    MappingFormulary out;
    // A demo database (seeded by `serve --demo`) has no formulary of its own: the demo one is its.
    out.demo = demo || store::isDemoDatabase(db);
    if (out.demo) {
        auto f = formulas::loadDemoFormulary();
        auto p = formulas::loadDefaultFormulasPolicy();
        if (!f)
            return Result<MappingFormulary>::fail(f.error().text(), "demo formulary");
        if (!p)
            return Result<MappingFormulary>::fail(p.error().text(), "formulas policy");
        out.formulary = std::move(*f);
        out.policy = std::move(*p);
        return out;
    }
    // The follower's first read always reads; the listener's service keeps the follower.
    if (auto site = *out.follower.readIfChanged(db, audit)) {
        out.formulary = std::move(site->formulary);
        out.policy = std::move(site->policy);
        return out;
    } else {
        out.note = "no approved formulary on this station (" + site.error().text() +
                   "): orders are held until one is imported and their codes are mapped";
    }
    auto p = formulas::loadDefaultFormulasPolicy();
    if (!p)
        return Result<MappingFormulary>::fail(p.error().text(), "formulas policy");
    out.policy = std::move(*p);
    return out;
}

Hl7Service::Hl7Service(ServiceConfig config) : m_config(std::move(config)) {}

Hl7Service::~Hl7Service() {
    stop();
}

Status Hl7Service::start() {
    if (m_state)
        return Status::fail("the HL7 service is running already");
    if (const Status s = Outbox::checkTls(m_config.outbox); !s)
        return Status::fail(s.error().text(), "outbound TLS");
    store::Database db = store::openStationDatabase(m_config.databasePath);
    store::AuditLog audit(db);
    auto mapping = mappingFormulary(db, audit, m_config.demo);
    if (!mapping)
        return mapping.error();
    if (!mapping->note.empty())
        std::cerr << "hl7: " << mapping->note << '\n';
    const bool demo = mapping->demo;
    auto state = std::make_unique<State>(std::move(db), std::move(mapping->formulary),
                                         std::move(mapping->policy), m_config.listener);
    if (!demo) {
        state->follower = std::move(mapping->follower);
        State* follow = state.get();
        state->interface.setBeforeMessage([follow] { follow->followSite(); });
    }
    if (demo && store::Hl7Repo(state->db).maps().empty())
        m_demoMapsAdded = state->interface.seedDemoMaps();
    if (const Status s = state->listener.start(); !s)
        return s;
    m_state = std::move(state);
    m_stop = false;
    if (sendsDispenses()) {
        m_outboxThread = std::thread([this] {
            try {
                store::Database odb = store::openStationDatabase(m_config.databasePath);
                Outbox outbox(odb, m_config.outbox);
                outbox.run(m_stop, m_config.outboxPollMs);
            } catch (const std::exception& e) {
                std::cerr << "hl7 outbox stopped: " << e.what() << '\n';
            }
        });
    }
    return Status::success();
}

void Hl7Service::stop() {
    m_stop = true;
    if (m_state)
        m_state->listener.stop();
    if (m_outboxThread.joinable())
        m_outboxThread.join();
    m_state.reset();
}

int Hl7Service::port() const {
    return m_state ? m_state->listener.port() : 0;
}

size_t Hl7Service::recipes() const {
    return m_state ? m_state->formulary.recipeIds().size() : 0;
}

std::string Hl7Service::describe() const {
    const ListenerConfig& lc = m_config.listener;
    const bool v6 = lc.address.find(':') != std::string::npos;
    std::string text = "hl7 listening on " + (v6 ? "[" + lc.address + "]" : lc.address) + ":" +
                       std::to_string(port()) + (lc.tlsCert.empty() ? "" : " (TLS)");
    if (sendsDispenses())
        text += "; dispenses to " + m_config.outbox.host + ":" + std::to_string(m_config.outbox.port) +
                (m_config.outbox.tls ? " (TLS)" : "");
    return text;
}

} // namespace admix::hl7

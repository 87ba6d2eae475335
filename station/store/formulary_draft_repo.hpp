// Persistence of formulary drafts: one product or recipe edited (on the web), kept as the whole
// formulary it would make (both TOML files) with the changes it shows, until a pharmacist signs it
// in as a new formulary version (workflow/formulary_drafts.hpp) or discards it. A draft's content is
// never rewritten and it is decided once (the schema's triggers enforce both). Not thread-safe: one
// repository per connection. Storage failures throw StoreError.
#pragma once

#include "station/store/database.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::store {

struct FormularyDraftRow {
    int64_t id = 0;
    std::string kind; // product | recipe
    std::string itemId;
    int itemVersion = 0; // recipe: the version the draft makes; product: 0
    int baseVersion = 0; // the formulary version it was made from
    std::string productsToml;
    std::string recipesToml;
    std::string changesJson = "[]";
    std::string createdBy;
    std::string createdUtc;
    std::string state = "open"; // open | approved | discarded
    std::string decidedBy;
    std::string decidedUtc;
    std::optional<int64_t> signatureAuditId;
    std::optional<int> resultVersion; // the formulary version it became
    std::string note;
};

class FormularyDraftRepo {
public:
    explicit FormularyDraftRepo(Database& db) : m_db(db) {}

    int64_t insert(const FormularyDraftRow& row);
    [[nodiscard]] std::optional<FormularyDraftRow> find(int64_t id);
    // Newest first; `state` empty: every draft.
    [[nodiscard]] std::vector<FormularyDraftRow> list(const std::string& state, int limit = 200);
    // Records the decision (state approved or discarded) of an open draft; false when it was not open.
    bool decide(int64_t id, const std::string& state, const std::string& by, const std::string& atUtc,
                std::optional<int64_t> signatureAuditId, std::optional<int> resultVersion,
                const std::string& note);

private:
    Database& m_db;
};

} // namespace admix::store

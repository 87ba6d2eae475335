// The pharmacy interface's rules: a received message is stored raw in the inbox in the same
// transaction as its effect on the queue (order added, replaced, stopped or cancelled through the
// workflow engine), before its ACK is handed back; a resend of the same control id from the same
// sender gets the stored ACK and changes nothing; an order whose recipe is not mapped is held until
// a pharmacist maps it. Maps (give code, or additive + base code -> recipe) are site data.
//
// Not thread-safe: one Hl7Interface per Database connection, called from one thread at a time (the
// listener serialises its connections onto it). Expected refusals are ACKs (AE/AR) or Status values;
// storage failures throw store::StoreError and leave nothing written (the caller sends no ACK, so the
// sender resends).
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "station/hl7/ack.hpp"
#include "station/hl7/message.hpp"
#include "station/hl7/order_message.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"
#include "station/workflow/auth.hpp"

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::hl7 {

struct Handled {
    std::string ack; // the ACK message (segments ended by CR), to be framed and sent
    AckCode code = AckCode::Accept;
    std::string state; // accepted, refused, held
    std::string reason;
    bool duplicate = false; // a resend: answered from the inbox, nothing changed
    std::optional<int64_t> orderId;
};

class Hl7Interface {
public:
    Hl7Interface(store::Database& db, store::AuditLog& audit, const formulas::Formulary& formulary,
                 const formulas::FormulasPolicy& policy);

    // Called at the start of every handle(), on the caller's thread: the service of a real site reads
    // the formulary and policy that this interface's references point at again there when the stored
    // ones changed (a recipe approved or retired while the listener runs). It may throw StoreError.
    void setBeforeMessage(std::function<void()> hook) { m_beforeMessage = std::move(hook); }
    // One received message (the bytes inside the MLLP frame).
    [[nodiscard]] Handled handle(std::string_view bytes, TimePoint now = nowUtc());
    // Answers a frame that could not be read whole (interrupted, oversize): AR, stored like any other.
    [[nodiscard]] Handled reject(std::string_view bytes, const std::string& reason, TimePoint now = nowUtc());

    // Maps. `code` and `baseCode` are normalised (an NDC in any form -> its 11 digits). Refused when
    // the recipe is not in the formulary or a 10-digit NDC without dashes is ambiguous.
    Status addMap(const std::string& kind, const std::string& code, const std::string& baseCode,
                  const std::string& recipeId, const workflow::User& by, TimePoint now = nowUtc());
    Status removeMap(const std::string& kind, const std::string& code, const std::string& baseCode,
                     const workflow::User& by, TimePoint now = nowUtc());
    // The demo formulary's maps: RXE-2 = recipe id; RXC additive = the NDC of a product of the
    // recipe's first ingredient (with each base bag's NDC, and alone where that is unambiguous).
    int seedDemoMaps(TimePoint now = nowUtc());

    // Site choice: a rejection with waste that closes an HL7 order queues a notice to the pharmacy
    // system (station setting hl7.waste_notice, audited with the old and new value).
    Status setWasteNotice(bool enabled, const workflow::User& by, TimePoint now = nowUtc());
    [[nodiscard]] bool wasteNoticeEnabled();

    // Held messages read again: those now mapped enter the queue. Returns how many entered.
    int retryHeld(TimePoint now = nowUtc());

    // Candidate normalised forms of a code as a message writes it (several for an NDC without dashes).
    [[nodiscard]] static std::vector<std::string> codeCandidates(std::string_view code);

    // The recipe an order's codes are mapped to; "" when none is.
    [[nodiscard]] std::string mappedRecipe(const PharmacyOrder& order);

private:
    struct Effect;
    // Every order group of a message, all or none.
    Effect process(const Message& m, TimePoint now);
    Effect processOrder(const Message& m, const PharmacyOrder& o, TimePoint now);
    Effect addNew(const Message& m, const PharmacyOrder& o, const std::string& recipeId, TimePoint now);

    store::Database& m_db;
    store::AuditLog& m_audit;
    const formulas::Formulary& m_formulary;
    const formulas::FormulasPolicy& m_policy;
    std::function<void()> m_beforeMessage;
};

} // namespace admix::hl7

// Excursions and their corrective-action record (investigation, organism identified to genus when
// required, remediation, a passing re-sample), closed only by the QA role with an e-signature. The
// e-signature comes from a SignatureAuthority: for now the CLI attests the signer's name and reason;
// the workflow binds it to re-authentication later. Plain values, thread-safe; closeability checked
// by a pure function that lists every missing piece.
#pragma once

#include "formulas/result.hpp"
#include "formulas/time.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace admix::usp797 {

// A signature applied to a record: who, what it means ("close excursion 12"), why, when, and how the
// signer was authenticated ("attested" until re-authentication is wired).
struct ESignature {
    std::string signer;
    std::string meaning;
    std::string reason;
    TimePoint at;
    std::string method;
};

// Produces signatures. Implementations must verify that `user` is who they say (re-entering a
// password, a badge and PIN) before returning one; they return an Error when not. Not thread-safe
// unless an implementation says so.
class SignatureAuthority {
public:
    virtual ~SignatureAuthority() = default;
    [[nodiscard]] virtual Result<ESignature> sign(const std::string& user, const std::string& meaning,
                                                  const std::string& reason, TimePoint at) = 0;
};

// Records the user's name and reason as given, with method "attested (no re-authentication)". For the
// headless CLI and tests until the workflow supplies re-authentication; refuses an empty user or reason.
class AttestedSignatureAuthority final : public SignatureAuthority {
public:
    [[nodiscard]] Result<ESignature> sign(const std::string& user, const std::string& meaning,
                                          const std::string& reason, TimePoint at) override;
};

struct CorrectiveAction {
    int64_t id = 0;
    int64_t sampleId = 0;
    std::string room;
    std::string kind;    // monitoring kind of the excursion
    std::string summary; // the evaluation message
    TimePoint sampledAt; // when the excursion sample was taken
    TimePoint opened;    // when the record was opened (the result was entered)
    bool microbial = false;
    bool genusRequired = false;
    bool blocksRoom = true; // from policy em.excursion_blocks_room.<kind> when opened
    std::optional<std::string> investigation;
    std::optional<std::string> genus;
    std::optional<std::string> remediation;
    std::optional<int64_t> resampleId;
    bool resamplePassed = false; // filled by the store from the re-sample's evaluation
    std::optional<ESignature> closure;

    [[nodiscard]] bool open() const { return !closure.has_value(); }
};

// Every piece still missing before QA may close the record (empty: ready).
[[nodiscard]] std::vector<std::string> missingForClosure(const CorrectiveAction& action);

} // namespace admix::usp797

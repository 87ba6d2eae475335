#include "usp797/excursion.hpp"

#include "formulas/text.hpp"

namespace admix::usp797 {

Result<ESignature> AttestedSignatureAuthority::sign(const std::string& user, const std::string& meaning,
                                                    const std::string& reason, TimePoint at) {
    if (formulas::trim(user).empty())
        return Result<ESignature>::fail("a signature needs the signer", "user");
    if (formulas::trim(reason).empty())
        return Result<ESignature>::fail("a signature needs a reason or statement", "reason");
    return ESignature{user, meaning, reason, at, "attested (no re-authentication)"};
}

std::vector<std::string> missingForClosure(const CorrectiveAction& a) {
    std::vector<std::string> missing;
    const auto blank = [](const std::optional<std::string>& s) {
        return !s || formulas::trim(*s).empty();
    };
    if (blank(a.investigation))
        missing.push_back("investigation");
    if (a.genusRequired && blank(a.genus))
        missing.push_back("genus identification");
    if (blank(a.remediation))
        missing.push_back("remediation");
    if (!a.resampleId)
        missing.push_back("re-sample");
    else if (!a.resamplePassed)
        missing.push_back("a passing re-sample (the linked one is itself an excursion)");
    return missing;
}

} // namespace admix::usp797

#include "usp797/iso_class.hpp"

#include "formulas/text.hpp"

#include <string>

namespace admix::usp797 {

std::string_view isoClassName(IsoClass iso) {
    switch (iso) {
    case IsoClass::Iso5:
        return "ISO 5";
    case IsoClass::Iso7:
        return "ISO 7";
    case IsoClass::Iso8:
        return "ISO 8";
    case IsoClass::Unclassified:
        return "unclassified";
    }
    return "unknown";
}

Result<IsoClass> parseIsoClass(std::string_view text) {
    std::string key = formulas::toLower(formulas::trim(text));
    std::erase(key, ' ');
    if (key.starts_with("iso"))
        key.erase(0, 3);
    if (key == "5")
        return IsoClass::Iso5;
    if (key == "7")
        return IsoClass::Iso7;
    if (key == "8")
        return IsoClass::Iso8;
    if (key == "unclassified" || key == "scca")
        return IsoClass::Unclassified;
    return Result<IsoClass>::fail("'" + std::string(text) +
                                  "' is not an ISO class; use ISO 5, ISO 7, ISO 8 or unclassified");
}

} // namespace admix::usp797

#include "station/workflow/roles.hpp"

#include "formulas/text.hpp"

#include <string>

namespace admix::workflow {

std::string_view roleName(Role role) {
    switch (role) {
    case Role::Technician:
        return "technician";
    case Role::Pharmacist:
        return "pharmacist";
    case Role::Quality:
        return "quality";
    case Role::Admin:
        return "admin";
    }
    return "unknown";
}

Result<Role> parseRole(std::string_view text) {
    for (Role role : {Role::Technician, Role::Pharmacist, Role::Quality, Role::Admin}) {
        if (formulas::iequals(formulas::trim(text), roleName(role)))
            return role;
    }
    return Result<Role>::fail("'" + std::string(text) +
                              "' is not a role; use technician, pharmacist, quality or admin");
}

} // namespace admix::workflow

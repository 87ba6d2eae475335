// The roles people hold at the station and what each may do. Pure values, thread-safe.
#pragma once

#include "formulas/result.hpp"

#include <string_view>

namespace admix::workflow {

enum class Role { Technician, Pharmacist, Quality, Admin };

[[nodiscard]] std::string_view roleName(Role role);
[[nodiscard]] Result<Role> parseRole(std::string_view text);

// Only a pharmacist may release or reject a preparation, or override a gate.
[[nodiscard]] constexpr bool mayCheckPreparations(Role role) {
    return role == Role::Pharmacist;
}
// Only quality staff may change site policy limits and close excursions.
[[nodiscard]] constexpr bool mayEditSitePolicy(Role role) {
    return role == Role::Quality;
}
// Pharmacists (and the administrator) enter orders by hand: the CLI, the web page, the station's form.
[[nodiscard]] constexpr bool mayEnterOrders(Role role) {
    return role == Role::Pharmacist || role == Role::Admin;
}
// Technicians and pharmacists compound.
[[nodiscard]] constexpr bool mayCompound(Role role) {
    return role == Role::Technician || role == Role::Pharmacist;
}

} // namespace admix::workflow

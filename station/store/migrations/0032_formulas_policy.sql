-- formulas policy in the store: tolerance bands, balance, syringes, BSA method, GFR cap, rounding
-- One row per key of formulas/policy_keys.hpp, value as text (numbers, choices, the syringe list,
-- the tolerance bands). Seeded from assets/policy/formulas.toml on first use; changed only by the
-- role each key names (pharmacist or quality), each change audited with old and new value.
CREATE TABLE formulas_policy_values (
    key         TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    updated_utc TEXT NOT NULL,
    updated_by  TEXT NOT NULL
);

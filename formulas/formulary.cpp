#include "formulas/formulary.hpp"

#include "formulas/gs1.hpp"
#include "formulas/input_limits.hpp"
#include "formulas/text.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

// [SECTION] index: policy helpers | product helpers | TOML reading | policy loading |
//                  product loading | recipe loading | Formulary

namespace admix::formulas {

// [SECTION] policy helpers ------------------------------------------------------------------------

bool SyringeSize::holds(Volume v) const {
    return v <= capacity && v >= minUsable;
}

std::string SyringeSize::name() const {
    return formatNumber(capacity.inMl()) + " mL syringe";
}

double FormulasPolicy::tolerancePercentFor(Volume v) const {
    for (const auto& band : tolerances) {
        if (!band.upTo || v <= *band.upTo)
            return band.percent;
    }
    return tolerances.empty() ? 0.0 : tolerances.back().percent;
}

// [SECTION] product helpers -----------------------------------------------------------------------

std::string_view productFormName(ProductForm form) {
    switch (form) {
    case ProductForm::Solution:
        return "solution";
    case ProductForm::Powder:
        return "powder";
    case ProductForm::Diluent:
        return "diluent";
    }
    return "?";
}

std::string_view storageName(Storage storage) {
    switch (storage) {
    case Storage::Room:
        return "room temperature";
    case Storage::Refrigerated:
        return "refrigerated";
    case Storage::Frozen:
        return "frozen";
    }
    return "?";
}

std::string_view doseRuleName(DoseRuleKind kind) {
    switch (kind) {
    case DoseRuleKind::Fixed:
        return "fixed";
    case DoseRuleKind::PerKg:
        return "per_kg";
    case DoseRuleKind::PerM2:
        return "per_m2";
    case DoseRuleKind::Calvert:
        return "calvert";
    }
    return "?";
}

std::string_view baseKindName(BaseKind kind) {
    switch (kind) {
    case BaseKind::Bag:
        return "bag";
    case BaseKind::Syringe:
        return "syringe";
    case BaseKind::None:
        return "none";
    }
    return "?";
}

std::string Product::strengthText() const {
    switch (form) {
    case ProductForm::Diluent:
        return format(containerVolume);
    case ProductForm::Solution:
        return format(amount) + "/" + format(containerVolume) + " (" + format(concentration) + ")";
    case ProductForm::Powder:
        return format(amount) + " powder; + " + format(reconstitution->volume) + " " +
               reconstitution->diluent + " = " + format(containerVolume) + " (" + format(concentration) + ")";
    }
    return {};
}

namespace {

// [SECTION] TOML reading --------------------------------------------------------------------------

std::string at(std::string_view file, const toml::source_region& region) {
    return std::string(file) + ":" + std::to_string(region.begin.line) + ":" +
           std::to_string(region.begin.column);
}

// Reads one table's keys; remembers the first error (with file:line:column and the key's path) so
// that loaders read straight through and check once per table.
class TableReader {
public:
    TableReader(const toml::table& table, std::string_view file, std::string path,
                std::optional<Error>& error)
        : m_table(table), m_file(file), m_path(std::move(path)), m_error(error) {}

    [[nodiscard]] std::string where() const { return at(m_file, m_table.source()); }
    [[nodiscard]] bool has(std::string_view key) const { return m_table.contains(key); }
    [[nodiscard]] const std::string& path() const { return m_path; }

    void fail(std::string_view key, const std::string& message) {
        const toml::node* n = m_table.get(key);
        failAt(n ? n->source() : m_table.source(), key, message);
    }
    void failAt(const toml::source_region& region, std::string_view key, const std::string& message) {
        if (!m_error)
            m_error = Error{message,
                            at(m_file, region) + ": " + m_path + (key.empty() ? "" : "." + std::string(key))};
    }

    std::string str(std::string_view key, bool required = true) {
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (a text in quotes)");
            return {};
        }
        if (!n->is_string()) {
            fail(key, "must be a text in quotes");
            return {};
        }
        return n->as_string()->get();
    }

    std::optional<double> num(std::string_view key, bool required, double lo, double hi) {
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (a number)");
            return std::nullopt;
        }
        if (!n->is_number()) {
            fail(key, "must be a number");
            return std::nullopt;
        }
        const double v =
            n->is_integer() ? static_cast<double>(n->as_integer()->get()) : n->as_floating_point()->get();
        if (!std::isfinite(v) || v < lo || v > hi) {
            fail(key, "must be between " + formatPlain(lo, 6) + " and " + formatPlain(hi, 6) + ", not " +
                          formatPlain(v, 6));
            return std::nullopt;
        }
        return v;
    }

    std::optional<int> integer(std::string_view key, bool required, int lo, int hi) {
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (a whole number)");
            return std::nullopt;
        }
        if (!n->is_integer()) {
            fail(key, "must be a whole number");
            return std::nullopt;
        }
        const int64_t v = n->as_integer()->get();
        if (v < lo || v > hi) {
            fail(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                          std::to_string(v));
            return std::nullopt;
        }
        return static_cast<int>(v);
    }

    bool boolean(std::string_view key, bool fallback) {
        const toml::node* n = m_table.get(key);
        if (!n)
            return fallback;
        if (!n->is_boolean()) {
            fail(key, "must be true or false");
            return fallback;
        }
        return n->as_boolean()->get();
    }

    std::vector<std::string> strings(std::string_view key, bool required) {
        std::vector<std::string> out;
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (a list of texts in quotes)");
            return out;
        }
        const toml::array* arr = n->as_array();
        if (!arr) {
            fail(key, "must be a list of texts in quotes, like [\"a\", \"b\"]");
            return out;
        }
        for (const auto& item : *arr) {
            if (!item.is_string()) {
                failAt(item.source(), key, "every entry must be a text in quotes");
                return out;
            }
            out.push_back(item.as_string()->get());
        }
        if (required && out.empty())
            fail(key, "must not be empty");
        return out;
    }

    const toml::table* table(std::string_view key, bool required) {
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (a table)");
            return nullptr;
        }
        if (!n->is_table()) {
            fail(key, "must be a table");
            return nullptr;
        }
        return n->as_table();
    }

    const toml::array* tables(std::string_view key, bool required) {
        const toml::node* n = m_table.get(key);
        if (!n) {
            if (required)
                fail(key, "is missing (one or more [[" + std::string(key) + "]] tables)");
            return nullptr;
        }
        const toml::array* arr = n->as_array();
        if (!arr || !arr->is_array_of_tables()) {
            fail(key, "must be written as [[" + std::string(key) + "]] tables");
            return nullptr;
        }
        return arr;
    }

    // A misspelt key would otherwise be ignored silently and its default used.
    void onlyKeys(std::initializer_list<std::string_view> allowed) {
        for (const auto& [k, v] : m_table) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                failAt(k.source(), k.str(), "is not a known key here (misspelt?)");
                return;
            }
        }
    }

private:
    const toml::table& m_table;
    std::string_view m_file;
    std::string m_path;
    std::optional<Error>& m_error;
};

Result<toml::table> parseToml(std::string_view text, std::string_view name) {
    if (const auto problem = tomlShapeProblem(text))
        return Error{*problem, std::string(name)};
    try {
        return toml::parse(text, name);
    } catch (const toml::parse_error& err) {
        return Error{std::string(err.description()), at(name, err.source())};
    }
}

template <typename Enum>
std::optional<Enum> pick(TableReader& r, std::string_view key, bool required,
                         std::initializer_list<std::pair<std::string_view, Enum>> choices) {
    const std::string v = r.str(key, required);
    if (v.empty())
        return std::nullopt;
    std::string names;
    for (const auto& [name, value] : choices) {
        if (iequals(v, name))
            return value;
        names += (names.empty() ? "" : ", ") + std::string(name);
    }
    r.fail(key, "'" + v + "' is not one of: " + names);
    return std::nullopt;
}

// [SECTION] policy loading ------------------------------------------------------------------------

} // namespace

Result<FormulasPolicy> loadFormulasPolicy(std::string_view text, std::string_view name) {
    auto doc = parseToml(text, name);
    if (!doc)
        return doc.error();
    std::optional<Error> err;
    FormulasPolicy p;
    p.sourceName = std::string(name);
    TableReader root(*doc, name, "policy", err);
    root.onlyKeys({"bsa", "carboplatin", "balance", "rounding", "syringe", "tolerance"});

    if (const auto* t = root.table("bsa", true)) {
        TableReader r(*t, name, "bsa", err);
        r.onlyKeys({"method", "decimals"});
        if (const auto m = pick<BsaMethod>(
                r, "method", true, {{"mosteller", BsaMethod::Mosteller}, {"dubois", BsaMethod::DuBois}}))
            p.bsaMethod = *m;
        p.bsaDecimals = r.integer("decimals", true, 1, 4).value_or(2);
    }
    if (const auto* t = root.table("carboplatin", true)) {
        TableReader r(*t, name, "carboplatin", err);
        r.onlyKeys({"gfr_cap_ml_min"});
        p.gfrCapMlMin = r.num("gfr_cap_ml_min", true, 50, 250).value_or(0);
    }
    if (const auto* t = root.table("balance", true)) {
        TableReader r(*t, name, "balance", err);
        r.onlyKeys({"readability_g", "capacity_g", "min_divisions_in_half_band"});
        p.balanceReadabilityG = r.num("readability_g", true, 0.00001, 1).value_or(1);
        p.balanceCapacityG = r.num("capacity_g", true, 1, 100000).value_or(0);
        p.minDivisionsInHalfBand = r.integer("min_divisions_in_half_band", true, 1, 1000).value_or(1);
    }
    if (const auto* t = root.table("rounding", true)) {
        TableReader r(*t, name, "rounding", err);
        r.onlyKeys({"max_deviation_percent", "above_limit"});
        p.maxRoundingDeviationPercent = r.num("max_deviation_percent", true, 0, 50).value_or(0);
        if (const auto a = pick<RoundingAboveLimit>(
                r, "above_limit", false,
                {{"block", RoundingAboveLimit::Block},
                 {"pharmacist_acknowledges", RoundingAboveLimit::PharmacistAcknowledges}}))
            p.roundingAboveLimit = *a;
    }
    if (const auto* arr = root.tables("syringe", true)) {
        int i = 0;
        for (const auto& node : *arr) {
            TableReader r(*node.as_table(), name, "syringe[" + std::to_string(++i) + "]", err);
            r.onlyKeys({"capacity_ml", "graduation_ml", "min_usable_ml"});
            const auto cap = r.num("capacity_ml", true, 0.1, 1000);
            const auto grad = r.num("graduation_ml", true, 0.001, 10);
            const auto minUse = r.num("min_usable_ml", true, 0.001, 1000);
            if (cap && grad && minUse) {
                if (*grad > *cap || *minUse > *cap)
                    r.fail("min_usable_ml",
                           "graduation and smallest usable volume must not exceed the capacity");
                if (!p.syringes.empty() && !(Volume::mL(*cap) > p.syringes.back().capacity))
                    r.fail("capacity_ml", "syringes must be listed from the smallest to the largest");
                p.syringes.push_back({Volume::mL(*cap), Volume::mL(*grad), Volume::mL(*minUse)});
            }
        }
    }
    if (const auto* arr = root.tables("tolerance", true)) {
        int i = 0;
        for (const auto& node : *arr) {
            TableReader r(*node.as_table(), name, "tolerance[" + std::to_string(++i) + "]", err);
            r.onlyKeys({"up_to_ml", "percent"});
            ToleranceBand band;
            if (const auto up = r.num("up_to_ml", false, 0.001, 100000))
                band.upTo = Volume::mL(*up);
            band.percent = r.num("percent", true, 0.1, 50).value_or(0);
            if (!p.tolerances.empty() &&
                (!p.tolerances.back().upTo || (band.upTo && *band.upTo <= *p.tolerances.back().upTo)))
                r.fail("up_to_ml",
                       "bands must go from the smallest volume up; only the last may leave up_to_ml out");
            p.tolerances.push_back(band);
        }
        if (!err && !p.tolerances.empty() && p.tolerances.back().upTo)
            root.fail("tolerance",
                      "the last [[tolerance]] band must leave up_to_ml out so that every volume has a band");
    }
    if (err)
        return *err;
    return p;
}

namespace {

// [SECTION] product loading -----------------------------------------------------------------------

std::optional<Product> readProduct(TableReader& r) {
    r.onlyKeys({"id",
                "drug",
                "display_name",
                "form",
                "amount",
                "amount_unit",
                "concentration",
                "concentration_unit",
                "volume_ml",
                "overfill_ml",
                "reconstitute",
                "multiple_dose",
                "ndc",
                "density_g_ml",
                "hazard",
                "storage",
                "in_use_hours",
                "molecular_weight",
                "valence",
                "gtin",
                "package_size",
                "density_source",
                "schedule",
                "unit_cost"});
    Product p;
    p.sourceWhere = r.where();
    p.id = r.str("id");
    p.drug = toLower(r.str("drug"));
    p.displayName = r.str("display_name");
    const auto form = pick<ProductForm>(r, "form", true,
                                        {{"solution", ProductForm::Solution},
                                         {"powder", ProductForm::Powder},
                                         {"diluent", ProductForm::Diluent}});
    if (!form)
        return std::nullopt;
    p.form = *form;
    p.multipleDose = r.boolean("multiple_dose", false);
    p.ndc = r.str("ndc");
    p.density = Density::gPerMl(r.num("density_g_ml", true, 0.5, 2.5).value_or(1.0));
    p.hazard = r.str("hazard", false);
    p.storage =
        pick<Storage>(
            r, "storage", true,
            {{"room", Storage::Room}, {"refrigerated", Storage::Refrigerated}, {"frozen", Storage::Frozen}})
            .value_or(Storage::Room);
    if (const auto h = r.integer("in_use_hours", false, 0, 24 * 60))
        p.inUseHours = *h;
    p.molecularWeight = r.num("molecular_weight", false, 1, 100000);
    p.valence = r.integer("valence", false, 1, 4).value_or(0);
    if (p.molecularWeight.has_value() != (p.valence > 0))
        r.fail("valence", "molecular_weight and valence go together (for mEq and mmol)");
    p.overfill = Volume::mL(r.num("overfill_ml", false, 0, 200).value_or(0));
    p.packageSize = r.integer("package_size", false, 1, 100000).value_or(1);
    if (r.has("density_source"))
        p.densitySource = std::string(
            pick<std::string_view>(r, "density_source", true,
                                   {{"label", "label"}, {"measured", "measured"}, {"assumed", "assumed"}})
                .value_or("assumed"));
    if (r.has("schedule"))
        p.schedule =
            std::string(pick<std::string_view>(
                            r, "schedule", true,
                            {{"none", ""}, {"CII", "CII"}, {"CIII", "CIII"}, {"CIV", "CIV"}, {"CV", "CV"}})
                            .value_or(""));
    p.unitCost = r.num("unit_cost", false, 0, 1e7);

    switch (p.form) {
    case ProductForm::Diluent: {
        p.containerVolume = Volume::mL(r.num("volume_ml", true, 1, 5000).value_or(1));
        break;
    }
    case ProductForm::Solution: {
        const auto conc = r.num("concentration", true, 1e-6, 1e7);
        const std::string unit = r.str("concentration_unit");
        p.containerVolume = Volume::mL(r.num("volume_ml", true, 0.1, 5000).value_or(1));
        if (conc && !unit.empty()) {
            const auto c = Concentration::parse(*conc, unit);
            if (!c)
                r.fail("concentration_unit", c.error().message);
            else
                p.concentration = *c;
        }
        p.amount = p.concentration.amountIn(p.containerVolume);
        break;
    }
    case ProductForm::Powder: {
        const auto amount = r.num("amount", true, 1e-6, 1e7);
        const std::string unit = r.str("amount_unit");
        if (amount && !unit.empty()) {
            const auto u = parseUnit(unit);
            if (!u || !dimensionOf(*u))
                r.fail("amount_unit", u ? "must be an amount unit (mg, g, units, ...)" : u.error().message);
            else
                p.amount = Amount::of(*amount, *u);
        }
        const toml::table* rec = r.table("reconstitute", true);
        if (rec) {
            ReconstitutionSpec spec;
            const toml::node* dil = rec->get("diluent");
            const toml::node* vol = rec->get("volume_ml");
            const toml::node* disp = rec->get("displacement_ml");
            if (!dil || !dil->is_string() || !vol || !vol->is_number() || !disp || !disp->is_number()) {
                r.fail("reconstitute", "needs diluent (text), volume_ml and displacement_ml (numbers)");
                return std::nullopt;
            }
            spec.diluent = dil->as_string()->get();
            const auto number = [](const toml::node* n) {
                return n->is_integer() ? static_cast<double>(n->as_integer()->get())
                                       : n->as_floating_point()->get();
            };
            spec.volume = Volume::mL(number(vol));
            spec.displacement = Volume::mL(number(disp));
            if (!(spec.volume.inMl() > 0.0) || spec.volume.inMl() > 1000 || spec.displacement.inMl() < 0.0 ||
                spec.displacement.inMl() > 100) {
                r.fail("reconstitute",
                       "volume_ml must be above 0 (up to 1,000) and displacement_ml 0 to 100");
                return std::nullopt;
            }
            if (const auto m = p.amount.mass()) {
                const auto recon = reconstituteWith(*m, spec.displacement, spec.volume);
                if (recon) {
                    p.containerVolume = recon->finalVolume;
                    p.concentration = recon->concentration;
                }
            } else {
                // Units-based powders (e.g. some enzymes): same arithmetic in their own dimension.
                p.containerVolume = spec.volume + spec.displacement;
                p.concentration = Concentration::of(p.amount, p.containerVolume);
            }
            p.reconstitution = spec;
        }
        break;
    }
    }
    if (!p.ndc.empty()) {
        const auto lookup = parseNdc(p.ndc);
        if (!lookup)
            r.fail("ndc", lookup.error().message);
        else if (lookup->ambiguous())
            r.fail("ndc", "write the NDC with hyphens (e.g. 4-4-2) so that its segments are certain");
        else
            p.gtin = lookup->candidates.front().gtin14();
    }
    if (r.has("gtin")) {
        // Given where the NDC has no 10-digit form (NDC-12) or for a non-NDC package; must agree
        // with the NDC's own GTIN when both are there (the indicator digit may differ).
        const std::string g = r.str("gtin");
        if (g.size() != 14 || g.find_first_not_of("0123456789") != std::string::npos ||
            !gs1CheckDigitValid(g))
            r.fail("gtin", "must be 14 digits with a valid GS1 check digit");
        else if (!p.gtin.empty() && p.gtin.substr(1, 12) != g.substr(1, 12))
            r.fail("gtin", "does not carry this product's NDC (" + p.ndc + " gives " + p.gtin + ")");
        else
            p.gtin = g;
    }
    return p;
}

// [SECTION] recipe loading ------------------------------------------------------------------------

std::optional<DoseRule> readDoseRule(TableReader& r) {
    DoseRule rule;
    const auto kind = pick<DoseRuleKind>(r, "dose_rule", true,
                                         {{"fixed", DoseRuleKind::Fixed},
                                          {"per_kg", DoseRuleKind::PerKg},
                                          {"per_m2", DoseRuleKind::PerM2},
                                          {"calvert", DoseRuleKind::Calvert}});
    if (!kind)
        return std::nullopt;
    rule.kind = *kind;
    const std::string unitText = r.str("dose_unit");
    if (unitText.empty())
        return std::nullopt;
    const auto unit = parseDoseUnit(unitText);
    if (!unit) {
        r.fail("dose_unit", unit.error().message);
        return std::nullopt;
    }
    rule.unit = *unit;
    const DoseBasis expected = rule.kind == DoseRuleKind::PerKg   ? DoseBasis::PerKg
                               : rule.kind == DoseRuleKind::PerM2 ? DoseBasis::PerM2
                                                                  : DoseBasis::None;
    if (rule.unit.basis != expected || rule.unit.per != DosePer::Once) {
        r.fail("dose_unit", "'" + unitText + "' does not fit dose_rule '" +
                                std::string(doseRuleName(rule.kind)) +
                                "' (e.g. fixed: mg, per_kg: mg/kg, per_m2: mg/m2, calvert: mg); the recipe "
                                "holds a dose, not a rate");
        return std::nullopt;
    }
    if (rule.kind == DoseRuleKind::Calvert && rule.unit.amountUnit != Unit::Milligram) {
        r.fail("dose_unit", "Calvert gives milligrams: write dose_unit = \"mg\"");
        return std::nullopt;
    }
    rule.defaultValue = r.num("default_dose", false, 1e-6, 1e7);
    rule.roundTo = r.num("round_to", false, 0, 1e6).value_or(0);
    rule.minDose = r.num("min_dose", false, 0, 1e7);
    rule.maxDose = r.num("max_dose", false, 0, 1e7);
    if (rule.minDose && rule.maxDose && *rule.minDose > *rule.maxDose)
        r.fail("min_dose", "is greater than max_dose");
    rule.gfrCapMlMin = r.num("gfr_cap_ml_min", false, 50, 250);
    if (rule.gfrCapMlMin && rule.kind != DoseRuleKind::Calvert)
        r.fail("gfr_cap_ml_min", "only applies to dose_rule = \"calvert\"");
    return rule;
}

std::optional<Concentration> readConcentrationLimit(TableReader& r, std::string_view key,
                                                    const std::string& unit) {
    const auto v = r.num(key, false, 0, 1e7);
    if (!v)
        return std::nullopt;
    if (unit.empty()) {
        r.fail("final_concentration_unit", "is needed with " + std::string(key));
        return std::nullopt;
    }
    const auto c = Concentration::parse(*v, unit);
    if (!c) {
        r.fail("final_concentration_unit", c.error().message);
        return std::nullopt;
    }
    return *c;
}

std::optional<Recipe> readRecipe(TableReader& r, std::string_view file, std::optional<Error>& err) {
    r.onlyKeys({"id", "version", "name", "route", "csp_category", "storage", "pec", "hazardous_handling",
                "steps", "final_concentration_min", "final_concentration_max", "final_concentration_unit",
                "base", "ingredient"});
    Recipe rec;
    rec.sourceWhere = r.where();
    rec.id = r.str("id");
    rec.version = r.integer("version", true, 1, 100000).value_or(1);
    rec.name = r.str("name");
    rec.route = r.str("route");
    rec.cspCategory = r.integer("csp_category", true, 1, 3).value_or(1);
    rec.storage =
        pick<Storage>(
            r, "storage", true,
            {{"room", Storage::Room}, {"refrigerated", Storage::Refrigerated}, {"frozen", Storage::Frozen}})
            .value_or(Storage::Room);
    rec.pec = r.str("pec");
    rec.hazardousHandling = r.str("hazardous_handling", false);
    rec.steps = r.strings("steps", true);
    const std::string concUnit = r.str("final_concentration_unit", false);
    rec.minFinalConcentration = readConcentrationLimit(r, "final_concentration_min", concUnit);
    rec.maxFinalConcentration = readConcentrationLimit(r, "final_concentration_max", concUnit);

    if (const auto* base = r.table("base", true)) {
        TableReader b(*base, file, r.path() + ".base", err);
        b.onlyKeys({"kind", "products", "final_volume_ml", "withdraw_to_nominal"});
        rec.base.kind =
            pick<BaseKind>(b, "kind", true,
                           {{"bag", BaseKind::Bag}, {"syringe", BaseKind::Syringe}, {"none", BaseKind::None}})
                .value_or(BaseKind::Bag);
        rec.base.productIds = b.strings("products", rec.base.kind != BaseKind::None);
        if (const auto v = b.num("final_volume_ml", rec.base.kind == BaseKind::Syringe, 0.1, 1000))
            rec.base.finalVolume = Volume::mL(*v);
        if (rec.base.kind != BaseKind::Syringe && rec.base.finalVolume)
            b.fail("final_volume_ml", "only a syringe made up to volume (kind = \"syringe\") has one; a "
                                      "bag's volume comes from its product");
        rec.base.withdrawToNominal = b.boolean("withdraw_to_nominal", false);
        if (rec.base.withdrawToNominal && rec.base.kind != BaseKind::Bag)
            b.fail("withdraw_to_nominal", "only applies to a bag (kind = \"bag\")");
        if (rec.base.kind == BaseKind::None && !rec.base.productIds.empty())
            b.fail("products", "a recipe without a final container (kind = \"none\") lists no base products");
    }
    if (const auto* arr = r.tables("ingredient", true)) {
        int i = 0;
        for (const auto& node : *arr) {
            TableReader ir(*node.as_table(), file, r.path() + ".ingredient[" + std::to_string(++i) + "]",
                           err);
            ir.onlyKeys({"drug", "products", "dose_rule", "dose_unit", "default_dose", "round_to", "min_dose",
                         "max_dose", "gfr_cap_ml_min"});
            Ingredient ing;
            ing.drug = toLower(ir.str("drug"));
            ing.productIds = ir.strings("products", true);
            if (const auto rule = readDoseRule(ir))
                ing.dose = *rule;
            rec.ingredients.push_back(std::move(ing));
        }
    }
    return rec;
}

bool wordChar(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0;
}

} // namespace

// [SECTION] Formulary -----------------------------------------------------------------------------

const Product* Formulary::product(std::string_view id) const {
    for (const auto& p : m_products) {
        if (p.id == id)
            return &p;
    }
    return nullptr;
}

const Recipe* Formulary::recipe(std::string_view id) const {
    const Recipe* best = nullptr;
    for (const auto& r : m_recipes) {
        if (r.id == id && (!best || r.version > best->version))
            best = &r;
    }
    return best;
}

const Recipe* Formulary::recipe(std::string_view id, int version) const {
    for (const auto& r : m_recipes) {
        if (r.id == id && r.version == version)
            return &r;
    }
    return nullptr;
}

std::vector<std::string> Formulary::recipeIds() const {
    std::set<std::string> ids;
    for (const auto& r : m_recipes)
        ids.insert(r.id);
    return {ids.begin(), ids.end()};
}

std::vector<const Recipe*> Formulary::versions(std::string_view id) const {
    std::vector<const Recipe*> out;
    for (const auto& r : m_recipes) {
        if (r.id == id)
            out.push_back(&r);
    }
    std::sort(out.begin(), out.end(),
              [](const Recipe* a, const Recipe* b) { return a->version < b->version; });
    return out;
}

Status Formulary::check(const Recipe& r) const {
    const std::string where = r.sourceWhere.empty() ? "recipe " + r.id : r.sourceWhere + ": recipe " + r.id;
    if (r.ingredients.empty())
        return Status::fail("has no ingredient", where);
    for (const auto& ing : r.ingredients) {
        for (const auto& pid : ing.productIds) {
            const Product* p = product(pid);
            if (!p)
                return Status::fail("ingredient '" + ing.drug + "' names product '" + pid +
                                        "', which the formulary does not have",
                                    where);
            if (p->drug != ing.drug)
                return Status::fail(
                    "ingredient '" + ing.drug + "' names product '" + pid + "', which is " + p->drug, where);
            if (p->form == ProductForm::Diluent)
                return Status::fail("ingredient '" + ing.drug + "' names '" + pid +
                                        "', which is a diluent, not a drug product",
                                    where);
            const Dimension want = dimensionOf(ing.dose.unit.amountUnit).value_or(Dimension::Mass);
            if (p->amount.dimension() != want && !(want == Dimension::Equivalents && p->molecularWeight) &&
                !(want == Dimension::Moles && p->molecularWeight))
                return Status::fail("ingredient '" + ing.drug + "' is dosed in " +
                                        std::string(symbol(ing.dose.unit.amountUnit)) + " but product '" +
                                        pid + "' is labelled in " +
                                        std::string(dimensionName(p->amount.dimension())),
                                    where);
        }
    }
    for (const auto& pid : r.base.productIds) {
        const Product* p = product(pid);
        if (!p)
            return Status::fail("base names product '" + pid + "', which the formulary does not have", where);
        if (p->form != ProductForm::Diluent)
            return Status::fail("base names '" + pid + "', which is not a diluent or bag", where);
    }
    for (const auto* lim : {&r.minFinalConcentration, &r.maxFinalConcentration}) {
        if (*lim && (*lim)->dimension() != dimensionOf(r.ingredients.front().dose.unit.amountUnit))
            return Status::fail(
                "the final concentration limits are not in the unit of the first ingredient's dose", where);
    }
    return Status::success();
}

Result<int> Formulary::addRecipeVersion(Recipe recipe) {
    if (auto ok = check(recipe); !ok)
        return ok.error();
    const Recipe* latest = this->recipe(recipe.id);
    recipe.version = latest ? latest->version + 1 : 1;
    m_recipes.push_back(std::move(recipe));
    return m_recipes.back().version;
}

std::vector<const Product*> Formulary::productsForGtin(std::string_view gtin14) const {
    std::vector<const Product*> out;
    // Packaging levels (unit, case) differ in the indicator digit and so in the check digit: compare
    // the 12 digits between them.
    if (gtin14.size() != 14)
        return out;
    for (const auto& p : m_products) {
        if (p.gtin.size() == 14 && p.gtin.substr(1, 12) == gtin14.substr(1, 12))
            out.push_back(&p);
    }
    return out;
}

std::vector<const Product*> Formulary::resolve(const NdcLookup& lookup) const {
    std::vector<const Product*> out;
    for (const auto& c : lookup.candidates) {
        for (const auto& p : m_products) {
            if (p.ndc.empty())
                continue;
            const auto own = parseNdc(p.ndc);
            if (own && !own->candidates.empty() && own->candidates.front() == c &&
                std::find(out.begin(), out.end(), &p) == out.end())
                out.push_back(&p);
        }
    }
    return out;
}

void Formulary::retainRecipes(const std::function<bool(const Recipe&)>& keep) {
    std::erase_if(m_recipes, [&](const Recipe& r) { return !keep(r); });
}

std::string Formulary::tallMan(std::string_view text) const {
    std::string out(text);
    for (const auto& tall : m_tallMan) {
        const std::string lowerTall = toLower(tall);
        std::string lowerOut = toLower(out);
        size_t pos = 0;
        while ((pos = lowerOut.find(lowerTall, pos)) != std::string::npos) {
            const bool startOk = pos == 0 || !wordChar(out[pos - 1]);
            const size_t end = pos + tall.size();
            const bool endOk = end >= out.size() || !wordChar(out[end]);
            if (startOk && endOk)
                out.replace(pos, tall.size(), tall);
            pos = end;
        }
    }
    return out;
}

Result<Formulary> loadFormulary(std::string_view productsToml, std::string_view productsName,
                                std::string_view recipesToml, std::string_view recipesName) {
    Formulary f;
    std::optional<Error> err;
    {
        auto doc = parseToml(productsToml, productsName);
        if (!doc)
            return doc.error();
        TableReader root(*doc, productsName, "products", err);
        root.onlyKeys({"disclaimer", "tall_man", "product"});
        f.disclaimer = root.str("disclaimer", false);
        if (const auto* tm = root.table("tall_man", false)) {
            TableReader t(*tm, productsName, "tall_man", err);
            t.onlyKeys({"names"});
            f.m_tallMan = t.strings("names", true);
        }
        if (const auto* arr = root.tables("product", true)) {
            int i = 0;
            for (const auto& node : *arr) {
                TableReader r(*node.as_table(), productsName, "product[" + std::to_string(++i) + "]", err);
                auto p = readProduct(r);
                if (err)
                    return *err;
                if (f.product(p->id))
                    return Error{"product id '" + p->id + "' is used twice", r.where()};
                p->displayName = f.tallMan(p->displayName);
                f.m_products.push_back(std::move(*p));
            }
        }
        if (err)
            return *err;
    }
    {
        auto doc = parseToml(recipesToml, recipesName);
        if (!doc)
            return doc.error();
        TableReader root(*doc, recipesName, "recipes", err);
        root.onlyKeys({"disclaimer", "recipe"});
        if (const auto* arr = root.tables("recipe", true)) {
            int i = 0;
            for (const auto& node : *arr) {
                TableReader r(*node.as_table(), recipesName, "recipe[" + std::to_string(++i) + "]", err);
                auto rec = readRecipe(r, recipesName, err);
                if (err)
                    return *err;
                if (f.recipe(rec->id, rec->version))
                    return Error{"recipe '" + rec->id + "' version " + std::to_string(rec->version) +
                                     " appears twice",
                                 r.where()};
                if (auto ok = f.check(*rec); !ok)
                    return ok.error();
                rec->name = f.tallMan(rec->name);
                for (auto& step : rec->steps)
                    step = f.tallMan(step);
                f.m_recipes.push_back(std::move(*rec));
            }
        }
        if (err)
            return *err;
    }
    return f;
}

} // namespace admix::formulas

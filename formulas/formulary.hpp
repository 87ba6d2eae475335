// The formulary: drug products (vials, bags), master formulation records (recipes, versioned), the
// Tall Man list, and the site policy the plan needs (syringe sizes, gravimetric tolerance bands, the
// balance, the GFR cap). Everything is loaded from TOML text handed in (the caller reads the files:
// assets/formulary/*.toml, assets/policy/formulas.toml); every load error names file:line:column and
// the key. A loaded Formulary is an immutable value apart from addRecipeVersion; share it read-only
// across threads. Never throws.
//
// [SECTION] index: Site policy | Products | Recipes | Formulary | Loading
#pragma once

#include "formulas/calculators.hpp"
#include "formulas/ndc.hpp"
#include "formulas/result.hpp"
#include "formulas/units.hpp"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::formulas {

// [SECTION] Site policy ---------------------------------------------------------------------------

// A standard syringe: its capacity, the spacing of its graduation marks, and the smallest volume the
// site accepts measuring with it.
struct SyringeSize {
    Volume capacity;
    Volume graduation;
    Volume minUsable;
    [[nodiscard]] bool holds(Volume v) const;
    [[nodiscard]] std::string name() const; // "10 mL syringe"
};

// Gravimetric tolerance: +/- percent for volumes up to and including `upTo` (nullopt: no upper end).
struct ToleranceBand {
    std::optional<Volume> upTo;
    double percent = 5.0;
};

// What a rounding deviation above the site's limit does: it blocks the plan, or it blocks until a
// pharmacist acknowledges it (recorded with the plan).
enum class RoundingAboveLimit { Block, PharmacistAcknowledges };

struct FormulasPolicy {
    std::vector<SyringeSize> syringes;     // ascending capacity
    std::vector<ToleranceBand> tolerances; // ascending upTo, the last open-ended
    double balanceReadabilityG = 0.01;
    int minDivisionsInHalfBand = 5; // the half-width of a band must span this many readability steps
    double balanceCapacityG = 2000.0;
    double gfrCapMlMin = 125.0;
    BsaMethod bsaMethod = BsaMethod::Mosteller;
    int bsaDecimals = 2;
    double maxRoundingDeviationPercent = 2.0; // syringe rounding may change the dose this much without a flag
    RoundingAboveLimit roundingAboveLimit = RoundingAboveLimit::Block;
    std::string sourceName;

    // The band for a volume (the first whose upTo >= v).
    [[nodiscard]] double tolerancePercentFor(Volume v) const;
};

// [SECTION] Products ------------------------------------------------------------------------------

enum class ProductForm { Solution, Powder, Diluent };
enum class Storage { Room, Refrigerated, Frozen };
[[nodiscard]] std::string_view productFormName(ProductForm form);
[[nodiscard]] std::string_view storageName(Storage storage);

struct ReconstitutionSpec {
    std::string diluent; // "sterile water for injection"
    Volume volume;
    Volume displacement;
};

// One drug product as it sits on the shelf.
struct Product {
    std::string id;
    std::string drug;        // generic name, lower case ("vancomycin")
    std::string displayName; // as shown, Tall Man applied ("vancomycin 1 g vial", "HYDROmorphone ...")
    ProductForm form = ProductForm::Solution;
    Amount amount;               // drug per container (zero for a diluent)
    Concentration concentration; // as labelled (solution) or after reconstitution (powder)
    Volume containerVolume;      // labelled fill (solution, diluent) or final volume after reconstitution
    Volume overfill;             // bags: what the manufacturer adds beyond the label
    std::optional<ReconstitutionSpec> reconstitution;
    bool multipleDose = false;
    std::string ndc;  // NDC-10 as printed
    std::string gtin; // derived from the NDC
    Density density;
    std::string hazard; // "" or "NIOSH group 1" / "NIOSH group 2"
    Storage storage = Storage::Room;
    std::optional<int> inUseHours; // after first puncture or reconstitution, from the label
    std::optional<double> molecularWeight;
    int valence = 0;
    int packageSize = 1;                   // containers in the package the site orders (package_size)
    std::string densitySource = "assumed"; // label | measured | assumed (density_source)
    std::string schedule;                  // controlled-substance schedule: "" (none) or CII, CIII, CIV, CV
    std::optional<double> unitCost;        // per container, in the site's currency (unit_cost)
    std::string sourceWhere;               // file:line:column of its table, for messages

    [[nodiscard]] bool hazardous() const { return !hazard.empty(); }
    // "1 g/20 mL after reconstitution (50 mg/mL)", "4 mg/4 mL (1 mg/mL)", "250 mL"
    [[nodiscard]] std::string strengthText() const;
};

// [SECTION] Recipes -------------------------------------------------------------------------------

enum class DoseRuleKind { Fixed, PerKg, PerM2, Calvert };
[[nodiscard]] std::string_view doseRuleName(DoseRuleKind kind);

// How an ingredient's dose is found: fixed amount, per kg, per m2, or carboplatin by target AUC
// (Calvert); then rounded to `roundTo` (in the rule's amount unit, 0 = no rounding) and checked
// against min/max (absolute amounts in that unit).
struct DoseRule {
    DoseRuleKind kind = DoseRuleKind::Fixed;
    DoseUnit unit;                      // mg, mg/kg, mg/m2, units, mEq, ... (Calvert: mg)
    std::optional<double> defaultValue; // used when the order gives no dose (AUC for Calvert)
    double roundTo = 0.0;
    std::optional<double> minDose;
    std::optional<double> maxDose;
    std::optional<double> gfrCapMlMin; // Calvert: overrides the site's cap for this recipe
};

struct Ingredient {
    std::string drug;
    std::vector<std::string> productIds; // products that may fill it, preferred first
    DoseRule dose;
};

// The final container: a bag the drug goes into, a syringe made up (q.s.) with a diluent to a final
// volume, or none (drug drawn undiluted).
enum class BaseKind { Bag, Syringe, None };
[[nodiscard]] std::string_view baseKindName(BaseKind kind);
struct BaseSpec {
    BaseKind kind = BaseKind::Bag;
    std::vector<std::string>
        productIds; // bags (any size; the plan picks the smallest that fits) or the q.s. diluent
    std::optional<Volume> finalVolume; // syringe: q.s. to this
    // Bag: withdraw the overfill plus the added volume first, so the bag ends at its labelled volume
    // and the labelled concentration (drips labelled "100 units/mL").
    bool withdrawToNominal = false;
};

// A master formulation record. Immutable once published: an edit is a new version with the same id.
struct Recipe {
    std::string id;
    int version = 1;
    std::string name;
    std::string route;
    std::vector<Ingredient> ingredients;
    BaseSpec base;
    std::optional<Concentration> minFinalConcentration; // of the first ingredient
    std::optional<Concentration> maxFinalConcentration;
    std::vector<std::string> steps;
    int cspCategory = 1;
    Storage storage = Storage::Room;
    std::string pec; // primary engineering control required ("ISO 5 LAFW", "Class II BSC", "CACI")
    std::string hazardousHandling; // empty for non-hazardous
    std::string sourceWhere;

    [[nodiscard]] bool hazardous() const { return !hazardousHandling.empty(); }
};

// [SECTION] Formulary -----------------------------------------------------------------------------

class Formulary {
public:
    [[nodiscard]] const Product* product(std::string_view id) const;
    [[nodiscard]] const std::vector<Product>& products() const { return m_products; }
    // The latest version of a recipe, or a given one.
    [[nodiscard]] const Recipe* recipe(std::string_view id) const;
    [[nodiscard]] const Recipe* recipe(std::string_view id, int version) const;
    // Every recipe id, sorted, once each.
    [[nodiscard]] std::vector<std::string> recipeIds() const;
    [[nodiscard]] std::vector<const Recipe*> versions(std::string_view id) const;
    // Publishes an edit: the recipe gets the next version number for its id and the old versions stay.
    // Fails when it refers to unknown products.
    [[nodiscard]] Result<int> addRecipeVersion(Recipe recipe);

    // Products whose GTIN matches; resolves an ambiguous NDC/GTIN to the products the formulary holds.
    [[nodiscard]] std::vector<const Product*> productsForGtin(std::string_view gtin14) const;
    [[nodiscard]] std::vector<const Product*> resolve(const NdcLookup& lookup) const;

    // Keeps only the recipe versions `keep` accepts (the station keeps the approved ones); products
    // and the Tall Man list stay.
    void retainRecipes(const std::function<bool(const Recipe&)>& keep);
    [[nodiscard]] const std::vector<Recipe>& allRecipes() const { return m_recipes; }

    // Tall Man lettering: replaces every listed name (matched without regard to case, whole words)
    // by its Tall Man form: "hydroxyzine 25 mg" -> "hydrOXYzine 25 mg".
    [[nodiscard]] std::string tallMan(std::string_view text) const;

    std::string disclaimer; // what the data is (the demo data says: for demonstration only)

private:
    friend Result<Formulary> loadFormulary(std::string_view, std::string_view, std::string_view,
                                           std::string_view);
    Status check(const Recipe& r) const;
    std::vector<Product> m_products;
    std::vector<Recipe> m_recipes;
    std::vector<std::string> m_tallMan;
};

// [SECTION] Loading -------------------------------------------------------------------------------

// Products file: [[product]] tables and [tall_man] names; recipes file: [[recipe]] tables. The names
// are used in messages ("products.toml:12:3: product.density_g_ml: must be a number").
[[nodiscard]] Result<Formulary> loadFormulary(std::string_view productsToml, std::string_view productsName,
                                              std::string_view recipesToml, std::string_view recipesName);
[[nodiscard]] Result<FormulasPolicy> loadFormulasPolicy(std::string_view toml, std::string_view sourceName);

// The demo formulary (assets/formulary/products.toml, recipes.toml) and the default policy
// (assets/policy/formulas.toml) as built into the binary.
[[nodiscard]] std::string_view demoProductsToml();
[[nodiscard]] std::string_view demoRecipesToml();
[[nodiscard]] std::string_view defaultFormulasPolicyToml();
[[nodiscard]] Result<Formulary> loadDemoFormulary();
[[nodiscard]] Result<FormulasPolicy> loadDefaultFormulasPolicy();

} // namespace admix::formulas

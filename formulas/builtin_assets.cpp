// The demo formulary and default policy compiled in from assets/ (see formulas/CMakeLists.txt).
#include "formulas/formulary.hpp"

#include <string_view>

namespace admix::formulas {

namespace {
#include "formulas/builtin_assets.inc"
} // namespace

std::string_view demoProductsToml() {
    return k_demo_products;
}
std::string_view demoRecipesToml() {
    return k_demo_recipes;
}
std::string_view defaultFormulasPolicyToml() {
    return k_default_policy;
}

Result<Formulary> loadDemoFormulary() {
    return loadFormulary(k_demo_products, "assets/formulary/products.toml", k_demo_recipes,
                         "assets/formulary/recipes.toml");
}

Result<FormulasPolicy> loadDefaultFormulasPolicy() {
    return loadFormulasPolicy(k_default_policy, "assets/policy/formulas.toml");
}

} // namespace admix::formulas

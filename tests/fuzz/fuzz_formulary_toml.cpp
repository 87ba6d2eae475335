// libFuzzer target for the formulary loader: the input is split at the first NUL into a products
// and a recipes document; any bytes give a Formulary or an Error with a position, never a crash.
#include "formulas/formulary.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::formulas;
    const std::string_view all(reinterpret_cast<const char*>(data), size);
    const size_t cut = all.find('\0');
    const std::string_view products = cut == std::string_view::npos ? all : all.substr(0, cut);
    const std::string_view recipes = cut == std::string_view::npos ? std::string_view() : all.substr(cut + 1);
    const auto f = loadFormulary(products, "p.toml", recipes, "r.toml");
    if (!f && f.error().message.empty())
        std::abort();
    const auto p = loadFormulasPolicy(all, "policy.toml");
    if (!p && p.error().message.empty())
        std::abort();
    return 0;
}

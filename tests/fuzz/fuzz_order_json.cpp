// libFuzzer target for ORDER.json: any bytes give an Order or an Error that names a field or a line
// and column; a parsed order is then planned against the demo formulary, which must give a plan or
// an Error, never a crash.
#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::formulas;
    static const Formulary formulary = loadDemoFormulary().value();
    static const FormulasPolicy policy = loadDefaultFormulasPolicy().value();
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const auto order = parseOrderJson(text, "fuzz");
    if (!order) {
        if (order.error().message.empty() || order.error().where.empty())
            std::abort();
        return 0;
    }
    const auto plan = makePlan(*order, formulary, policy);
    if (!plan && plan.error().message.empty())
        std::abort();
    if (plan)
        (void)planToText(*plan);
    return 0;
}

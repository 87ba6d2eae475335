#include "station/workflow/label_job.hpp"

#include "station/store/compliance_store.hpp"
#include "station/store/prep_repo.hpp"

namespace admix::workflow {

Result<LabelData> labelDataFor(store::Database& db, store::AuditLog& audit, int64_t prepId,
                               const formulas::Formulary& formulary, const formulas::FormulasPolicy& policy,
                               const LabelLayout& layout, LabelClock clock) {
    PreparationEngine engine(db, audit, "label");
    const auto view = engine.view(prepId);
    if (!view)
        return Result<LabelData>::fail("no such preparation");
    if (const auto may = mayLabel(*view); !may)
        return may.error();
    const auto order = store::PrepRepo(db).order(view->orderId);
    if (!order)
        return Result<LabelData>::fail("preparation " + view->number + " has no order");
    const auto plan = planForPreparation(*view, *order, formulary, policy);
    if (!plan)
        return plan.error();
    const auto budRequest = budRequestFor(*view);
    if (!budRequest)
        return budRequest.error();
    const auto bud = usp797::computeBud(*budRequest, store::ComplianceStore(db, audit).policy());
    if (!bud)
        return bud.error();
    Authenticator auth(db, audit);
    LabelSource src;
    src.prep = &*view;
    src.order = &*order;
    src.plan = &*plan;
    src.formulary = &formulary;
    src.bud = *bud;
    if (const auto u = auth.findByUsername(view->technician))
        src.preparedByName = u->displayName;
    if (view->checkedBy) {
        if (const auto u = auth.findByUsername(*view->checkedBy))
            src.checkedByName = u->displayName;
    }
    src.clock = clock;
    src.texts = layout.texts;
    return buildLabelData(src);
}

} // namespace admix::workflow

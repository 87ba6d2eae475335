#include "station/workflow/photo_caption.hpp"

#include "formulas/units.hpp"

namespace admix::workflow {

vision::EvidenceCaption evidenceCaption(const PrepView& prep, const User& by, TimePoint takenAt) {
    const auto& step = prep.steps[static_cast<size_t>(prep.currentStep)];
    vision::EvidenceCaption caption;
    caption.preparationId = prep.number;
    caption.step = std::to_string(prep.currentStep + 1) + ". " + step.spec.title;
    caption.drug = prep.spec.title;
    // The measured volume of this ingredient's last weighing, if any.
    for (const auto& s : prep.steps) {
        if (s.index < prep.currentStep && s.spec.kind == StepKind::Weigh &&
            s.spec.ingredient == step.spec.ingredient && s.result.is_object() &&
            s.result.contains("volume_ml")) {
            caption.target = formulas::format(formulas::Volume::mL(s.spec.weigh.targetMl));
            caption.measured = formulas::format(formulas::Volume::mL(s.result["volume_ml"].get<double>()));
        }
    }
    caption.user = by.displayName;
    caption.takenAt = takenAt;
    caption.subject = step.spec.photo.subject.empty() ? "product" : step.spec.photo.subject;
    return caption;
}

} // namespace admix::workflow

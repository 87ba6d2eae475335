// What an evidence photo of the current step says under the picture (preparation, step, drug, the
// target and measured volume of this ingredient's last weighing, who, when, what is photographed):
// one place for the station's camera capture and `admix session`'s photo request. Pure; thread-safe.
#pragma once

#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "vision/evidence.hpp"

namespace admix::workflow {

[[nodiscard]] vision::EvidenceCaption evidenceCaption(const PrepView& prep, const User& by,
                                                      TimePoint takenAt);

} // namespace admix::workflow

// Acknowledgements (original mode): ACK with MSA-1 AA (accepted), AE (understood but refused) or AR
// (not parsed, or not a supported message type), MSA-2 echoing MSH-10, and an ERR segment naming
// the segment, field and reason. The ACK uses the message's version and encoding characters and
// swaps the sending and receiving application and facility. Pure functions, thread-safe.
#pragma once

#include "formulas/time.hpp"
#include "station/hl7/message.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace admix::hl7 {

enum class AckCode { Accept, Error, Reject };
[[nodiscard]] std::string_view ackCodeName(AckCode code); // "AA", "AE", "AR"

// The ACK of a message whose header is `in` (from parseMessage or, for an unreadable message,
// readHeader; nullopt when not even MSH could be read: then the default delimiters and 2.5 are used).
// `controlId` is the ACK's own MSH-10. Segments end with CR.
[[nodiscard]] std::string buildAck(const std::optional<Header>& in, AckCode code,
                                   const std::optional<Problem>& error, const std::string& controlId,
                                   TimePoint now);

// "20261121220343": an HL7 DTM in UTC to the second (with "+0000").
[[nodiscard]] std::string hl7Time(TimePoint t);

} // namespace admix::hl7

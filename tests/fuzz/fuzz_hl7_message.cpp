// libFuzzer target for the HL7 v2 parser: any bytes give a Message or a Problem with a reason; a
// parsed message's every field, component and subcomponent decodes to valid UTF-8, and an ACK can
// be built for it (and, from whatever MSH says, for any input); its orders read or refused with a reason.
#include "station/hl7/ack.hpp"
#include "station/hl7/message.hpp"
#include "station/hl7/order_message.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace admix::hl7;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const auto header = readHeader(bytes);
    const auto message = parseMessage(bytes);
    const admix::TimePoint now{};
    if (!message) {
        if (message.problem().reason.empty())
            std::abort();
        const std::string ack = buildAck(header, AckCode::Reject, message.problem(), "A1", now);
        if (ack.rfind("MSH", 0) != 0)
            std::abort();
        return 0;
    }
    for (const auto& segment : message->segments()) {
        for (int f = 1; f < static_cast<int>(segment.fields.size()) && f < 40; ++f) {
            const int reps = message->repetitions(segment, f);
            for (int r = 0; r < reps && r < 4; ++r)
                for (int c = 1; c <= 3; ++c)
                    for (int s = 1; s <= 2; ++s)
                        if (!validUtf8(message->value(segment, f, c, s, r)))
                            std::abort();
        }
    }
    // The order reading (every ORC group) never fails without a reason and gives each order its id.
    const auto orders = readPharmacyOrders(*message);
    if (const auto* problem = std::get_if<OrderProblem>(&orders)) {
        if (problem->problem.reason.empty())
            std::abort();
    } else {
        for (const auto& group : std::get<std::vector<OrderGroup>>(orders))
            if (group.order.placer.empty())
                std::abort();
    }
    const std::string ack = buildAck(message->header(), AckCode::Accept, std::nullopt, "A1", now);
    const auto reparsed = parseMessage(ack);
    if (!reparsed || reparsed->header().controlId != "A1")
        std::abort();
    return 0;
}

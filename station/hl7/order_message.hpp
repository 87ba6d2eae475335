// What a pharmacy order message says: RDE^O11 (encoded order) or, for older feeds, ORM^O01 with RXO
// or RXE (one order per ORC group, several groups per message), each read into a PharmacyOrder with its
// fields checked (segment order, order control, required fields, numbers, units of the OBX observations
// converted to kg, cm and mg/dL). Pure; thread-safe; never throws: a refusal is a Problem naming the segment
// and field, with the ACK code it deserves.
#pragma once

#include "formulas/time.hpp"
#include "station/hl7/ack.hpp"
#include "station/hl7/message.hpp"

#include <optional>
#include <string>
#include <vector>

namespace admix::hl7 {

// One RXC component of an IV mixture.
struct MixtureComponent {
    bool base = false;            // RXC-1 B (base) or A (additive)
    std::string code;             // RXC-2.1
    std::string text;             // RXC-2.2
    std::optional<double> amount; // RXC-3
    std::string units;            // RXC-4.1
};

struct PharmacyOrder {
    std::string control;              // ORC-1: NW, XO, DC, CA
    std::string placer;               // ORC-2 (id, and ^namespace when given): the order's id
    std::string filler;               // ORC-3
    std::string mrn;                  // PID-3 (the MR repetition, else the first)
    std::string patientName;          // PID-5 "FAMILY, GIVEN MIDDLE"
    std::optional<Date> birthDate;    // PID-7
    std::string sex;                  // PID-8 as "male" / "female", "" otherwise
    std::string location;             // PV1-3 "ICU 12-B"
    std::string prescriber;           // ORC-12 "SMITH, ANNA (1234)"
    std::string priority = "routine"; // TQ1-9 / ORC-7.6 / RXE-1.6: S stat, A urgent (ASAP), R routine
    std::optional<TimePoint> start;   // TQ1-7 / ORC-7.4 / RXE-1.4
    std::string giveCode;             // RXE-2.1 (RXO-1.1 in ORM without RXE)
    std::string giveText;             // RXE-2.2
    std::optional<double> giveAmount; // RXE-3
    std::string giveUnits;            // RXE-5.1
    std::optional<double> rate;       // RXE-23
    std::string rateUnits;            // RXE-24.1
    std::string route;                // RXR-1.1
    std::vector<MixtureComponent> components;
    std::optional<double> weightKg; // OBX 29463-7 / 3141-9
    std::optional<double> heightCm; // OBX 8302-2
    std::optional<double> scrMgDl;  // OBX 2160-0
    std::vector<std::string> notes; // NTE-3, in order
    std::string rxe;                // the RXE segment as received (empty for ORM with RXO only)

    [[nodiscard]] const MixtureComponent* firstAdditive() const;
    [[nodiscard]] const MixtureComponent* baseComponent() const;
};

// Why an order message is refused, and the ACK code it gets (AR: not a supported message; AE: read
// but refused).
struct OrderProblem {
    AckCode code = AckCode::Error;
    Problem problem;
};

// Reads the order of a parsed message with one ORC (one order group).
[[nodiscard]] std::variant<PharmacyOrder, OrderProblem> readPharmacyOrder(const Message& message);

// One order group of a message: the message's header and patient segments (those before the first
// ORC) with one ORC and what follows it up to the next ORC, and the order it says.
struct OrderGroup {
    Message message;
    PharmacyOrder order;
};
// Every order of a message, in order: RDE^O11 and ORM^O01 may carry several ORC groups, each one
// order. The first group that is refused stops the reading; its problem names that group's segment
// with its sequence in the whole message (ORC(2), RXE(2)-3, ...).
[[nodiscard]] std::variant<std::vector<OrderGroup>, OrderProblem> readPharmacyOrders(const Message& message);

// An HL7 DTM ("YYYY[MM[DD[HHMM[SS[.S]]]]][+/-ZZZZ]") as a time point; without an offset it is the
// station's local time. nullopt when it is not a date/time.
[[nodiscard]] std::optional<TimePoint> parseHl7Time(std::string_view text);

} // namespace admix::hl7

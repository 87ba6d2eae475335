// Builders of pharmacy order messages for the HL7 tests (fictitious demo patients; demo formulary).
#pragma once

#include <string>

namespace admix::test {

struct Rde {
    std::string control = "NW";
    std::string controlId = "MSG1";
    std::string placer = "PL1";
    std::string version = "2.5.1";
    std::string mrn = "MRN-H001";
    std::string name = "DEMO^HANNA";
    std::string birth = "19700101";
    std::string sex = "F";
    std::string give = "cefazolin-ns^Cefazolin 2 g in NS 100 mL^LOCAL";
    std::string amount = "2";
    std::string units = "g";
    std::string route = "IV";
    std::string priority = "R";
    std::string start = "";
    std::string rxc;   // RXC segments (each ending in \r)
    std::string obx;   // OBX segments
    std::string extra; // more segments after the rest
    std::string type = "RDE^O11^RDE_O11";

    [[nodiscard]] std::string text() const {
        std::string m = "MSH|^~\\&|PHARM|GENHOSP|ADMIX|IVROOM|20261121100000||" + type + "|" + controlId +
                        "|P|" + version + "\r";
        m += "PID|1||" + mrn + "^^^GENHOSP^MR||" + name + "||" + birth + "|" + sex + "\r";
        m += "PV1|1|I|ICU^12^B\r";
        m += "ORC|" + control + "|" + placer + "^PHARM||||||||||1234^SMITH^ANNA\r"; // ORC-12
        if (control == "DC" || control == "CA")
            return m;
        m += "TQ1|1||||||" + start + "||" + priority + "\r";
        m += "RXE||" + give + "|" + amount + "||" + units + "\r";
        m += "NTE|1||Protect from light\r";
        m += "RXR|" + route + "\r";
        m += rxc;
        m += obx;
        m += extra;
        return m;
    }
};

} // namespace admix::test

#include "station/remote/audit_words.hpp"

#include "formulas/units.hpp"

#include <array>
#include <string_view>
#include <utility>

namespace admix::remote::detail {

using nlohmann::json;

namespace {

bool endsWith(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

std::string text(const json& details, const char* key) {
    if (!details.is_object())
        return {};
    const auto it = details.find(key);
    if (it == details.end() || it->is_null())
        return {};
    return it->is_string() ? it->get<std::string>() : valueWords(key, *it);
}

// What a step recorded, in a fixed order with people's labels; machine fields (hashes, raw scans,
// device ids) and what the message already says (confirmation, reason) are left to the JSON.
constexpr std::array<std::pair<const char*, const char*>, 12> kDataWords{{
    {"lot", "lot"},
    {"expiry", "expires"},
    {"gtin", "GTIN"},
    {"volume_ml", "measured"},
    {"target_ml", "target"},
    {"low_ml", "from"},
    {"high_ml", "to"},
    {"net_g", "net"},
    {"tare_g", "tare"},
    {"density_g_per_ml", "density"},
    {"shown", "balance showed"},
    {"printer", "printer"},
}};

std::string dataWords(const json& data) {
    if (!data.is_object())
        return {};
    std::string out;
    for (const auto& [key, label] : kDataWords) {
        const auto it = data.find(key);
        if (it == data.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty()))
            continue;
        out += (out.empty() ? "" : "; ") + std::string(label) + " " + valueWords(key, *it);
    }
    return out;
}

std::string stepWords(const json& details) {
    if (details.is_object() && details.contains("step") && details["step"].is_number_integer())
        return "Step " + std::to_string(details["step"].get<long long>() + 1);
    return "A step";
}

} // namespace

std::string valueWords(const std::string& key, const json& value) {
    if (value.is_null())
        return "none";
    if (value.is_boolean())
        return value.get<bool>() ? "yes" : "no";
    if (value.is_number()) {
        const double v = value.get<double>();
        if (endsWith(key, "_g_per_ml"))
            return formulas::formatNumber(v, 4) + " g/mL";
        if (endsWith(key, "_ml"))
            return formulas::formatNumber(v, 2) + " mL";
        if (endsWith(key, "_g"))
            return formulas::formatNumber(v, 3) + " g";
        if (value.is_number_integer())
            return std::to_string(value.get<long long>());
        return formulas::formatNumber(v, 3);
    }
    if (value.is_string())
        return value.get<std::string>();
    if (value.is_array()) {
        std::string out;
        for (const auto& item : value)
            out += (out.empty() ? "" : ", ") + valueWords(key, item);
        return out;
    }
    std::string out;
    for (const auto& [k, v] : value.items()) {
        std::string label = k;
        for (char& c : label)
            if (c == '_')
                c = ' ';
        out += (out.empty() ? "" : ", ") + label + " " + valueWords(k, v);
    }
    return out;
}

AuditWords auditWords(const std::string& action, const json& details) {
    const json d = details.is_object() ? details : json::object();
    const std::string message = text(d, "message");
    const json data = d.contains("data") ? d["data"] : json::object();
    const auto withData = [&](std::string head) {
        if (!message.empty())
            head += ": " + message;
        if (const std::string w = dataWords(data); !w.empty())
            head += " (" + w + ")";
        return head;
    };
    if (action == "prep.start") {
        std::string out = "Started from order " + text(d, "order") + ": recipe " + text(d, "recipe") +
                          " version " + text(d, "recipe_version") + ", room " + text(d, "room") + ", PEC " +
                          text(d, "pec") + ", station " + text(d, "station");
        if (d.value("compliance_override", false))
            out += "; started under a pharmacist's compliance override";
        return {out, false};
    }
    if (action == "prep.complete")
        return {"Every step done: waiting for the pharmacist's check", false};
    if (action == "prep.release")
        return {"Released by the pharmacist's e-signature (audit row " + text(d, "signature_audit_id") + ")",
                false};
    if (action == "prep.reject")
        return {"Rejected (" + text(d, "reason_code") + "): " + text(d, "reason") + "; then " +
                    (d.value("remake", false) ? "remake" : "waste"),
                false};
    if (action == "prep.cancel")
        return {"Cancelled: " + text(d, "reason"), false};
    if (action == "esign")
        return {"E-signature (" + text(d, "method") + ", as " + text(d, "role") + ") for " +
                    text(d, "action") + ": " + text(d, "meaning"),
                false};
    if (action == "remote.view")
        return {"Opened on the web check from " + text(d, "address"), false};
    if (action == "remote.view_image")
        return {"Photo viewed on the web check from " + text(d, "address"), false};
    if (action == "remote.approve")
        return {"Approved on the web check from " + text(d, "address"), false};
    if (action == "remote.reject")
        return {"Rejected on the web check from " + text(d, "address"), false};
    if (action.rfind("prep.", 0) == 0) {
        std::string kind = action.substr(5);
        if (endsWith(kind, ".fail"))
            return {withData(stepWords(d) + " REFUSED (" + kind.substr(0, kind.size() - 5) + ")"), true};
        if (endsWith(kind, ".override"))
            return {withData(stepWords(d) + " overridden"), false};
        if (endsWith(kind, ".pass"))
            return {withData(stepWords(d) + " passed (" + kind.substr(0, kind.size() - 5) + ")"), false};
        if (kind == "skip" || kind == "stop")
            return {withData(stepWords(d) + " REFUSED (" + kind + ")"), true};
        return {withData(stepWords(d) + " " + kind), false};
    }
    const std::string rest = valueWords("", d);
    return {action + (rest.empty() ? "" : ": " + rest), action.find("refused") != std::string::npos};
}

} // namespace admix::remote::detail

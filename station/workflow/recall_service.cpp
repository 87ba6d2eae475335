#include "station/workflow/recall_service.hpp"

#include "formulas/gs1.hpp"
#include "formulas/ndc.hpp"
#include "formulas/text.hpp"

#include <nlohmann/json.hpp>

#include <map>

namespace admix::workflow {

using nlohmann::json;

namespace {

// One CSV line into fields (RFC 4180 quotes: "a, b" and "" for a quote).
std::vector<std::string> splitCsvLine(std::string_view line) {
    std::vector<std::string> out(1);
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                out.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                out.back() += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            out.emplace_back();
        } else {
            out.back() += c;
        }
    }
    for (auto& f : out)
        f = std::string(formulas::trim(f));
    return out;
}

} // namespace

Result<std::string> productGtin(const std::string& ndc, const std::string& gtin) {
    if (!ndc.empty() && !gtin.empty())
        return Result<std::string>::fail("give the NDC or the GTIN, not both", "ndc");
    if (!gtin.empty()) {
        if (gtin.size() != 14 || gtin.find_first_not_of("0123456789") != std::string::npos ||
            !formulas::gs1CheckDigitValid(gtin))
            return Result<std::string>::fail(
                "must be 14 digits with a valid GS1 check digit, not \"" + gtin + "\"", "gtin");
        return gtin;
    }
    if (ndc.empty())
        return Result<std::string>::fail("an NDC or a GTIN is needed", "ndc");
    const auto lookup = formulas::parseNdc(ndc);
    if (!lookup)
        return Result<std::string>::fail(lookup.error().message, "ndc");
    if (lookup->ambiguous())
        return Result<std::string>::fail(
            "\"" + ndc + "\" can be read more than one way: write it with hyphens (e.g. 5-4-2)", "ndc");
    const std::string g = lookup->candidates.front().gtin14();
    if (g.empty())
        return Result<std::string>::fail(
            "this NDC has no 10-digit form, so no GTIN carries it: give the GTIN instead", "ndc");
    return g;
}

Result<std::vector<RecallInput>> parseRecallCsv(std::string_view text, const std::string& name) {
    std::vector<RecallInput> out;
    std::string problems;
    std::map<std::string, size_t> column;
    int lineNo = 0;
    size_t pos = 0;
    bool header = true;
    while (pos <= text.size()) {
        const size_t end = text.find('\n', pos);
        std::string line(
            text.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
        pos = end == std::string_view::npos ? text.size() + 1 : end + 1;
        ++lineNo;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (formulas::trim(line).empty() || line.front() == '#')
            continue;
        const auto fields = splitCsvLine(line);
        const std::string at = name + ":" + std::to_string(lineNo);
        if (header) {
            header = false;
            for (size_t i = 0; i < fields.size(); ++i) {
                const std::string key = formulas::toLower(fields[i]);
                if (key != "ndc" && key != "gtin" && key != "lot" && key != "reason" && key != "source" &&
                    key != "date")
                    return Error{"'" + fields[i] +
                                     "' is not a recall column (ndc, gtin, lot, reason, source, date)",
                                 at};
                column[key] = i;
            }
            if (!column.count("reason") || (!column.count("ndc") && !column.count("gtin")))
                return Error{
                    "the header needs the columns ndc or gtin, and reason (lot, source, date are optional)",
                    at};
            continue;
        }
        const auto get = [&](const char* key) {
            const auto it = column.find(key);
            return it != column.end() && it->second < fields.size() ? fields[it->second] : std::string();
        };
        if (fields.size() > column.size()) {
            problems += "\n" + at + ": has " + std::to_string(fields.size()) + " fields, the header " +
                        std::to_string(column.size());
            continue;
        }
        RecallInput r{get("ndc"), get("gtin"), get("lot"), get("reason"), get("source"), get("date")};
        if (const auto g = productGtin(r.ndc, r.gtin); !g)
            problems += "\n" + at + ": " + g.error().where + ": " + g.error().message;
        else if (r.reason.empty())
            problems += "\n" + at + ": reason: must not be empty";
        else if (!r.date.empty() && !parseDate(r.date))
            problems += "\n" + at + ": date: must be YYYY-MM-DD, not \"" + r.date + "\"";
        else
            out.push_back(std::move(r));
    }
    if (header)
        return Error{"the file is empty (it needs a header row: ndc,lot,reason,source,date)", name};
    if (!problems.empty())
        return Error{"nothing was imported; fix these rows:" + problems, name};
    if (out.empty())
        return Error{"the file has a header but no recall", name};
    return out;
}

Status RecallService::mayChange(const User& by, const char* what, TimePoint now) {
    if (by.role == Role::Pharmacist || by.role == Role::Quality)
        return Status::success();
    m_audit.append(by.username, std::string("recall.") + what + ".refused", "recalls",
                   json{{"role", roleName(by.role)}}.dump(), now);
    return Status::fail("only a pharmacist or quality staff may change the recall list; " + by.displayName +
                        " is a " + std::string(roleName(by.role)));
}

Result<store::RecallRow> RecallService::check(const RecallInput& r, const User& by, TimePoint now) {
    const auto gtin = productGtin(std::string(formulas::trim(r.ndc)), std::string(formulas::trim(r.gtin)));
    if (!gtin)
        return gtin.error();
    if (formulas::trim(r.reason).empty())
        return Result<store::RecallRow>::fail("must not be empty", "reason");
    if (!r.date.empty() && !parseDate(r.date))
        return Result<store::RecallRow>::fail("must be YYYY-MM-DD, not \"" + r.date + "\"", "date");
    const std::string lot(formulas::trim(r.lot));
    if (const auto seen = store::SiteRepo(m_db).findRecall(*gtin, lot))
        return Result<store::RecallRow>::fail("is recalled already (recall " + std::to_string(seen->id) + ")",
                                              lot.empty() ? *gtin + ", every lot" : *gtin + " lot " + lot);
    return store::RecallRow{0,
                            *gtin,
                            std::string(formulas::trim(r.ndc)),
                            lot,
                            std::string(formulas::trim(r.reason)),
                            r.source,
                            r.date,
                            by.username,
                            formatIsoUtc(now)};
}

Result<int64_t> RecallService::add(const RecallInput& recall, const User& by, TimePoint now) {
    if (auto ok = mayChange(by, "add", now); !ok)
        return ok.error();
    store::Transaction tx(m_db);
    const auto row = check(recall, by, now);
    if (!row)
        return row.error();
    const int64_t id = store::SiteRepo(m_db).addRecall(*row);
    m_audit.append(by.username, "recall.add", "recall:" + std::to_string(id),
                   json{{"gtin", row->gtin},
                        {"ndc", row->ndc},
                        {"lot", row->lot},
                        {"reason", row->reason},
                        {"source", row->source},
                        {"date", row->noticeDate}}
                       .dump(),
                   now);
    tx.commit();
    return id;
}

Result<int> RecallService::importCsv(std::string_view text, const std::string& name, const User& by,
                                     TimePoint now) {
    if (auto ok = mayChange(by, "import", now); !ok)
        return ok.error();
    const auto rows = parseRecallCsv(text, name);
    if (!rows)
        return rows.error();
    store::Transaction tx(m_db);
    store::SiteRepo repo(m_db);
    std::string problems;
    int n = 0;
    for (const auto& r : *rows) {
        ++n;
        const auto row = check(r, by, now);
        if (!row) {
            problems += "\nrow " + std::to_string(n) + ": " + row.error().text();
            continue;
        }
        const int64_t id = repo.addRecall(*row);
        m_audit.append(by.username, "recall.add", "recall:" + std::to_string(id),
                       json{{"gtin", row->gtin},
                            {"lot", row->lot},
                            {"reason", row->reason},
                            {"source", row->source},
                            {"date", row->noticeDate},
                            {"file", name}}
                           .dump(),
                       now);
    }
    if (!problems.empty())
        return Error{"nothing was imported:" + problems, name}; // the transaction rolls back
    m_audit.append(by.username, "recall.import", "recalls", json{{"file", name}, {"rows", n}}.dump(), now);
    tx.commit();
    return n;
}

Status RecallService::remove(int64_t id, const User& by, const std::string& reason, TimePoint now) {
    if (auto ok = mayChange(by, "remove", now); !ok)
        return ok;
    if (formulas::trim(reason).empty())
        return Status::fail("removing a recall needs a reason");
    store::SiteRepo repo(m_db);
    store::Transaction tx(m_db);
    const auto row = repo.recall(id);
    if (!row)
        return Status::fail("no recall " + std::to_string(id));
    repo.removeRecall(id);
    m_audit.append(
        by.username, "recall.remove", "recall:" + std::to_string(id),
        json{{"gtin", row->gtin}, {"lot", row->lot}, {"reason", reason}, {"recall_reason", row->reason}}
            .dump(),
        now);
    tx.commit();
    return Status::success();
}

std::vector<store::RecallRow> RecallService::list() {
    return store::SiteRepo(m_db).recalls();
}

std::vector<store::LotUse> RecallService::affected() {
    return store::SiteRepo(m_db).recalledUses();
}

std::vector<store::LotUse> RecallService::trace(const std::string& lot,
                                                const std::optional<std::string>& gtinOrNdc) {
    std::optional<std::string> gtin;
    if (gtinOrNdc && !gtinOrNdc->empty()) {
        const bool digits14 =
            gtinOrNdc->size() == 14 && gtinOrNdc->find_first_not_of("0123456789") == std::string::npos;
        const auto g = digits14 ? productGtin("", *gtinOrNdc) : productGtin(*gtinOrNdc, "");
        gtin = g ? *g : *gtinOrNdc;
    }
    return store::SiteRepo(m_db).lotUses(lot, gtin);
}

} // namespace admix::workflow

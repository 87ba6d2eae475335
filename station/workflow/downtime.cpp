#include "station/workflow/downtime.hpp"

#include "formulas/text.hpp"
#include "station/store/downtime_repo.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/plan_steps.hpp"
#include "station/workflow/roles.hpp"

#include <cstdio>
#include <sstream>

namespace admix::workflow {

using nlohmann::json;

namespace {

std::string ml(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f mL", v);
    return buf;
}

std::string doseText(const store::OrderRow& o) {
    const json d = json::parse(o.doseJson, nullptr, false);
    if (!d.is_object() || !d.contains("value"))
        return "";
    std::ostringstream s;
    s << d["value"].dump() << ' ' << d.value("unit", "");
    return s.str();
}

std::string localTime(const std::string& iso) {
    const auto t = parseIsoUtc(iso);
    return t ? formatLocal(*t) : iso;
}

constexpr const char* kStyle = R"css(
  @page { size: A4; margin: 12mm; }
  body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; color: #000; margin: 0; }
  .order { page-break-after: always; }
  .order:last-child { page-break-after: auto; }
  .banner { border: 3px solid #000; padding: 4px 8px; font-weight: bold; font-size: 13pt; display: flex;
            justify-content: space-between; }
  h1 { font-size: 15pt; margin: 8px 0 4px; }
  table { border-collapse: collapse; width: 100%; margin-top: 6px; }
  th, td { border: 1px solid #000; padding: 4px 5px; vertical-align: top; text-align: left; }
  th { background: #e6e6e6; font-size: 9pt; }
  td.blank { min-width: 22mm; height: 9mm; }
  .facts td { border: none; padding: 1px 8px 1px 0; }
  .facts td:first-child { font-weight: bold; white-space: nowrap; }
  .label { border: 2px dashed #000; padding: 6px 10px; margin-top: 10px; width: 95mm; }
  .label .title { font-weight: bold; font-size: 12pt; }
  .line { display: inline-block; border-bottom: 1px solid #000; min-width: 40mm; height: 1.1em; }
  .refused { border: 3px solid #000; padding: 8px; font-weight: bold; font-size: 12pt; margin-top: 10px; }
  .signoff { margin-top: 12px; }
  .signoff div { margin: 8px 0; }
  .small { font-size: 8.5pt; }
  @media screen { body { padding: 12mm; } .facts td:first-child { width: 40mm; } }
)css";

void writeOrder(std::ostringstream& out, const store::OrderRow& o, const Result<PrepSpec>& spec,
                const std::string& station, TimePoint now) {
    out << "<section class=\"order\" data-order=\"" << formulas::escapeHtml(o.orderNumber) << "\">\n";
    out << "<div class=\"banner\"><span>DOWNTIME WORKSHEET</span><span>"
        << formulas::escapeHtml(o.orderNumber) << "</span></div>\n";
    out << "<div class=\"small\">Admix - " << formulas::escapeHtml(station) << " - printed "
        << formulas::escapeHtml(formatLocal(now))
        << ". Fill in by hand; after downtime a pharmacist enters it (admix downtime record) with a photo of "
           "this page.</div>\n";
    out << "<h1>" << formulas::escapeHtml(spec ? spec->title : o.recipeId)
        << "</h1>\n<table class=\"facts\">\n";
    const auto fact = [&](const char* name, const std::string& value) {
        out << "<tr><td>" << name << "</td><td>" << formulas::escapeHtml(value) << "</td></tr>\n";
    };
    fact("Patient", o.patientName + "  (MRN " + o.patientMrn + ")");
    fact("Order", o.orderNumber + ", " + o.priority + ", due " + localTime(o.dueUtc));
    fact("Dose / route", doseText(o) + " " + o.route);
    fact("Prescriber", o.prescriber);
    if (spec) {
        fact("CSP category", spec->category + (spec->hazardous ? "  HAZARDOUS (USP 800)" : ""));
        fact("Container / storage", spec->finalContainer + " / " + spec->storage);
        if (!spec->pecRequired.empty())
            fact("PEC required", spec->pecRequired);
    }
    out << "</table>\n";
    if (!spec) {
        out << "<div class=\"refused\">NO PLAN - DO NOT PREPARE without a pharmacist: "
            << formulas::escapeHtml(spec.error().text()) << "</div>\n</section>\n";
        return;
    }
    out << "<table>\n<tr><th>#</th><th>Step</th><th>Product / target</th><th>Lot</th><th>Expiry</th>"
           "<th>Measured</th><th>Initials</th></tr>\n";
    for (size_t i = 0; i < spec->steps.size(); ++i) {
        const StepSpec& s = spec->steps[i];
        std::string what;
        bool lot = false, measured = false;
        switch (s.kind) {
        case StepKind::Scan:
            what = s.scan.productName + (s.scan.strength.empty() ? "" : ", " + s.scan.strength);
            lot = true;
            break;
        case StepKind::Weigh:
            what = s.weigh.what + ": draw " + ml(s.weigh.targetMl) + " (" + ml(s.weigh.lowMl) + " - " +
                   ml(s.weigh.highMl) + ")";
            measured = true;
            break;
        case StepKind::Photo:
            what = "check: " + s.photo.subject;
            break;
        case StepKind::Confirm:
        case StepKind::Label:
            what = s.instruction;
            break;
        }
        out << "<tr><td>" << (i + 1) << "</td><td><b>" << formulas::escapeHtml(s.title) << "</b>"
            << (s.kind == StepKind::Weigh || s.kind == StepKind::Scan
                    ? ""
                    : "<div class=\"small\">" + formulas::escapeHtml(s.instruction) + "</div>")
            << "</td><td>" << formulas::escapeHtml(what) << "</td>"
            << (lot ? "<td class=\"blank\"></td><td class=\"blank\"></td>" : "<td>-</td><td>-</td>")
            << (measured ? "<td class=\"blank\">mL</td>" : "<td>-</td>")
            << "<td class=\"blank\"></td></tr>\n";
    }
    out << "</table>\n";
    out << "<div class=\"label\"><div class=\"small\">LABEL (write on a blank label; PREPARED DURING "
           "DOWNTIME)</div>"
        << "<div class=\"title\">" << formulas::escapeHtml(o.patientName) << "</div><div>MRN "
        << formulas::escapeHtml(o.patientMrn) << "</div>"
        << "<div><b>" << formulas::escapeHtml(spec->title) << "</b></div><div>"
        << formulas::escapeHtml(doseText(o) + " " + o.route) << "</div>"
        << "<div>Order " << formulas::escapeHtml(o.orderNumber) << "</div>"
        << "<div>BUD <span class=\"line\"></span></div><div>Lots <span class=\"line\"></span></div>"
        << "<div>Prepared by <span class=\"line\"></span> Checked by <span "
           "class=\"line\"></span></div></div>\n";
    out << "<div class=\"signoff\"><div>Prepared by <span class=\"line\"></span> date/time <span "
           "class=\"line\"></span></div>"
        << "<div>Checked by pharmacist <span class=\"line\"></span> date/time <span "
           "class=\"line\"></span></div>"
        << "<div>Entered after downtime by <span class=\"line\"></span> (admix downtime "
           "record)</div></div>\n";
    out << "</section>\n";
}

} // namespace

Result<std::string> downtimeWorksheetHtml(store::Database& db, const formulas::Formulary& formulary,
                                          const formulas::FormulasPolicy& policy,
                                          const std::vector<std::string>& orderNumbers,
                                          const std::string& stationName, TimePoint now) {
    store::PrepRepo repo(db);
    std::vector<store::OrderRow> orders;
    if (orderNumbers.empty()) {
        for (const auto& o : repo.queue())
            if (o.status == "open")
                orders.push_back(o);
    } else {
        for (const auto& number : orderNumbers) {
            const auto o = repo.orderByNumber(number);
            if (!o)
                return Result<std::string>::fail("no order " + number);
            if (o->status != "open")
                return Result<std::string>::fail("order " + number + " is " + o->status +
                                                 ", not waiting to be prepared");
            orders.push_back(*o);
        }
    }
    std::ostringstream out;
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Admix downtime "
           "worksheet</title>"
        << "<style>" << kStyle << "</style></head><body>\n";
    if (orders.empty())
        out << "<section class=\"order\"><div class=\"banner\"><span>DOWNTIME "
               "WORKSHEET</span><span>-</span></div>"
               "<p>No orders are waiting to be prepared.</p></section>\n";
    for (const auto& o : orders)
        writeOrder(out, o, specForOrder(o, formulary, policy), stationName, now);
    out << "</body></html>\n";
    return out.str();
}

Result<std::string>
recordDowntimePreparation(store::Database& db, store::AuditLog& audit, const std::string& stationName,
                          const formulas::Formulary& formulary, const formulas::FormulasPolicy& policy,
                          const DowntimeEntry& entry, const Signature& signature, TimePoint now) {
    using R = Result<std::string>;
    store::PrepRepo repo(db);
    const auto order = repo.orderByNumber(entry.orderNumber);
    if (!order)
        return R::fail("no order " + entry.orderNumber);
    if (order->status != "open")
        return R::fail("order " + entry.orderNumber + " is " + order->status +
                       ", not waiting to be prepared");
    if (signature.signer.role != Role::Pharmacist || signature.action != "prep.downtime_record" ||
        signature.subject != entry.orderNumber)
        return R::fail("a downtime preparation is entered with a pharmacist's e-signature for this order");
    if (entry.preparedAt > now)
        return R::fail("the preparation time " + formatLocal(entry.preparedAt) + " is in the future");
    Authenticator auth(db, audit);
    const auto preparer = auth.findByUsername(entry.preparedBy);
    if (!preparer || !preparer->active)
        return R::fail("no active station user '" + entry.preparedBy + "' (who prepared it)");
    if (!mayCompound(preparer->role))
        return R::fail(entry.preparedBy + " (" + std::string(roleName(preparer->role)) +
                       ") may not compound");
    if (!store::isSha256Hex(entry.worksheetSha256) || !store::ImageStore(db, {}).find(entry.worksheetSha256))
        return R::fail("the worksheet photo is not in the image store");
    const auto spec = specForOrder(*order, formulary, policy);
    if (!spec)
        return R::fail("order " + entry.orderNumber +
                       " has no plan the station accepts: " + spec.error().text());

    const std::string nowText = formatIsoUtc(now);
    const std::string preparedText = formatIsoUtc(entry.preparedAt);
    store::Transaction tx(db);
    const std::string day = formatDate(localDate(entry.preparedAt));
    const std::string prefix = "P" + day.substr(0, 4) + day.substr(5, 2) + day.substr(8, 2) + "-";
    const std::string seq = std::to_string(repo.countPrepsStartedWith(prefix) + 1);
    store::PrepRow row;
    row.prepNumber = prefix + std::string(seq.size() < 4 ? 4 - seq.size() : 0, '0') + seq;
    row.orderId = order->id;
    row.recipeId = spec->recipeId;
    row.recipeVersion = spec->recipeVersion;
    row.specJson = toJson(*spec).dump();
    row.status = "in_progress";
    row.currentStep = static_cast<int>(spec->steps.size()) - 1;
    row.technician = entry.preparedBy;
    row.station = stationName + " (downtime, paper)";
    row.startedUtc = preparedText;
    const int64_t id = repo.insertPrep(row);
    const json stepResult{{"downtime", true}, {"verified_by_station", false}};
    for (size_t i = 0; i < spec->steps.size(); ++i)
        repo.insertStep(store::StepRow{id, static_cast<int>(i),
                                       std::string(stepKindName(spec->steps[i].kind)), "overridden", 0,
                                       stepResult.dump(), preparedText, entry.preparedBy});
    store::EvidenceRow ev;
    ev.prepId = id;
    ev.stepIndex = 0;
    ev.eventKey = "downtime-record";
    ev.kind = "downtime";
    ev.outcome = "info";
    ev.message = "prepared during downtime on paper; entered by " + signature.signer.username;
    ev.dataJson = entry.details.dump();
    ev.imageSha256 = entry.worksheetSha256;
    ev.actor = signature.signer.username;
    ev.atUtc = nowText;
    (void)repo.addEvidence(ev);
    store::DowntimeRepo(db).insert(store::DowntimeRow{id, entry.worksheetSha256, preparedText,
                                                      entry.preparedBy, signature.signer.username, nowText,
                                                      entry.details.dump()});
    repo.setPrepCompleted(id, preparedText);
    repo.setPrepChecked(id, "released", signature.signer.username, nowText, "downtime",
                        "prepared during downtime; checked on paper");
    repo.setOrderStatus(order->id, "released");
    audit.append(signature.signer.username, "prep.downtime_record", row.prepNumber,
                 json{{"order", order->orderNumber},
                      {"prepared_by", entry.preparedBy},
                      {"prepared_utc", preparedText},
                      {"worksheet_sha256", entry.worksheetSha256},
                      {"details", entry.details},
                      {"signature_audit_id", signature.auditId}}
                     .dump(),
                 now);
    tx.commit();
    return row.prepNumber;
}

std::optional<json> downtimeRecordFor(store::Database& db, int64_t prepId) {
    const auto row = store::DowntimeRepo(db).forPrep(prepId);
    if (!row)
        return std::nullopt;
    return json{{"prepared_during_downtime", true},
                {"prepared_by", row->preparedBy},
                {"prepared_utc", row->preparedUtc},
                {"entered_by", row->enteredBy},
                {"entered_utc", row->enteredUtc},
                {"worksheet_sha256", row->worksheetSha256},
                {"details", json::parse(row->detailsJson, nullptr, false)}};
}

} // namespace admix::workflow

#include "station/workflow/station_service.hpp"

#include "station/store/remote_queries.hpp"

#include "station/workflow/plan_steps.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace admix::workflow {

std::vector<store::OrderRow> StationService::queue() {
    return store::PrepRepo(m_db).queue();
}

store::ComplianceStatus StationService::complianceStatus(const std::string& room, TimePoint now) {
    return m_compliance.status(now, std::nullopt, room);
}

std::vector<store::PrepRow> StationService::awaitingCheck(int limit) {
    return store::PrepRepo(m_db).prepsWithStatus(std::string(prepStatusName(PrepStatus::AwaitingCheck)),
                                                 limit);
}

std::vector<store::PrepRow> StationService::recentPreparations(int limit) {
    std::vector<store::PrepRow> rows;
    store::PrepRepo repo(m_db);
    for (const PrepStatus status : {PrepStatus::InProgress, PrepStatus::AwaitingCheck, PrepStatus::Released,
                                    PrepStatus::Rejected, PrepStatus::Cancelled}) {
        for (auto& row : repo.prepsWithStatus(std::string(prepStatusName(status)), limit))
            rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(),
              [](const auto& a, const auto& b) { return a.startedUtc > b.startedUtc; });
    if (rows.size() > static_cast<size_t>(std::max(limit, 0)))
        rows.resize(static_cast<size_t>(std::max(limit, 0)));
    return rows;
}

std::vector<CheckQueueItem> StationService::checkQueue(TimePoint now, int limit) {
    return workflow::checkQueue(m_db, now, limit);
}

std::optional<CheckReview> StationService::checkReview(int64_t prepId) {
    return workflow::checkReview(m_db, m_engine, m_images, prepId);
}

std::optional<std::vector<uint8_t>> StationService::evidencePhoto(int64_t prepId, const std::string& sha256) {
    if (!store::isSha256Hex(sha256) || !store::RemoteQueries(m_db).isEvidenceImage(prepId, sha256))
        return std::nullopt;
    return m_images.read(sha256);
}

std::vector<usp797::GarbingStep> StationService::garbingProcedure(const std::string& room) {
    const auto r = m_compliance.room(room);
    return usp797::garbingProcedure(r && r->hazardous, m_compliance.policy());
}

std::optional<usp797::GarbingSession> StationService::currentGarbing(const std::string& person,
                                                                     const std::string& room, TimePoint now) {
    const auto session = m_compliance.latestGarbing(person, now);
    if (!session || session->ended || session->room != room)
        return std::nullopt;
    return session;
}

Status StationService::garbingStep(const std::string& person, const std::string& room,
                                   const std::string& step, int seconds, TimePoint now) {
    int64_t id = 0;
    if (const auto session = currentGarbing(person, room, now)) {
        id = session->id;
    } else {
        const auto started = m_compliance.startGarbing(person, room, now);
        if (!started)
            return started.error();
        id = *started;
    }
    return m_compliance.garbingStep(id, step, seconds, now);
}

void StationService::signedOut(const User& user, TimePoint now) {
    m_audit.append(user.username, "signout", user.username, "{}", now);
}

Result<StationService::Started> StationService::startOrResume(int64_t orderId, const User& technician,
                                                              const std::string& room, const std::string& pec,
                                                              const formulas::Formulary& formulary,
                                                              const formulas::FormulasPolicy& policy,
                                                              TimePoint now) {
    store::PrepRepo repo(m_db);
    const auto order = repo.order(orderId);
    if (!order)
        return Result<Started>::fail("no such order");
    if (order->status == "in_progress") {
        if (const auto active = repo.activePrepForOrder(orderId);
            active && parsePrepStatus(active->status) == PrepStatus::InProgress)
            return Started{active->id, true};
    }
    const auto spec = specForOrder(*order, formulary, policy);
    if (!spec)
        return spec.error();
    const auto prepId = m_engine.start(orderId, *spec, technician, room, pec, std::nullopt, now);
    if (!prepId)
        return prepId.error();
    return Started{*prepId, false};
}

std::string StationService::orderComments(int64_t orderId) {
    return store::PrepRepo(m_db).orderComments(orderId);
}

std::vector<StationService::Cancellation> StationService::recentCancellations(const std::string& station,
                                                                              TimePoint now) {
    std::vector<Cancellation> out;
    for (const auto& prep :
         store::PrepRepo(m_db).cancelledSince(station, formatIsoUtc(now - std::chrono::hours(24)))) {
        Cancellation c{prep.prepNumber, prep.recipeId, prep.technician, "", prep.startedUtc};
        for (const auto& e : m_audit.forSubject(prep.prepNumber)) {
            if (e.action != "prep.cancel")
                continue;
            const auto details = nlohmann::json::parse(e.details, nullptr, false);
            c.by = e.actor;
            c.atUtc = e.atUtc;
            c.reason = details.is_object() ? details.value("reason", "") : "";
        }
        out.push_back(std::move(c));
    }
    return out;
}

Result<Outcome> StationService::photoTaken(int64_t prepId, int step,
                                           const std::optional<store::StoredImage>& image,
                                           const std::string& problem, const User& by, TimePoint now) {
    const std::string at = formatIsoUtc(now);
    if (image)
        m_images.index(*image, at);
    const std::string key = "photo-s" + std::to_string(step) + "-" +
                            (image ? image->sha256.substr(0, 16)
                                   : store::sha256Hex(problem + std::to_string(step) + at).substr(0, 16));
    return m_engine.submitPhoto(
        prepId, step, key, PhotoInput{image ? image->sha256 : "", image.has_value(), problem, ""}, by, now);
}

store::StoredImage StationService::writePhotoFile(const std::filesystem::path& imagesDir,
                                                  const std::vector<uint8_t>& jpeg, int width, int height) {
    const std::string sha = store::writeImageFile(imagesDir, jpeg, "image/jpeg");
    return store::StoredImage{sha, static_cast<int64_t>(jpeg.size()), "image/jpeg", width, height};
}

} // namespace admix::workflow

// What the touchscreen does to the station's records and reads from them, as named operations, so
// that no screen (nor the station controller behind them) touches a repository, the image store,
// the compliance store or the audit log itself: garbing, the queue and the compliance status,
// starting or resuming an order, indexing a durable evidence photo before the photo gate hears of
// it, the pharmacist's check list, a sign-out. It holds references only; the rules stay the
// engine's and usp797's. Not thread-safe (the UI thread and its Database), except writePhotoFile.
// Expected refusals are Result values; storage failures throw store::StoreError.
#pragma once

#include "formulas/formulary.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/check_review.hpp"
#include "station/workflow/engine.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace admix::workflow {

class StationService {
public:
    StationService(store::Database& db, store::AuditLog& audit, store::ComplianceStore& compliance,
                   store::ImageStore& images, PreparationEngine& engine)
        : m_db(db), m_audit(audit), m_compliance(compliance), m_images(images), m_engine(engine) {}

    // [SECTION] Queries
    [[nodiscard]] std::vector<store::OrderRow> queue();
    [[nodiscard]] store::ComplianceStatus complianceStatus(const std::string& room, TimePoint now);
    [[nodiscard]] std::vector<store::PrepRow> awaitingCheck(int limit);
    // The station's recent preparations in every state, newest first (the History screen).
    [[nodiscard]] std::vector<store::PrepRow> recentPreparations(int limit);
    // The pharmacist's check: the queue with drug, priority and waiting time, and one preparation as
    // the check shows it (the same assembly the web check uses).
    [[nodiscard]] std::vector<CheckQueueItem> checkQueue(TimePoint now, int limit);
    [[nodiscard]] std::optional<CheckReview> checkReview(int64_t prepId);
    // The bytes of an evidence photo of `prepId` (nullopt: not evidence of it, or the file is missing).
    [[nodiscard]] std::optional<std::vector<uint8_t>> evidencePhoto(int64_t prepId,
                                                                    const std::string& sha256);
    [[nodiscard]] std::vector<usp797::GarbingStep> garbingProcedure(const std::string& room);
    // The person's garbing session for `room` that is still open (nullopt: none, ended, or elsewhere).
    [[nodiscard]] std::optional<usp797::GarbingSession>
    currentGarbing(const std::string& person, const std::string& room, TimePoint now);

    // [SECTION] Commands
    // The next garbing step, opening a session for `room` when there is none.
    Status garbingStep(const std::string& person, const std::string& room, const std::string& step,
                       int seconds, TimePoint now);
    void signedOut(const User& user, TimePoint now);

    struct Started {
        int64_t prepId = 0;
        bool resumed = false; // the order's preparation in progress, picked up where it was left
    };
    // Resumes the order's preparation in progress, or plans the order and starts it (the engine asks
    // the compliance gate).
    Result<Started> startOrResume(int64_t orderId, const User& technician, const std::string& room,
                                  const std::string& pec, const formulas::Formulary& formulary,
                                  const formulas::FormulasPolicy& policy, TimePoint now);

    // The order's comments for the technician (prescriber, pharmacy, HL7 NTE); empty when none.
    [[nodiscard]] std::string orderComments(int64_t orderId);

    // A preparation cancelled at this station in the last day: who cancelled it and why, for Home.
    struct Cancellation {
        std::string prepNumber;
        std::string recipeId;
        std::string by;
        std::string reason;
        std::string atUtc;
    };
    [[nodiscard]] std::vector<Cancellation> recentCancellations(const std::string& station, TimePoint now);

    // A photo made on a worker: indexed when it was written (durable), then offered to the photo gate.
    Result<Outcome> photoTaken(int64_t prepId, int step, const std::optional<store::StoredImage>& image,
                               const std::string& problem, const User& by, TimePoint now);
    // Writes the JPEG durably (fsync, rename) under `imagesDir`; thread-safe (the photo worker).
    [[nodiscard]] static store::StoredImage writePhotoFile(const std::filesystem::path& imagesDir,
                                                           const std::vector<uint8_t>& jpeg, int width,
                                                           int height);

private:
    store::Database& m_db;
    store::AuditLog& m_audit;
    store::ComplianceStore& m_compliance;
    store::ImageStore& m_images;
    PreparationEngine& m_engine;
};

} // namespace admix::workflow

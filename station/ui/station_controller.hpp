// The station at run time, seen from the UI thread: who is signed in, which screen is up, the order
// queue, the preparation in progress, and the devices and camera behind it. Once per frame update()
// drains the devices' and the camera's events (never waiting on them), lets the hood assistant decide
// what advances by itself, and sends that to the workflow engine; evidence photos are made and
// written (fsync) on a worker thread and reach the engine only once durable. Screens read the cached
// state here and call the commands; every rule is the engine's or the compliance gate's, and every
// read or write of the station's records goes through workflow::StationService and the engine.
// UI thread only (the photo worker is internal).
#pragma once

#include "devices/device_manager.hpp"
#include "formulas/formulary.hpp"
#include "station/store/compliance_store.hpp"
#include "station/store/image_store.hpp"
#include "station/store/prep_repo.hpp"
#include "station/ui/demo_camera.hpp"
#include "station/workflow/auth.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/hood_assistant.hpp"
#include "station/workflow/order_form.hpp"
#include "station/workflow/site_setup.hpp"
#include "station/workflow/station_service.hpp"
#include "vision/evidence.hpp"
#include "vision/quality.hpp"
#include "vision/vision_pipeline.hpp"

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace admix::ui {

struct StationDeps {
    store::Database& db;
    store::AuditLog& audit;
    workflow::Authenticator& auth;
    workflow::PreparationEngine& engine;
    store::ComplianceStore& compliance;
    store::ImageStore& images;
    std::filesystem::path imagesDir;
    const formulas::Formulary& formulary;
    const formulas::FormulasPolicy& policy;
    devices::DeviceManager* devices = nullptr; // may be null: no devices configured
    std::string balanceName;
    std::string scannerName;
    std::string printerName;
    vision::VisionPipeline* camera = nullptr; // may be null: no camera
    DemoHoodCamera* demoCamera = nullptr;     // demo mode only
    vision::QualityThresholds quality;
    std::string room;
    std::string pec;
    std::string stationName;
    bool demo = false;
    // Renders the label of a completed preparation as ZPL (the labels module); empty: no labels.
    std::function<Result<std::string>(int64_t prepId)> labelZpl;
    // What a real station still lacks (users, approved formulary, room/PEC): shown instead of sign-in.
    std::vector<workflow::SetupGap> setupGaps;
};

// The latest answer the station gave the technician, shown large until the next one.
struct Notice {
    enum class Tone { Info, Pass, Fail };
    Tone tone = Tone::Info;
    std::string text;
};

class StationController {
public:
    explicit StationController(StationDeps deps);
    ~StationController();
    StationController(const StationController&) = delete;
    StationController& operator=(const StationController&) = delete;

    void update();

    // [SECTION] Session and navigation
    Status signIn(const std::string& badge, const std::string& pin);
    Status signInWithPassword(const std::string& username, const std::string& password);
    void signOut();
    [[nodiscard]] const std::optional<workflow::User>& user() const { return m_session.user(); }
    [[nodiscard]] const std::string& screen() const { return m_screen; }
    void go(const std::string& screen);
    [[nodiscard]] const StationDeps& deps() const { return m_deps; }
    // What the station still lacks, read again while it runs (the first screen goes once it is empty).
    void setSetupGaps(std::vector<workflow::SetupGap> gaps) { m_deps.setupGaps = std::move(gaps); }
    [[nodiscard]] bool idleLocked() const;
    void touch();

    // [SECTION] Garbing
    [[nodiscard]] std::vector<usp797::GarbingStep> garbingProcedure();
    [[nodiscard]] std::optional<usp797::GarbingSession> garbing();
    Status garbingStep(const std::string& step, int seconds);
    [[nodiscard]] bool garbed();

    // [SECTION] Queue and compliance
    [[nodiscard]] const std::vector<store::OrderRow>& queue() const { return m_queue; }
    // Preparations cancelled here in the last day, with who and why (shown on Home).
    [[nodiscard]] const std::vector<workflow::StationService::Cancellation>& cancellations() const {
        return m_cancellations;
    }
    // The gate's decision for the order at the top of the queue, as reasons to show (empty: may start),
    // and that order's number (empty: no open order to judge).
    [[nodiscard]] const std::vector<std::string>& blockers() const { return m_blockers; }
    [[nodiscard]] const std::string& bannerOrder() const { return m_bannerOrder; }
    // The gate's decision for an open order here, as the start would ask it (null: not judged).
    [[nodiscard]] const usp797::GateDecision* gateFor(int64_t orderId) const;
    [[nodiscard]] const store::ComplianceStatus& compliance() const { return m_compliance; }
    void refresh();

    // [SECTION] The preparation in progress
    Status startOrder(int64_t orderId);
    [[nodiscard]] const std::optional<workflow::PrepView>& prep() const { return m_prep; }
    // The comments of the order being prepared (read once per order), shown with the preparation.
    [[nodiscard]] const std::string& orderComments();
    [[nodiscard]] const std::optional<Notice>& notice() const { return m_notice; }
    void confirmStep();
    void printLabel();
    void takePhoto();
    void scanText(const std::string& text); // the on-screen scanner (demo) and keyboard-wedge text
    // Scans that arrived while no preparation was open (a badge at the sign-in screen), or while a
    // signature is asked for (expectBadge): then a scan is the signer's badge, never a product.
    [[nodiscard]] std::vector<std::string> takeBadgeScans() { return std::exchange(m_pendingBadgeScans, {}); }
    void expectBadge(bool expected) { m_badgeExpected = expected; }
    [[nodiscard]] bool badgeExpected() const { return m_badgeExpected; }
    // Signatures (override, approve, reject): `badge` + `pin`, or with byPassword a user name + password
    // (a site without badges), verified by workflow::Authenticator as the web check does.
    Status overrideStep(const std::string& badge, const std::string& pin, const std::string& reason,
                        bool byPassword = false);
    Status cancelPrep(const std::string& reason);
    [[nodiscard]] bool photoInFlight() const;
    // The weigh step waits for the pan to be cleared before it takes the empty syringe's weight.
    [[nodiscard]] bool waitingForEmptyPan() const { return m_assistant.waitingForEmptyPan(); }
    [[nodiscard]] const std::string& lastLabelZpl() const { return m_lastZpl; }

    // [SECTION] Orders entered at the station (the order form)
    // The path of `admix order add` (workflow::submitOrder) for the person signed in, against the
    // formulary and policy this station prepares from; the queue is read again once one is entered.
    workflow::OrderSubmission enterOrder(const nlohmann::json& order,
                                         const std::string& acknowledgedWarnings);

    // [SECTION] Pharmacist check on the station
    [[nodiscard]] std::vector<store::PrepRow> awaitingCheck();
    [[nodiscard]] std::vector<store::PrepRow> recentPreparations() {
        return m_service.recentPreparations(60);
    }
    Status approve(int64_t prepId, const std::string& badge, const std::string& pin, bool byPassword = false);
    Status reject(int64_t prepId, const std::string& badge, const std::string& pin,
                  const std::string& reasonCode, bool remake, bool byPassword = false);
    // What the check shows (the same assembly as the web check's), read through the station service.
    [[nodiscard]] std::vector<workflow::CheckQueueItem> checkQueue() {
        return m_service.checkQueue(nowUtc(), 50);
    }
    [[nodiscard]] std::optional<workflow::CheckReview> checkReview(int64_t prepId) {
        return m_service.checkReview(prepId);
    }
    [[nodiscard]] std::optional<std::vector<uint8_t>> evidencePhoto(int64_t prepId,
                                                                    const std::string& sha256) {
        return m_service.evidencePhoto(prepId, sha256);
    }

    // [SECTION] Devices and camera as the screens show them
    [[nodiscard]] std::shared_ptr<const devices::BalanceSnapshot> balance() const;
    [[nodiscard]] std::shared_ptr<const vision::Frame> frame() const;
    [[nodiscard]] std::shared_ptr<const vision::DecodeSnapshot> decoded() const;
    [[nodiscard]] std::vector<devices::DeviceStatus> deviceStatuses() const;
    [[nodiscard]] std::string cameraStatus() const;

    // [SECTION] Demo controls (demo mode only)
    void demoShowExpected();
    void demoShowWrong();
    void demoEmptySyringe();
    void demoDraw(double fraction); // 1.0 the right volume; 0.85 a misdraw
    void demoLift();
    void demoScanExpected();
    void demoUnplugBalance(bool unplug);

private:
    struct PhotoJob {
        std::shared_ptr<const vision::Frame> frame;
        vision::EvidenceCaption caption;
        int64_t prepId = 0;
        int step = 0;
    };
    struct PhotoResult {
        int64_t prepId = 0;
        int step = 0;
        bool ok = false;
        std::string problem;
        store::StoredImage image;
    };
    void photoWorker();
    void handle(const Result<workflow::Outcome>& outcome);
    void reloadPrep();
    void sceneForStep();
    [[nodiscard]] std::string expectedScan() const;
    Result<workflow::Signature> signAnd(const std::string& who, const std::string& secret, bool byPassword,
                                        const char* action, const std::string& subject,
                                        const std::string& meaning,
                                        const std::function<Status(const workflow::Signature&)>& act);
    [[nodiscard]] double demoTareGrams() const;

    StationDeps m_deps;
    workflow::StationService m_service; // every read and write of the station's records
    workflow::Session m_session;
    workflow::HoodAssistant m_assistant;
    std::string m_screen = "Sign in";
    std::vector<store::OrderRow> m_queue;
    std::vector<workflow::StationService::Cancellation> m_cancellations;
    int64_t m_commentsOrder = 0;
    std::string m_comments;
    std::vector<std::string> m_blockers;
    std::string m_bannerOrder;
    std::map<int64_t, usp797::GateDecision> m_gates;
    store::ComplianceStatus m_compliance;
    std::optional<workflow::PrepView> m_prep;
    std::optional<Notice> m_notice;
    std::vector<std::string> m_pendingScans;
    std::vector<std::string> m_pendingBadgeScans;
    std::chrono::steady_clock::time_point m_lastRefresh{};
    std::optional<int64_t> m_garbingSession;
    std::string m_lastZpl;
    uint64_t m_printJob = 0;
    int m_sceneStep = -2;
    int64_t m_scenePrep = -1;
    bool m_demoWrong = false;
    bool m_badgeExpected = false;

    mutable std::mutex m_jobMutex;
    std::condition_variable m_jobWake;
    std::deque<PhotoJob> m_jobs;
    std::deque<PhotoResult> m_results;
    bool m_jobBusy = false;
    bool m_stopping = false;
    std::thread m_worker;
};

} // namespace admix::ui

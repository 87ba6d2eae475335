#include "station/ui/station_controller.hpp"

#include "formulas/gs1.hpp"
#include "formulas/text.hpp"
#include "station/workflow/photo_caption.hpp"
#include "station/workflow/plan_steps.hpp"

#include <spdlog/spdlog.h>

namespace admix::ui {

using workflow::Outcome;
using workflow::StepKind;
using workflow::Verdict;

// [SECTION] Life cycle ----------------------------------------------------------------------------

StationController::StationController(StationDeps deps)
    : m_deps(std::move(deps)),
      m_service(m_deps.db, m_deps.audit, m_deps.compliance, m_deps.images, m_deps.engine) {
    m_worker = std::thread([this] { photoWorker(); });
    refresh();
}

StationController::~StationController() {
    {
        std::lock_guard lock(m_jobMutex);
        m_stopping = true;
    }
    m_jobWake.notify_all();
    m_worker.join();
}

// [SECTION] Per frame -----------------------------------------------------------------------------

void StationController::update() {
    const auto now = std::chrono::steady_clock::now();
    if (now - m_lastRefresh > std::chrono::seconds(3))
        refresh();

    // Device events: scans, printer answers. Balance readings are read from its snapshot.
    std::vector<workflow::ScannedCode> scans;
    for (const std::string& text : std::exchange(m_pendingScans, {}))
        scans.push_back(workflow::scannedText(text, workflow::ScanSource::Keyboard, "keyboard"));
    if (m_deps.devices) {
        if (auto* scanner = m_deps.devices->scanner(m_deps.scannerName)) {
            for (auto& scan : scanner->drainScans()) {
                if (scan.gs1SeparatorsMissing) {
                    m_notice = Notice{
                        Notice::Tone::Fail,
                        "That scan lost its GS1 separators: scan again (check the scanner's GS1 setting)."};
                    continue;
                }
                scans.push_back(workflow::scannedFromScanner(scan));
            }
        }
        if (auto* printer = m_deps.devices->printer(m_deps.printerName)) {
            for (const auto& ev : printer->drainEvents()) {
                if (ev.job != m_printJob || !m_prep || m_prep->status != workflow::PrepStatus::InProgress)
                    continue;
                const int step = m_prep->currentStep;
                handle(m_deps.engine.labelPrinted(
                    m_prep->id, step, "label-s" + std::to_string(step) + "-j" + std::to_string(ev.job), ev.ok,
                    m_deps.printerName + (ev.ok ? "" : ": " + ev.detail), *user()));
            }
        }
        if (auto* balance = m_deps.devices->balance(m_deps.balanceName))
            (void)balance->drainEvents(); // state comes from the snapshot; the queue must not grow
    }
    if (!scans.empty())
        touch();

    // Photos made on the worker: durable on disk; index them and offer them to the photo gate.
    std::deque<PhotoResult> results;
    {
        std::lock_guard lock(m_jobMutex);
        results.swap(m_results);
    }
    for (const PhotoResult& r : results) {
        if (!m_prep || m_prep->id != r.prepId || m_prep->currentStep != r.step || !user())
            continue;
        handle(m_service.photoTaken(r.prepId, r.step,
                                    r.ok ? std::optional<store::StoredImage>(r.image) : std::nullopt,
                                    r.problem, *user(), nowUtc()));
    }

    if (!m_prep || m_prep->status != workflow::PrepStatus::InProgress || !user() || m_badgeExpected) {
        // Not preparing, or a signature is asked for: a scan is a badge (the sign-in screen or the
        // signature pad takes it), never a product for the step.
        for (const auto& scan : scans)
            m_pendingBadgeScans.push_back(scan.raw());
        return;
    }
    sceneForStep();

    workflow::HoodInputs in;
    in.scannerScans = scans;
    in.now = now;
    in.photoInFlight = photoInFlight();
    if (m_deps.camera) {
        for (const auto& code : m_deps.camera->takeConfirmedCodes()) {
            if (code.usable())
                in.cameraConfirmed.push_back(workflow::scannedFromCamera(code));
        }
        if (const auto decoded = m_deps.camera->latestResults()) {
            for (const auto& code : decoded->confirmed) {
                if (code.usable() && code.gs1 && !code.gs1->gtin.empty())
                    in.codesInView.push_back(code.gs1->gtin);
            }
        }
    }
    if (const auto snap = balance()) {
        in.balancePresent = true;
        in.balanceConnected = snap->status.state == devices::ConnectionState::Connected ||
                              snap->status.state == devices::ConnectionState::Reading;
        if (snap->latest && (snap->latest->status == devices::WeightStatus::Overload ||
                             snap->latest->status == devices::WeightStatus::Underload))
            in.outOfRange = workflow::weighReading(*snap->latest);
        if (snap->latest && snap->latest->stable()) {
            in.balanceSettled = true;
            in.latestStable = workflow::weighReading(*snap->latest);
            if (in.latestStable->balance.model.empty() && in.latestStable->balance.serial.empty())
                in.latestStable->balance = snap->identity;
        }
    }
    for (const auto& action : m_assistant.decide(*m_prep, in)) {
        const int step = m_prep->currentStep;
        switch (action.kind) {
        case workflow::HoodAction::Kind::Scan:
            handle(m_deps.engine.submitScan(m_prep->id, step, action.eventKey, action.scan, *user()));
            break;
        case workflow::HoodAction::Kind::Reading:
            handle(m_deps.engine.submitReading(m_prep->id, step, action.eventKey, action.reading, *user()));
            break;
        case workflow::HoodAction::Kind::DeviceDown:
        case workflow::HoodAction::Kind::DeviceUp:
            handle(m_deps.engine.deviceStatus(m_prep->id, step, action.eventKey, "balance",
                                              action.kind == workflow::HoodAction::Kind::DeviceUp,
                                              action.text, *user()));
            break;
        case workflow::HoodAction::Kind::TakePhoto:
            takePhoto();
            break;
        }
        if (!m_prep || m_prep->status != workflow::PrepStatus::InProgress)
            break;
    }
}

void StationController::handle(const Result<Outcome>& outcome) {
    touch();
    if (!outcome) {
        m_notice = Notice{Notice::Tone::Fail, outcome.error().text()};
        return;
    }
    switch (outcome->verdict) {
    case Verdict::Passed:
        m_notice = Notice{Notice::Tone::Pass, outcome->message};
        break;
    case Verdict::Failed:
        m_notice = Notice{Notice::Tone::Fail, outcome->message};
        break;
    case Verdict::Recorded:
        m_notice = Notice{Notice::Tone::Info, outcome->message};
        break;
    case Verdict::Duplicate:
        break; // already answered
    }
    reloadPrep();
}

void StationController::reloadPrep() {
    if (!m_prep)
        return;
    m_prep = m_deps.engine.view(m_prep->id);
    if (m_prep && m_prep->status == workflow::PrepStatus::AwaitingCheck) {
        m_notice = Notice{Notice::Tone::Pass, "Preparation " + m_prep->number +
                                                  " is complete and waits for the pharmacist's check."};
        refresh();
    }
}

// [SECTION] Session -------------------------------------------------------------------------------

Status StationController::signIn(const std::string& badge, const std::string& pin) {
    auto user = m_deps.auth.signInWithBadge(badge, pin);
    if (!user)
        return user.error();
    m_session.start(*user, nowUtc());
    m_notice.reset();
    refresh();
    go(user->role == workflow::Role::Technician && !garbed() ? "Garbing" : "Home");
    return Status::success();
}

Status StationController::signInWithPassword(const std::string& username, const std::string& password) {
    auto user = m_deps.auth.signInWithPassword(username, password);
    if (!user)
        return user.error();
    m_session.start(*user, nowUtc());
    refresh();
    go("Home");
    return Status::success();
}

void StationController::signOut() {
    if (user())
        m_service.signedOut(*user(), nowUtc());
    m_session.end();
    m_prep.reset();
    m_notice.reset();
    m_assistant.reset();
    go("Sign in");
}

void StationController::go(const std::string& screen) {
    if (screen != m_screen)
        spdlog::debug("screen {} -> {}", m_screen, screen);
    m_screen = screen;
}

bool StationController::idleLocked() const {
    return m_session.idleLocked(nowUtc(), m_deps.auth.policy().idleLock);
}
void StationController::touch() {
    m_session.touch(nowUtc());
}

// [SECTION] Orders entered at the station ------------------------------------------------------

workflow::OrderSubmission StationController::enterOrder(const nlohmann::json& order,
                                                        const std::string& acknowledgedWarnings) {
    if (!user()) {
        workflow::OrderSubmission refused;
        refused.error = Error{"sign in first", ""};
        return refused;
    }
    auto answer = workflow::submitOrder(m_deps.engine, m_deps.db, m_deps.audit, order, m_deps.formulary,
                                        m_deps.policy, *user(), acknowledgedWarnings, nowUtc());
    if (answer.ok())
        refresh();
    return answer;
}

// [SECTION] Garbing -------------------------------------------------------------------------------

std::vector<usp797::GarbingStep> StationController::garbingProcedure() {
    return m_service.garbingProcedure(m_deps.room);
}

std::optional<usp797::GarbingSession> StationController::garbing() {
    if (!user())
        return std::nullopt;
    return m_service.currentGarbing(user()->username, m_deps.room, nowUtc());
}

bool StationController::garbed() {
    const auto session = garbing();
    return session && session->complete(garbingProcedure());
}

Status StationController::garbingStep(const std::string& step, int seconds) {
    if (!user())
        return Status::fail("sign in first");
    touch();
    return m_service.garbingStep(user()->username, m_deps.room, step, seconds, nowUtc());
}

// [SECTION] Queue ---------------------------------------------------------------------------------

void StationController::refresh() {
    m_lastRefresh = std::chrono::steady_clock::now();
    m_queue = m_service.queue();
    m_cancellations = m_service.recentCancellations(m_deps.stationName, nowUtc());
    m_compliance = m_service.complianceStatus(m_deps.room, nowUtc());
    m_blockers.clear();
    m_gates.clear();
    m_bannerOrder.clear();
    if (user() && workflow::mayCompound(user()->role)) {
        // The gate's own decision for each open order here (usp797::evaluateGate through the
        // engine, not recorded), as the start will ask it; the banner shows the one for the order at
        // the top of the queue.
        constexpr size_t kGateRows = 12;
        for (const auto& order : m_queue) {
            if (order.status != "open" || m_gates.size() >= kGateRows)
                continue;
            const auto spec = workflow::specForOrder(order, m_deps.formulary, m_deps.policy);
            if (!spec)
                continue; // the start shows the plan's own refusal
            const auto decision =
                m_deps.engine.gateDecision(*spec, *user(), m_deps.room, m_deps.pec, nowUtc());
            if (!decision)
                continue;
            if (m_gates.empty()) {
                m_bannerOrder = order.orderNumber;
                for (const auto& r : decision->reasons)
                    m_blockers.push_back(r.message + (r.overridable ? " (a pharmacist may override)" : ""));
            }
            m_gates[order.id] = *decision;
        }
    }
}

const usp797::GateDecision* StationController::gateFor(int64_t orderId) const {
    const auto it = m_gates.find(orderId);
    return it == m_gates.end() ? nullptr : &it->second;
}

Status StationController::startOrder(int64_t orderId) {
    if (!user())
        return Status::fail("sign in first");
    touch();
    const auto started = m_service.startOrResume(orderId, *user(), m_deps.room, m_deps.pec, m_deps.formulary,
                                                 m_deps.policy, nowUtc());
    if (!started)
        return started.error();
    m_prep = m_deps.engine.view(started->prepId);
    if (!m_prep)
        return Status::fail("the preparation cannot be shown: its stored plan does not read");
    if (started->resumed) { // where it was left
        m_assistant.reset();
        go("Preparation");
        return Status::success();
    }
    m_notice = Notice{Notice::Tone::Info, "Started " + m_prep->number + ": " + m_prep->spec.title};
    m_assistant.reset();
    refresh();
    go("Preparation");
    return Status::success();
}

// [SECTION] Step commands -------------------------------------------------------------------------

void StationController::confirmStep() {
    if (!m_prep || !user())
        return;
    const int step = m_prep->currentStep;
    handle(m_deps.engine.confirm(m_prep->id, step, "confirm-s" + std::to_string(step), *user()));
}

void StationController::printLabel() {
    if (!m_prep || !user())
        return;
    touch();
    auto* printer = m_deps.devices ? m_deps.devices->printer(m_deps.printerName) : nullptr;
    if (!printer) {
        m_notice = Notice{Notice::Tone::Fail,
                          "No label printer is configured: ask for one, or a pharmacist override."};
        return;
    }
    if (!m_deps.labelZpl) {
        m_notice = Notice{Notice::Tone::Fail, "Labels are not available on this station."};
        return;
    }
    const auto zpl = m_deps.labelZpl(m_prep->id);
    if (!zpl) {
        m_notice = Notice{Notice::Tone::Fail, "Label: " + zpl.error().text()};
        return;
    }
    m_lastZpl = *zpl;
    m_printJob = printer->submit(*zpl);
    m_notice = Notice{Notice::Tone::Info, "Printing the label..."};
}

bool StationController::photoInFlight() const {
    std::lock_guard lock(m_jobMutex);
    return m_jobBusy || !m_jobs.empty();
}

void StationController::takePhoto() {
    if (!m_prep || !user() || photoInFlight())
        return;
    const auto frame = this->frame();
    if (!frame) {
        m_notice = Notice{Notice::Tone::Fail, "No camera picture yet: check the camera."};
        return;
    }
    const vision::EvidenceCaption caption = workflow::evidenceCaption(*m_prep, *user(), nowUtc());
    {
        std::lock_guard lock(m_jobMutex);
        m_jobs.push_back(PhotoJob{frame, caption, m_prep->id, m_prep->currentStep});
    }
    m_jobWake.notify_one();
    m_notice = Notice{Notice::Tone::Info, "Taking the photo..."};
}

void StationController::photoWorker() {
    for (;;) {
        PhotoJob job;
        {
            std::unique_lock lock(m_jobMutex);
            m_jobWake.wait(lock, [this] { return m_stopping || !m_jobs.empty(); });
            if (m_stopping)
                return;
            job = std::move(m_jobs.front());
            m_jobs.pop_front();
            m_jobBusy = true;
        }
        PhotoResult result{job.prepId, job.step, false, {}, {}};
        try {
            const auto photo = vision::makeEvidencePhoto(job.frame->image, job.caption, m_deps.quality);
            if (!photo) {
                result.problem = photo.error().message;
            } else {
                // Durable before the engine hears of it: written, fsynced, renamed, directory fsynced.
                result.image = workflow::StationService::writePhotoFile(m_deps.imagesDir, photo->jpeg,
                                                                        photo->width, photo->height);
                result.ok = true;
            }
        } catch (const std::exception& e) {
            result.problem = std::string("could not save the photo: ") + e.what();
        }
        std::lock_guard lock(m_jobMutex);
        m_results.push_back(std::move(result));
        m_jobBusy = false;
    }
}

void StationController::scanText(const std::string& text) {
    m_pendingScans.push_back(text);
}

Result<workflow::Signature>
StationController::signAnd(const std::string& who, const std::string& secret, bool byPassword,
                           const char* action, const std::string& subject, const std::string& meaning,
                           const std::function<Status(const workflow::Signature&)>& act) {
    // The e-signature and the decision it signs in one transaction, as on the web check: a decision
    // the engine refuses leaves no signature behind.
    return byPassword
               ? m_deps.auth.signWithPasswordAnd(who, secret, workflow::Role::Pharmacist, action, subject,
                                                 meaning, act)
               : m_deps.auth.signAnd(who, secret, workflow::Role::Pharmacist, action, subject, meaning, act);
}

Status StationController::overrideStep(const std::string& badge, const std::string& pin,
                                       const std::string& reason, bool byPassword) {
    if (!m_prep)
        return Status::fail("no preparation in progress");
    std::optional<Result<workflow::Outcome>> outcome;
    const auto sig = signAnd(
        badge, pin, byPassword, "prep.override", m_prep->number, reason, [&](const workflow::Signature& s) {
            outcome.emplace(m_deps.engine.overrideStep(m_prep->id, m_prep->currentStep, s));
            return *outcome ? Status::success() : Status(outcome->error());
        });
    if (!sig)
        return sig.error();
    handle(*outcome);
    return Status::success();
}

Status StationController::cancelPrep(const std::string& reason) {
    if (!m_prep || !user())
        return Status::fail("no preparation in progress");
    const auto done = m_deps.engine.cancel(m_prep->id, *user(), reason);
    if (!done)
        return done;
    m_prep.reset();
    m_assistant.reset();
    refresh();
    go("Home");
    return Status::success();
}

// [SECTION] Check ---------------------------------------------------------------------------------

const std::string& StationController::orderComments() {
    const int64_t order = m_prep ? m_prep->orderId : 0;
    if (order != m_commentsOrder) {
        m_commentsOrder = order;
        m_comments = order ? m_service.orderComments(order) : std::string();
    }
    return m_comments;
}

std::vector<store::PrepRow> StationController::awaitingCheck() {
    return m_service.awaitingCheck(50);
}

Status StationController::approve(int64_t prepId, const std::string& badge, const std::string& pin,
                                  bool byPassword) {
    const auto view = m_deps.engine.view(prepId);
    if (!view)
        return Status::fail("no such preparation");
    const auto sig = signAnd(badge, pin, byPassword, "prep.approve", view->number, "approve",
                             [&](const workflow::Signature& s) { return m_deps.engine.approve(prepId, s); });
    refresh();
    return sig ? Status::success() : Status(sig.error());
}

Status StationController::reject(int64_t prepId, const std::string& badge, const std::string& pin,
                                 const std::string& reasonCode, bool remake, bool byPassword) {
    const auto view = m_deps.engine.view(prepId);
    if (!view)
        return Status::fail("no such preparation");
    const auto sig = signAnd(
        badge, pin, byPassword, "prep.reject", view->number, reasonCode,
        [&](const workflow::Signature& s) { return m_deps.engine.reject(prepId, s, reasonCode, remake); });
    refresh();
    return sig ? Status::success() : Status(sig.error());
}

// [SECTION] Devices -------------------------------------------------------------------------------

std::shared_ptr<const devices::BalanceSnapshot> StationController::balance() const {
    if (!m_deps.devices)
        return nullptr;
    const auto* b = m_deps.devices->balance(m_deps.balanceName);
    return b ? b->snapshot() : nullptr;
}

std::shared_ptr<const vision::Frame> StationController::frame() const {
    return m_deps.camera ? m_deps.camera->latestFrame() : nullptr;
}

std::shared_ptr<const vision::DecodeSnapshot> StationController::decoded() const {
    return m_deps.camera ? m_deps.camera->latestResults() : nullptr;
}

std::vector<devices::DeviceStatus> StationController::deviceStatuses() const {
    return m_deps.devices ? m_deps.devices->statuses() : std::vector<devices::DeviceStatus>{};
}

std::string StationController::cameraStatus() const {
    if (!m_deps.camera)
        return "no camera configured";
    const auto s = m_deps.camera->status();
    switch (s.state) {
    case vision::SourceState::Running:
        return "running";
    case vision::SourceState::Connecting:
        return "connecting";
    case vision::SourceState::Reconnecting:
        return "reconnecting: " + s.message;
    case vision::SourceState::Stopped:
        return "stopped";
    }
    return "unknown";
}

// [SECTION] Demo ----------------------------------------------------------------------------------

std::string StationController::expectedScan() const {
    if (!m_prep)
        return {};
    const auto& step = m_prep->steps[static_cast<size_t>(m_prep->currentStep)];
    if (step.spec.kind == StepKind::Label && step.spec.labelScan)
        return "]d1" + m_prep->number; // the printed label's DataMatrix
    if (step.spec.kind != StepKind::Scan || step.spec.scan.acceptedGtins.empty())
        return {};
    // Each vial its own serial: the next one after those already scanned for this step.
    const size_t scanned =
        step.result.is_object() && step.result.contains("vials") ? step.result["vials"].size() : 0;
    return "]d201" + step.spec.scan.acceptedGtins.front() + "17281231" + "10DEMO" +
           std::to_string(m_prep->currentStep + 1) + "\x1d" + "21S" + std::to_string(m_prep->id) + "-" +
           std::to_string(m_prep->currentStep + 1) + "-" + std::to_string(scanned + 1);
}

void StationController::sceneForStep() {
    if (!m_deps.demoCamera || !m_prep)
        return;
    if (m_sceneStep == m_prep->currentStep && m_scenePrep == m_prep->id)
        return;
    m_sceneStep = m_prep->currentStep;
    m_scenePrep = m_prep->id;
    m_demoWrong = false;
    // At a scan step the hood starts empty: the technician picks a vial and holds it up (the demo
    // controls). Elsewhere the step's product is in view, as it would be on the work surface.
    if (m_prep->steps[static_cast<size_t>(m_prep->currentStep)].spec.kind == StepKind::Scan)
        m_deps.demoCamera->setScene({}, static_cast<uint64_t>(m_prep->id));
    else
        demoShowExpected();
}

void StationController::demoShowExpected() {
    if (!m_deps.demoCamera || !m_prep)
        return;
    m_demoWrong = false;
    const auto& step = m_prep->steps[static_cast<size_t>(m_prep->currentStep)];
    std::vector<vision::SceneObject> objects;
    std::string gtin = step.spec.kind == StepKind::Scan && !step.spec.scan.acceptedGtins.empty()
                           ? step.spec.scan.acceptedGtins.front()
                           : workflow::HoodAssistant::expectedInView(*m_prep);
    std::string name = step.spec.kind == StepKind::Scan ? step.spec.scan.productName : m_prep->spec.title;
    const bool bag = step.spec.ingredient < 0 && step.spec.kind != StepKind::Weigh;
    if (!gtin.empty()) {
        // The next vial of a several-vial step shows another lot, so that it reads as another code.
        const size_t scanned =
            step.spec.kind == StepKind::Scan && step.result.is_object() && step.result.contains("vials")
                ? step.result["vials"].size()
                : 0;
        const std::string lot = "DEMO" + std::to_string(m_prep->currentStep + 1) +
                                (scanned ? "V" + std::to_string(scanned + 1) : "");
        objects.push_back(bag ? demoBag(gtin, lot, "281231", name, {820, 540})
                              : demoVial(gtin, lot, "281231", name, {760, 540}));
    }
    if (step.spec.kind == StepKind::Weigh || step.spec.kind == StepKind::Photo)
        objects.push_back(demoSyringe({1250, 600}));
    m_deps.demoCamera->setScene(std::move(objects),
                                static_cast<uint64_t>(m_prep->id * 100 + m_prep->currentStep));
}

void StationController::demoShowWrong() {
    if (!m_deps.demoCamera || !m_prep)
        return;
    m_demoWrong = true;
    // Another product of the formulary: a look-alike is the realistic mistake.
    const auto& step = m_prep->steps[static_cast<size_t>(m_prep->currentStep)];
    const std::string expected =
        step.spec.scan.acceptedGtins.empty() ? "" : step.spec.scan.acceptedGtins.front();
    const formulas::Product* wrong = nullptr;
    for (const auto& p : m_deps.formulary.products()) {
        if (p.gtin != expected && p.form != formulas::ProductForm::Diluent &&
            (!wrong || p.drug == step.spec.scan.drug))
            wrong = &p;
    }
    if (!wrong)
        return;
    m_deps.demoCamera->setScene({demoVial(wrong->gtin, "WRONG1", "281231", wrong->displayName, {760, 540})},
                                7);
}

double StationController::demoTareGrams() const {
    return 11.2034;
}

void StationController::demoEmptySyringe() {
    if (auto* sim = m_deps.devices ? m_deps.devices->balanceSimulator(m_deps.balanceName) : nullptr)
        sim->setLoad(demoTareGrams());
}

void StationController::demoDraw(double fraction) {
    if (!m_prep)
        return;
    const auto& step = m_prep->steps[static_cast<size_t>(m_prep->currentStep)];
    if (step.spec.kind != StepKind::Weigh)
        return;
    if (auto* sim = m_deps.devices ? m_deps.devices->balanceSimulator(m_deps.balanceName) : nullptr)
        sim->setLoad(demoTareGrams() + fraction * step.spec.weigh.targetMl * step.spec.weigh.densityGPerMl);
}

void StationController::demoLift() {
    if (auto* sim = m_deps.devices ? m_deps.devices->balanceSimulator(m_deps.balanceName) : nullptr)
        sim->setLoad(0.0);
}

void StationController::demoScanExpected() {
    const std::string scan = expectedScan();
    if (scan.empty())
        return;
    if (auto* sim = m_deps.devices ? m_deps.devices->scannerSimulator(m_deps.scannerName) : nullptr) {
        if (sim->emit(scan))
            return;
    }
    scanText(scan);
}

void StationController::demoUnplugBalance(bool unplug) {
    auto* sim = m_deps.devices ? m_deps.devices->balanceSimulator(m_deps.balanceName) : nullptr;
    if (!sim)
        return;
    if (unplug)
        sim->unplug();
    else
        (void)sim->replug();
}

} // namespace admix::ui

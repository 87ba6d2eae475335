// The pharmacist's check at the station: the preparations awaiting check (drug, priority, waiting
// time), and for the one selected what the web check shows: the patient and order (MRN, ordered
// dose, comments), each ingredient's target beside its measured volume with lot and expiry, every
// refused attempt with its reason, the overrides (who, why) and the evidence photos (tap to zoom);
// approve or reject, each with an e-signature (badge and PIN, or user name and password). The data
// is workflow::CheckReview, read through the station controller. UI thread only; owns the photos'
// textures.
#pragma once

#include "station/ui/screen.hpp"
#include "station/ui/signature_pad.hpp"
#include "station/ui/station_controller.hpp"

#include <map>
#include <optional>

namespace admix::ui {

class CheckScreen final : public Screen {
public:
    explicit CheckScreen(StationController& station) : m_station(station) {}
    ~CheckScreen() override;
    CheckScreen(const CheckScreen&) = delete;
    CheckScreen& operator=(const CheckScreen&) = delete;
    [[nodiscard]] const char* title() const override { return "Check"; }
    void onOpen() override;
    void onClose() override;
    void drawContent(const ScreenContext& context) override;

private:
    struct PhotoTexture {
        unsigned thumb = 0;
        unsigned full = 0;
        int width = 0; // the photo's pixels
        int height = 0;
        bool missing = false; // not readable from the image store
    };
    void select(int64_t prepId);
    void dropTextures();
    const PhotoTexture& texture(const std::string& sha256);
    void drawQueue(const ScreenContext& context, float touch);
    void drawDetail(const ScreenContext& context, float touch);
    void drawPhotos(const ScreenContext& context, float touch);
    void drawZoom(const ScreenContext& context, float touch);
    void signIfDone(const ScreenContext& context);

    StationController& m_station;
    std::vector<workflow::CheckQueueItem> m_waiting;
    double m_waitingLoaded = -1; // ImGui time of the last read of the queue
    std::optional<workflow::CheckReview> m_selected;
    std::map<std::string, PhotoTexture> m_textures;
    std::string m_zoomed; // the photo shown full size (empty: none)
    SignaturePad m_pad;
    bool m_rejecting = false;
    std::string m_message;
};

} // namespace admix::ui

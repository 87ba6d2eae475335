#include "vision/vision_pipeline.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <thread>

using namespace admix::vision;
using namespace std::chrono_literals;

namespace {

// Polls `done` until it holds or a generous deadline passes (the suite runs at -O0 on a busy CI).
template <typename F> bool eventually(F done, std::chrono::seconds limit = 60s) {
    const auto until = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < until) {
        if (done())
            return true;
        std::this_thread::sleep_for(5ms);
    }
    return done();
}

} // namespace

TEST_CASE("the pipeline confirms the synthetic camera codes and survives an unplug and recovers") {
    SyntheticOptions o;
    o.width = 1280;
    o.height = 720;
    o.fps = 30;
    o.realTime = true;
    auto source = std::make_unique<SyntheticSource>(o);
    SyntheticSource* camera = source.get();
    PipelineOptions options;
    options.reconnectInterval = 50ms;
    options.stability.framesRequired = 2;
    VisionPipeline pipeline(std::move(source), options);
    CHECK(pipeline.latestFrame() == nullptr);
    REQUIRE(pipeline.latestResults() != nullptr); // an empty snapshot before the first frame
    pipeline.start();

    // Both vials' GS1 codes are confirmed and parsed.
    std::vector<ReadCode> confirmed;
    REQUIRE(eventually([&] {
        for (auto& c : pipeline.takeConfirmedCodes())
            confirmed.push_back(c);
        return confirmed.size() >= 2;
    }));
    for (const auto& c : confirmed) {
        CHECK(c.usable());
        REQUIRE(c.gs1.has_value());
        CHECK(c.gs1->gtin.size() == 14);
    }
    CHECK(confirmed[0].code.text != confirmed[1].code.text);
    REQUIRE(pipeline.latestFrame() != nullptr);
    CHECK(pipeline.latestFrame()->image.cols == 1280);
    CHECK(pipeline.latestFrame()->preview.empty()); // not asked for
    CHECK(pipeline.status().state == SourceState::Running);
    const auto results = pipeline.latestResults();
    CHECK(results->framesDecoded > 0);
    CHECK(results->frame != nullptr);

    // Unplugged: the pipeline says so in words and keeps trying.
    camera->unplug();
    REQUIRE(eventually([&] { return pipeline.status().state == SourceState::Reconnecting; }));
    CHECK(pipeline.status().message.find("unplug") != std::string::npos);
    const uint64_t before = pipeline.status().framesCaptured;
    std::this_thread::sleep_for(200ms);
    CHECK(pipeline.status().framesCaptured == before);

    // Plugged back: frames flow again without a restart.
    camera->replug();
    REQUIRE(eventually([&] {
        return pipeline.status().state == SourceState::Running &&
               pipeline.status().framesCaptured > before + 3;
    }));
    CHECK(pipeline.status().reconnects >= 1);
    pipeline.stop();
    CHECK(pipeline.status().state == SourceState::Stopped);
    pipeline.stop(); // idempotent
}

TEST_CASE("reading the snapshots never waits for a decode") {
    SyntheticOptions o;
    o.width = 1920;
    o.height = 1080;
    o.realTime = false;
    PipelineOptions options;
    options.previewSize = cv::Size(960, 600);
    VisionPipeline pipeline(std::make_unique<SyntheticSource>(o), options);
    pipeline.start();
    REQUIRE(eventually([&] { return pipeline.latestResults()->framesDecoded >= 2; }));
    // Each frame carries its screen preview, made on the capture thread: 1920x1080 fitted to 960x600.
    const auto frame = pipeline.latestFrame();
    CHECK(frame->image.size() == cv::Size(1920, 1080));
    CHECK(frame->preview.size() == cv::Size(960, 540));
    CHECK(frame->preview.type() == CV_8UC4);
    // A frame's worth of UI reads: each one is a pointer copy, far below a decode's time.
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < 1000; ++i) {
        auto f = pipeline.latestFrame();
        auto r = pipeline.latestResults();
        REQUIRE(f != nullptr);
        REQUIRE(r != nullptr);
    }
    const auto perRead = (std::chrono::steady_clock::now() - t0) / 1000;
    CHECK(perRead < 1ms);
    pipeline.stop();
}

TEST_CASE("a preview fits the size asked for, keeps the aspect, is never enlarged, and is RGBA") {
    cv::Mat bgr(1080, 1920, CV_8UC3, cv::Scalar(255, 0, 0)); // pure blue in OpenCV's BGR order
    const cv::Mat p = makePreview(bgr, cv::Size(960, 600));
    REQUIRE(p.size() == cv::Size(960, 540));
    REQUIRE(p.type() == CV_8UC4);
    CHECK(p.at<cv::Vec4b>(100, 100) == cv::Vec4b(0, 0, 255, 255));                // R, G, B, A
    CHECK(makePreview(bgr, cv::Size(400, 1000)).size() == cv::Size(400, 225));    // the width binds
    CHECK(makePreview(bgr, cv::Size(4000, 4000)).size() == cv::Size(1920, 1080)); // never enlarged
    const cv::Mat grey(10, 20, CV_8UC1, cv::Scalar(7));
    CHECK(makePreview(grey, cv::Size(10, 10)).at<cv::Vec4b>(2, 2) == cv::Vec4b(7, 7, 7, 255));
    CHECK(makePreview(cv::Mat(), cv::Size(10, 10)).empty());
    CHECK(makePreview(bgr, cv::Size(0, 0)).empty());
    CHECK(makePreview(cv::Mat(10, 10, CV_16UC1), cv::Size(5, 5)).empty());
}

#include "vision/frame_source.hpp"
#include "vision/image_file.hpp"

#include "tests/test_support.hpp"

#include <doctest/doctest.h>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/videoio.hpp>

using namespace admix::vision;

TEST_CASE("image files replay in order and loop") {
    admix::test::TempDir dir;
    for (int i = 0; i < 3; ++i)
        REQUIRE(cv::imwrite((dir / ("f" + std::to_string(i) + ".png")).string(),
                            cv::Mat(40, 60, CV_8UC3, cv::Scalar(i * 50, 0, 0))));
    auto source = makeFrameSource("images:" + dir.path().string());
    REQUIRE(source.ok());
    auto& s = **source;
    REQUIRE(s.open().ok());
    for (int round = 0; round < 2; ++round) {
        for (int i = 0; i < 3; ++i) {
            auto f = s.read();
            REQUIRE(f.ok());
            CHECK(f->cols == 60);
            CHECK((*f).at<cv::Vec3b>(0, 0)[0] == i * 50);
        }
    }
    s.close();
    CHECK_FALSE(s.isOpen());
    CHECK_FALSE(s.read().ok());
}

TEST_CASE("a video file replays its frames") {
    admix::test::TempDir dir;
    const auto file = (dir / "clip.avi").string();
    {
        cv::VideoWriter writer(file, cv::VideoWriter::fourcc('M', 'J', 'P', 'G'), 100, cv::Size(64, 48));
        REQUIRE(writer.isOpened());
        for (int i = 0; i < 5; ++i)
            writer.write(cv::Mat(48, 64, CV_8UC3, cv::Scalar(0, i * 40, 0)));
    }
    VideoFileSource video(file, false);
    REQUIRE(video.open().ok());
    int frames = 0;
    while (true) {
        auto f = video.read();
        if (!f)
            break;
        CHECK(f->cols == 64);
        CHECK(std::abs((*f).at<cv::Vec3b>(10, 10)[1] - frames * 40) <= 6);
        ++frames;
    }
    CHECK(frames == 5);
}

TEST_CASE("sources that cannot open say what and where") {
    auto cam = makeFrameSource("camera:/dev/video-admix-none");
    REQUIRE(cam.ok());
    const auto opened = (*cam)->open();
    REQUIRE_FALSE(opened.ok());
    CHECK(opened.error().where == "/dev/video-admix-none");
    CHECK(opened.error().message.find("no camera connected") != std::string::npos);
    CHECK_FALSE(makeFrameSource("images:/nonexistent-admix").ok());
    CHECK_FALSE(makeFrameSource("video:").ok());
    CHECK_FALSE(makeFrameSource("synthetic:x").ok());
    const auto unknown = makeFrameSource("webcam");
    REQUIRE_FALSE(unknown.ok());
    CHECK(unknown.error().where == "webcam");
    VideoFileSource missing("/nonexistent-admix.avi");
    CHECK_FALSE(missing.open().ok());
}

TEST_CASE("listing cameras never fails and reports only /dev/video nodes") {
    for (const auto& c : listCameras())
        CHECK(c.device.rfind("/dev/video", 0) == 0);
}

TEST_CASE("the synthetic camera renders its codes and can be unplugged") {
    SyntheticOptions o;
    o.width = 960;
    o.height = 540;
    o.realTime = false;
    SyntheticSource s(o);
    REQUIRE(s.open().ok());
    auto a = s.read();
    REQUIRE(a.ok());
    CHECK(a->cols == 960);
    CHECK(s.lastCodes().size() == 2);
    auto b = s.read();
    REQUIRE(b.ok());
    CHECK(cv::norm(*a, *b, cv::NORM_L1) > 0); // things move
    s.unplug();
    CHECK_FALSE(s.read().ok());
    CHECK_FALSE(s.open().ok());
    s.replug();
    CHECK(s.open().ok());
    CHECK(s.read().ok());
}

TEST_CASE("image bytes from untrusted sources are checked") {
    CHECK_FALSE(decodeImageBytes({}, "x").ok());
    const std::vector<uint8_t> junk{1, 2, 3, 4, 5};
    const auto r = decodeImageBytes(junk, "upload");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where == "upload");
    // A PNG header announcing 100000 x 100000 pixels is refused before decoding.
    std::vector<uint8_t> huge{0x89, 'P', 'N', 'G',  0x0D, 0x0A, 0x1A, 0x0A, 0,    0, 0, 13, 'I', 'H', 'D',
                              'R',  0,   1,   0x86, 0xA0, 0,    1,    0x86, 0xA0, 8, 2, 0,  0,   0};
    const auto big = decodeImageBytes(huge, "big.png");
    REQUIRE_FALSE(big.ok());
    CHECK(big.error().message.find("too large") != std::string::npos);
    std::vector<uint8_t> png;
    REQUIRE(cv::imencode(".png", cv::Mat(10, 20, CV_8UC1, cv::Scalar(9)), png));
    const auto ok = decodeImageBytes(png, "small.png");
    REQUIRE(ok.ok());
    CHECK(ok->channels() == 3);
    CHECK(ok->cols == 20);
    CHECK_FALSE(loadImage("/nonexistent-admix.png").ok());
    // Formats OpenCV could decode but the station does not take from outside are refused unread.
    std::vector<uint8_t> pgm;
    REQUIRE(cv::imencode(".pgm", cv::Mat(10, 20, CV_8UC1, cv::Scalar(9)), pgm));
    const auto refused = decodeImageBytes(pgm, "x.pgm");
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error().message == "not a PNG, JPEG, BMP or TIFF image");
    for (const char* ext : {".jpg", ".bmp", ".tiff"}) {
        std::vector<uint8_t> bytes;
        REQUIRE(cv::imencode(ext, cv::Mat(10, 20, CV_8UC3, cv::Scalar(9, 9, 9)), bytes));
        CHECK_MESSAGE(decodeImageBytes(bytes, ext).ok(), ext);
    }
}

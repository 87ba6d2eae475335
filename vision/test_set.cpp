#include "vision/test_set.hpp"

#include <nlohmann/json.hpp>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include <cmath>
#include <fstream>

namespace admix::vision {

namespace {

constexpr std::array<const char*, 6> kDrugs{"ceFAZolin 1 g",         "vancomycin 500 mg",
                                            "morphine 10 mg/mL",     "potassium chloride 2 mEq/mL",
                                            "ondansetron 4 mg/2 mL", "heparin 5,000 units/mL"};

// A vial with a GS1 DataMatrix, placed so that the whole vial stays in the frame.
SceneObject vialAnywhere(cv::RNG& rng, int n, const TestSetOptions& o, double angle) {
    SceneObject v;
    v.kind = ObjectKind::Vial;
    v.scale = rng.uniform(0.55, 0.9);
    v.angleDeg = angle;
    v.drug = kDrugs[static_cast<size_t>(n) % kDrugs.size()];
    // A real vial's code spans well under its diameter: modules sized for 0.5-0.75 of the radius
    // (a 20-22 module symbol).
    const double radius = 150 * v.scale;
    const int module = std::max(2, static_cast<int>(std::lround(rng.uniform(0.5, 0.75) * radius / 22)));
    v.codes = {LabelCode{CodeKind::DataMatrixGs1, demoGs1(n), module}};
    // The vial's half-diagonal bounds how close to the frame edge its centre may be.
    const float reach = static_cast<float>(265 * v.scale);
    v.centre = cv::Point2f(rng.uniform(reach, static_cast<float>(o.width) - reach),
                           rng.uniform(reach, static_cast<float>(o.height) - reach));
    return v;
}

SceneObject syringe(cv::RNG& rng, const TestSetOptions& o) {
    SceneObject s;
    s.kind = ObjectKind::Syringe;
    s.scale = rng.uniform(0.7, 1.0);
    s.angleDeg = rng.uniform(-40.0, 40.0);
    s.centre = cv::Point2f(rng.uniform(0.3f, 0.7f) * static_cast<float>(o.width),
                           rng.uniform(0.3f, 0.7f) * static_cast<float>(o.height));
    return s;
}

SceneObject bag(cv::RNG& rng, const TestSetOptions& o) {
    SceneObject b;
    b.kind = ObjectKind::Bag;
    b.scale = rng.uniform(0.8, 1.0);
    b.angleDeg = rng.uniform(-20.0, 20.0);
    b.centre = cv::Point2f(rng.uniform(0.25f, 0.75f) * static_cast<float>(o.width),
                           static_cast<float>(o.height) / 2);
    b.drug = "NS 250 mL";
    return b;
}

TestCase base(const std::string& category, int i, const TestSetOptions& o, cv::RNG& rng) {
    TestCase t;
    char name[64];
    std::snprintf(name, sizeof name, "%s-%03d", category.c_str(), i);
    t.name = name;
    t.category = category;
    t.spec.width = o.width;
    t.spec.height = o.height;
    t.spec.seed = rng.next();
    return t;
}

} // namespace

std::string toString(QualityExpectation q) {
    switch (q) {
    case QualityExpectation::None:
        return "none";
    case QualityExpectation::Sharp:
        return "sharp";
    case QualityExpectation::Blurred:
        return "blurred";
    case QualityExpectation::Overexposed:
        return "overexposed";
    case QualityExpectation::Glare:
        return "glare";
    }
    return "none";
}

std::vector<TestCase> makeTestSet(const TestSetOptions& o) {
    cv::RNG rng(o.seed);
    std::vector<TestCase> out;
    int n = static_cast<int>(o.seed % 1000);
    const auto vialCase = [&](const std::string& category, int i, double angle) {
        TestCase t = base(category, i, o, rng);
        t.spec.objects.push_back(vialAnywhere(rng, ++n, o, angle));
        return t;
    };
    for (int i = 0; i < o.perCategory; ++i) {
        // Codes near the corners and edges of the frame, where plain ZXing does not look.
        TestCase t = vialCase("anywhere", i, rng.uniform(0.0, 360.0));
        const float reach = static_cast<float>(265 * t.spec.objects[0].scale);
        const float W = static_cast<float>(o.width);
        const float H = static_cast<float>(o.height);
        const std::array<cv::Point2f, 4> corners{cv::Point2f(reach, reach), cv::Point2f(W - reach, reach),
                                                 cv::Point2f(W - reach, H - reach),
                                                 cv::Point2f(reach, H - reach)};
        t.spec.objects[0].centre = corners[static_cast<size_t>(i) % 4];
        out.push_back(t);
    }
    for (int i = 0; i < 12; ++i)
        out.push_back(vialCase("rotation", i, i * 30.0 + rng.uniform(-4.0, 4.0)));
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = vialCase("perspective", i, rng.uniform(0.0, 360.0));
        t.spec.objects[0].tiltX = rng.uniform(-0.3, 0.3);
        t.spec.objects[0].tiltY = (i % 2 ? 1 : -1) * rng.uniform(0.2, 0.35);
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        // A small vial: the label bends most over the code.
        TestCase t = vialCase("curved", i, rng.uniform(0.0, 360.0));
        t.spec.objects[0].scale = 0.6;
        t.spec.objects[0].codes[0].modulePx = 3;
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        // Blur that a reader should still get through: about a third of a module of defocus, or
        // motion of about one module (the heavy blur is in the quality set).
        TestCase t = vialCase("blur", i, rng.uniform(0.0, 360.0));
        t.spec.objects[0].scale = 0.9;
        t.spec.objects[0].codes[0].modulePx = 5;
        if (i % 2 == 0)
            t.spec.effects.gaussianSigma = rng.uniform(1.2, 1.6);
        else {
            t.spec.effects.motionPx = rng.uniform(3.5, 5.0);
            t.spec.effects.motionAngleDeg = rng.uniform(0.0, 180.0);
        }
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = vialCase("noise", i, rng.uniform(0.0, 360.0));
        t.spec.objects[0].codes[0].modulePx = std::max(3, t.spec.objects[0].codes[0].modulePx);
        t.spec.effects.noiseSigma = rng.uniform(8.0, 14.0);
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = vialCase("lowcontrast", i, rng.uniform(0.0, 360.0));
        t.spec.effects.contrast = rng.uniform(0.3, 0.4);
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = vialCase("smallmodule", i, rng.uniform(0.0, 360.0));
        t.spec.objects[0].scale = 0.7;
        t.spec.objects[0].codes[0].modulePx = 2; // two pixels per module in the frame
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = base("multi", i, o, rng);
        SceneObject b = bag(rng, o);
        b.centre.x = static_cast<float>(o.width) * 0.3f;
        b.codes = {LabelCode{CodeKind::Gs1_128, demoGs1(++n).substr(0, 24), 2}};
        t.spec.objects.push_back(b);
        SceneObject v = vialAnywhere(rng, ++n, o, rng.uniform(0.0, 360.0));
        v.centre = cv::Point2f(static_cast<float>(o.width) * 0.62f, static_cast<float>(o.height) * 0.3f);
        t.spec.objects.push_back(v);
        SceneObject s = syringe(rng, o);
        s.centre = cv::Point2f(static_cast<float>(o.width) * 0.68f, static_cast<float>(o.height) * 0.75f);
        s.drug = "PREP " + std::to_string(1000 + n);
        s.codes = {LabelCode{CodeKind::QrCode, "ADMIX:PREP:" + std::to_string(1000 + n), 4}};
        t.spec.objects.push_back(s);
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        TestCase t = base("linear", i, o, rng);
        SceneObject b = bag(rng, o);
        const std::array<LabelCode, 3> codes{LabelCode{CodeKind::Gs1_128, demoGs1(++n).substr(0, 24), 2},
                                             LabelCode{CodeKind::Ean13, "590123412345", 3},
                                             LabelCode{CodeKind::UpcA, "03040939770", 3}};
        b.codes = {codes[static_cast<size_t>(i) % codes.size()]};
        b.angleDeg = rng.uniform(-60.0, 60.0);
        t.spec.objects.push_back(b);
        out.push_back(t);
    }
    for (int i = 0; i < o.perCategory; ++i) {
        // No code anywhere: syringe graduations, bag print, swab text and a vial whose label is turned away.
        TestCase t = base("nocode", i, o, rng);
        t.spec.objects.push_back(bag(rng, o));
        t.spec.objects.push_back(syringe(rng, o));
        SceneObject v = vialAnywhere(rng, ++n, o, rng.uniform(0.0, 360.0));
        v.codes.clear();
        t.spec.objects.push_back(v);
        out.push_back(t);
    }
    // Evidence quality: a close-up of a vial, sharp or spoiled.
    const std::array<QualityExpectation, 4> qualities{QualityExpectation::Sharp, QualityExpectation::Blurred,
                                                      QualityExpectation::Overexposed,
                                                      QualityExpectation::Glare};
    for (int i = 0; i < o.perCategory * 4; ++i) {
        const QualityExpectation q = qualities[static_cast<size_t>(i) % 4];
        TestCase t = base("quality-" + toString(q), i / 4, o, rng);
        SceneObject v = vialAnywhere(rng, ++n, o, rng.uniform(-15.0, 15.0));
        v.scale = 1.4;
        v.centre = cv::Point2f(static_cast<float>(o.width) / 2, static_cast<float>(o.height) / 2);
        v.codes[0].modulePx = 6;
        t.spec.objects.push_back(v);
        t.quality = q;
        switch (q) {
        case QualityExpectation::Blurred:
            t.spec.effects.gaussianSigma = rng.uniform(4.5, 7.0);
            t.readable = false;
            break;
        case QualityExpectation::Overexposed:
            t.spec.effects.gain = rng.uniform(1.9, 2.4);
            t.readable = false;
            break;
        case QualityExpectation::Glare:
            t.spec.effects.glare = true;
            t.spec.effects.glareRadius = rng.uniform(70.0, 110.0);
            t.readable = false;
            break;
        case QualityExpectation::Sharp:
        case QualityExpectation::None:
            t.spec.effects.noiseSigma = 3;
            break;
        }
        out.push_back(t);
    }
    return out;
}

std::vector<TestCase> makeBenchmarkSet(uint64_t seed, int count, int width, int height) {
    TestSetOptions o;
    o.seed = seed;
    o.width = width;
    o.height = height;
    cv::RNG rng(seed);
    std::vector<TestCase> out;
    for (int i = 0; i < count; ++i) {
        TestCase t = base("bench", i, o, rng);
        t.spec.objects.push_back(vialAnywhere(rng, i, o, rng.uniform(0.0, 360.0)));
        if (i % 3 == 0) {
            // A syringe in the other half of the frame: clutter, never covering the code.
            SceneObject s = syringe(rng, o);
            const bool vialLeft = t.spec.objects[0].centre.x < static_cast<float>(o.width) / 2;
            s.centre.x = static_cast<float>(o.width) * (vialLeft ? 0.75f : 0.25f);
            s.angleDeg = rng.uniform(-15.0, 15.0);
            s.scale = 0.6;
            t.spec.objects.push_back(s);
        }
        t.spec.effects.noiseSigma = 3;
        out.push_back(t);
    }
    return out;
}

namespace {

nlohmann::json toJson(const ManifestEntry& e) {
    nlohmann::json codes = nlohmann::json::array();
    for (const auto& c : e.codes) {
        nlohmann::json corners = nlohmann::json::array();
        for (const auto& p : c.corners)
            corners.push_back({p.x, p.y});
        codes.push_back(
            {{"format", c.format}, {"text", c.text}, {"corners", corners}, {"module_px", c.modulePx}});
    }
    return {{"file", e.file},
            {"category", e.category},
            {"readable", e.readable},
            {"quality", toString(e.quality)},
            {"codes", codes}};
}

QualityExpectation qualityFrom(const std::string& s) {
    for (auto q : {QualityExpectation::Sharp, QualityExpectation::Blurred, QualityExpectation::Overexposed,
                   QualityExpectation::Glare})
        if (toString(q) == s)
            return q;
    return QualityExpectation::None;
}

} // namespace

Result<std::vector<ManifestEntry>> writeTestSet(const std::vector<TestCase>& cases,
                                                const std::filesystem::path& dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec)
        return Result<std::vector<ManifestEntry>>::fail("cannot create the directory: " + ec.message(),
                                                        dir.string());
    std::vector<ManifestEntry> entries;
    for (const auto& c : cases) {
        auto scene = renderScene(c.spec);
        if (!scene)
            return Result<std::vector<ManifestEntry>>::fail(scene.error().message, c.name);
        ManifestEntry e{c.name + ".png", c.category, c.readable, c.quality, scene->codes};
        const auto path = dir / e.file;
        if (!cv::imwrite(path.string(), scene->image))
            return Result<std::vector<ManifestEntry>>::fail("cannot write the image", path.string());
        entries.push_back(std::move(e));
    }
    auto written = writeManifest(entries, dir);
    if (!written)
        return written.error();
    return entries;
}

Status writeManifest(const std::vector<ManifestEntry>& entries, const std::filesystem::path& dir) {
    nlohmann::json manifest = nlohmann::json::array();
    for (const auto& e : entries)
        manifest.push_back(toJson(e));
    std::ofstream out(dir / "manifest.json");
    out << manifest.dump(1) << '\n';
    if (!out)
        return Status::fail("cannot write the manifest", (dir / "manifest.json").string());
    return Status::success();
}

Result<std::vector<ManifestEntry>> readManifest(const std::filesystem::path& dir) {
    const auto path = dir / "manifest.json";
    std::ifstream in(path);
    if (!in)
        return Result<std::vector<ManifestEntry>>::fail(
            "no manifest.json (make one with `admix vision generate-testset`)", path.string());
    const auto doc = nlohmann::json::parse(in, nullptr, false);
    if (doc.is_discarded() || !doc.is_array())
        return Result<std::vector<ManifestEntry>>::fail("not a JSON array of test images", path.string());
    std::vector<ManifestEntry> entries;
    for (const auto& item : doc) {
        if (!item.is_object() || !item.contains("file") || !item["file"].is_string())
            return Result<std::vector<ManifestEntry>>::fail("an entry without a \"file\"", path.string());
        ManifestEntry e;
        e.file = item["file"].get<std::string>();
        e.category = item.value("category", "");
        e.readable = item.value("readable", true);
        e.quality = qualityFrom(item.value("quality", "none"));
        if (item.contains("codes") && item["codes"].is_array()) {
            for (const auto& c : item["codes"]) {
                if (!c.is_object())
                    continue;
                ExpectedCode code;
                code.format = c.value("format", "");
                code.text = c.value("text", "");
                code.modulePx = c.value("module_px", 0);
                if (c.contains("corners") && c["corners"].is_array() && c["corners"].size() == 4) {
                    for (size_t k = 0; k < 4; ++k) {
                        const auto& p = c["corners"][k];
                        if (p.is_array() && p.size() == 2 && p[0].is_number() && p[1].is_number())
                            code.corners[k] = cv::Point2f(p[0].get<float>(), p[1].get<float>());
                    }
                }
                e.codes.push_back(code);
            }
        }
        entries.push_back(std::move(e));
    }
    return entries;
}

} // namespace admix::vision

// Labels from real preparations: demo-formulary orders planned, started and driven through the engine
// step by step, then labelled. The ZPL is checked field by field, the preview is decoded back (PNG
// size, DataMatrix content through ZXing), and the refusals are checked by their messages.
#include "tests/workflow/engine_fixture.hpp"

#include "formulas/text.hpp"
#include "station/store/data_dir.hpp"
#include "station/workflow/label.hpp"
#include "station/workflow/plan_steps.hpp"
#include "usp797/policy.hpp"
#include "vision/barcode_reader.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include <filesystem>
#include <random>

using namespace admix;
using namespace admix::workflow;
using namespace admix::test;
using namespace std::chrono_literals;

namespace {

size_t count(const std::string& text, const std::string& what) {
    size_t n = 0;
    for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + what.size()))
        ++n;
    return n;
}

bool has(const std::string& text, const std::string& what) {
    return text.find(what) != std::string::npos;
}

struct LabelFixture : EngineFixture {
    formulas::Formulary formulary = formulas::loadDemoFormulary().value();
    formulas::FormulasPolicy policy = formulas::loadDefaultFormulasPolicy().value();
    LabelLayout layout = loadLabelLayout(std::string(ADMIX_ASSETS_DIR) + "/labels/iv_label.toml").value();

    LabelFixture() { engine.setProductLookup(formularyLookup(formulary)); }

    int64_t addOrder(const std::string& recipe, const nlohmann::json& dose, std::optional<double> finalMl,
                     const std::string& patientName = "DOE, JANE", const std::string& mrn = "MRN-000123") {
        OrderInput o;
        o.patientName = patientName;
        o.patientMrn = mrn;
        o.patient = {{"weight_kg", 70}, {"height_cm", 175}, {"location", "4 West 12B"}};
        o.recipeId = recipe;
        o.dose = dose;
        o.route = "IV";
        o.finalVolumeMl = finalMl;
        o.due = t0 + 2h;
        o.prescriber = "Dr. A. Lee";
        return engine.addOrder(o, rph, t0).value();
    }

    int64_t start(int64_t orderId, const std::string& pec = "LAFW-1") {
        const auto row = store::PrepRepo(db).order(orderId).value();
        const formulas::Plan plan = planForOrder(row, formulary, policy).value();
        const auto spec = specFromPlan(plan, formulary);
        REQUIRE_MESSAGE(spec.ok(), (spec.ok() ? std::string() : spec.error().text()));
        return engine.start(orderId, *spec, tech, "Buffer room A", pec, std::nullopt, t0).value();
    }

    // Drives steps with correct inputs until `stopBefore` (default: the label step) is current.
    void drive(int64_t prep, std::optional<int> stopBefore = std::nullopt) {
        const PrepView v = engine.view(prep).value();
        TimePoint t = t0;
        for (const auto& step : v.steps) {
            if (step.spec.kind == StepKind::Label || (stopBefore && step.index == *stopBefore))
                return;
            const std::string key = "step-" + std::to_string(step.index);
            t += 20s;
            Outcome o;
            switch (step.spec.kind) {
            case StepKind::Scan:
                for (int n = 1; n <= step.spec.scan.count; ++n)
                    o = engine
                            .submitScan(prep, step.index, key + "-" + std::to_string(n),
                                        gs1Scan(step.spec.scan.acceptedGtins.front(), "280630",
                                                "LOT" + std::to_string(step.index), "S" + std::to_string(n)),
                                        tech, t)
                            .value();
                break;
            case StepKind::Weigh:
                REQUIRE(engine.submitReading(prep, step.index, key + "-tare", grams(11.203), tech, t)
                            .value()
                            .verdict == Verdict::Recorded);
                o = engine
                        .submitReading(
                            prep, step.index, key,
                            grams(11.203 + step.spec.weigh.targetMl * step.spec.weigh.densityGPerMl), tech,
                            t + 5s)
                        .value();
                break;
            case StepKind::Photo:
                o = engine
                        .submitPhoto(prep, step.index, key, PhotoInput{storePhoto(step.index), true, "", ""},
                                     tech, t)
                        .value();
                break;
            case StepKind::Confirm:
                o = engine.confirm(prep, step.index, key, tech, t).value();
                break;
            case StepKind::Label:
                break;
            }
            INFO("step " << step.index << " " << step.spec.title << ": " << o.message);
            REQUIRE(o.verdict == Verdict::Passed);
        }
    }

    Result<LabelData> label(int64_t prep) {
        const PrepView v = engine.view(prep).value();
        const auto row = store::PrepRepo(db).order(v.orderId).value();
        if (const auto may = mayLabel(v); !may)
            return may.error();
        const auto plan = planForPreparation(v, row, formulary, policy);
        if (!plan)
            return plan.error();
        const auto bud = usp797::computeBud(budRequestFor(v).value(), usp797::SitePolicy::defaults()).value();
        LabelSource src;
        src.prep = &v;
        src.order = &row;
        src.plan = &*plan;
        src.formulary = &formulary;
        src.bud = bud;
        src.preparedByName = "T. Nguyen";
        src.texts = layout.texts;
        return buildLabelData(src);
    }
};

std::filesystem::path screenshotDir() {
    std::filesystem::create_directories(ADMIX_SCREENSHOT_DIR);
    return ADMIX_SCREENSHOT_DIR;
}

} // namespace

TEST_CASE(
    "a complete preparation gives a ZPL label with every required field and a DataMatrix of its number") {
    LabelFixture f;
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep);
    const PrepView v = f.engine.view(prep).value();
    REQUIRE(v.status == workflow::PrepStatus::InProgress);
    REQUIRE(v.steps[static_cast<size_t>(v.currentStep)].spec.kind == StepKind::Label);

    const LabelData d = f.label(prep).value();
    CHECK(d.prepNumber == v.number);
    REQUIRE(d.drugs.size() == 1);
    CHECK(d.drugs[0].name == "ceFAZolin");
    CHECK(d.drugs[0].dose == "2 g");
    CHECK(d.route == "IV");
    CHECK(d.location == "4 West 12B");
    // Category 2, refrigerated, aseptic from sterile components: 10 days from the start (08:00 UTC).
    CHECK(d.budText == "2026-12-01 08:00 UTC");
    CHECK(d.storage == "Refrigerate 2-8 °C - do not freeze");
    CHECK_FALSE(d.hazardous);
    CHECK(d.checkedBy.empty());
    CHECK(d.preparedBy == "T. Nguyen");
    CHECK(d.finalVolume.find(" mL") != std::string::npos);
    CHECK(d.concentration.find("mg/mL") != std::string::npos);
    REQUIRE_FALSE(d.lots.empty());
    CHECK(d.lots[0].lot == "LOT0");
    CHECK(d.lots[0].expiry == "2028-06-30");

    const std::string zpl = renderZpl(d, f.layout).value();
    INFO(zpl);
    CHECK(zpl.rfind("^XA\n^CI28\n", 0) == 0);
    CHECK(zpl.substr(zpl.size() - 4) == "^XZ\n");
    CHECK(count(zpl, "^XA") == 1);
    CHECK(count(zpl, "^XZ") == 1);
    CHECK(has(zpl, "^PW812"));
    CHECK(has(zpl, "^LL609"));
    CHECK(has(zpl, "^FDDOE, JANE^FS"));
    CHECK(has(zpl, "^FDMRN MRN-000123 | Loc 4 West 12B^FS"));
    CHECK(has(zpl, "^FDceFAZolin 2 g^FS"));
    CHECK(has(zpl, "^FDTotal volume " + d.finalVolume + " | " + d.concentration + "^FS"));
    CHECK(has(zpl, "^FDRoute IV^FS"));
    CHECK(has(zpl, "^FDBUD 2026-12-01 08:00 UTC^FS"));
    CHECK(has(zpl, "^FDRefrigerate 2-8 °C - do not freeze^FS"));
    CHECK(has(zpl, "^FDPrep " + v.number + " | made 2026-11-21 08:00 UTC^FS"));
    CHECK(has(zpl, "^FDPrepared by T. Nguyen^FS"));
    CHECK(has(zpl, "^FDChecked by ________________^FS") == false); // '_' is escaped in field data
    CHECK(has(zpl, "^FDChecked by _5F_5F_5F"));
    CHECK(has(zpl, "^FDPrescriber Dr. A. Lee^FS"));
    CHECK(has(zpl, "LOT0 exp 2028-06-30"));
    CHECK(has(zpl, "^BXN,5,200,"));
    CHECK(has(zpl, ",6,~,1^FD" + v.number + "^FS"));
    CHECK(count(zpl, "^FH_^FD") == count(zpl, "^FD") - 1); // every text field is hex-escaped, the code is not
    CHECK_FALSE(has(zpl, "^FR"));                          // no hazard banner
    CHECK_FALSE(has(zpl, "HAZARDOUS"));

    // The label step then passes, the pharmacist approves, and a reprint names the checker.
    // Printed, then applied and its code scanned: the label step asks for the scan.
    REQUIRE(f.engine.labelPrinted(prep, v.currentStep, "label", true, "Zebra ZD621", f.tech, f.t0 + 10min)
                .value()
                .verdict == Verdict::Recorded);
    REQUIRE(f.engine
                .submitScan(prep, v.currentStep, "label-scan", test::scanned("]d1" + v.number), f.tech,
                            f.t0 + 11min)
                .value()
                .verdict == Verdict::Passed);
    REQUIRE(
        f.engine.approve(prep, f.sign("prep.approve", v.number, "approve", f.t0 + 20min), f.t0 + 20min).ok());
    const LabelData reprint = f.label(prep).value();
    CHECK(reprint.checkedBy == "rpatel");
    CHECK(has(renderZpl(reprint, f.layout).value(), "^FDChecked by rpatel^FS"));
}

TEST_CASE("ISMP formatting on the label: leading zero and no trailing zero with mcg and units and Tall Man") {
    LabelFixture f;
    // A real, complete preparation labelled from a plan edited by hand to reach the edge cases.
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep);
    const PrepView v = f.engine.view(prep).value();
    const auto row = store::PrepRepo(f.db).order(v.orderId).value();
    formulas::Plan plan = planForPreparation(v, row, f.formulary, f.policy).value();
    plan.ingredients.resize(1);
    plan.ingredients[0].drug = "hydromorphone";
    plan.ingredients[0].dose = formulas::Mass::mg(2.5);
    plan.finalVolume = formulas::Volume::mL(5.0);
    plan.finalConcentration = formulas::Concentration::mgPerMl(0.5);
    plan.rateMlPerHour = 2.50;
    plan.baseProductName = "";
    LabelSource src;
    src.prep = &v;
    src.order = &row;
    src.plan = &plan;
    src.formulary = &f.formulary;
    src.bud = usp797::computeBud(budRequestFor(v).value(), usp797::SitePolicy::defaults()).value();
    LabelData d = buildLabelData(src).value();
    CHECK(d.drugs[0].name == "HYDROmorphone");
    CHECK(d.drugs[0].dose == "2.5 mg");
    CHECK(d.finalVolume == "5 mL");
    CHECK(d.concentration == "0.5 mg/mL");
    CHECK(d.rate == "2.5 mL/h");
    CHECK(d.container.empty());
    std::string zpl = renderZpl(d, f.layout).value();
    CHECK(has(zpl, "^FDHYDROmorphone 2.5 mg^FS"));
    CHECK(has(zpl, "^FDTotal volume 5 mL | 0.5 mg/mL^FS"));
    CHECK(has(zpl, "^FDRoute IV | Rate 2.5 mL/h^FS"));
    CHECK_FALSE(has(zpl, " .5 mg"));
    CHECK_FALSE(has(zpl, "5.0 mL"));
    CHECK_FALSE(has(zpl, "2.50"));

    plan.ingredients[0].dose = formulas::Mass::mg(5.0);
    plan.finalVolume = formulas::Volume::mL(0.5);
    plan.finalConcentration = formulas::Concentration::mgPerMl(0.05);
    d = buildLabelData(src).value();
    CHECK(d.drugs[0].dose == "5 mg");
    CHECK(d.finalVolume == "0.5 mL");
    CHECK(d.concentration == "50 mcg/mL");
    plan.ingredients[0].dose = formulas::Mass::mg(0.5);
    d = buildLabelData(src).value();
    CHECK(d.drugs[0].dose == "500 mcg"); // below 1 mg in mcg: no decimal point to miss
    plan.ingredients[0].drug = "heparin";
    plan.ingredients[0].dose = formulas::Amount::units(25000);
    plan.finalConcentration = formulas::Concentration::unitsPerMl(100);
    d = buildLabelData(src).value();
    CHECK(d.drugs[0].dose == "25,000 units");
    CHECK(d.concentration == "100 units/mL");
    zpl = renderZpl(d, f.layout).value();
    CHECK(has(zpl, "^FDheparin 25,000 units^FS"));
    CHECK_FALSE(has(zpl, " U^"));
    CHECK_FALSE(has(zpl, " U/mL"));
}

TEST_CASE("ZPL commands in patient data are escaped and cannot act") {
    LabelFixture f;
    const int64_t prep =
        f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100, "^XZ^XA^FDevil", "~JR^MMC"));
    f.drive(prep);
    const LabelData d = f.label(prep).value();
    CHECK(d.patientName == "^XZ^XA^FDevil");
    const std::string zpl = renderZpl(d, f.layout).value();
    INFO(zpl);
    CHECK(count(zpl, "^XA") == 1);
    CHECK(count(zpl, "^XZ") == 1);
    CHECK_FALSE(has(zpl, "^FDevil"));
    CHECK_FALSE(has(zpl, "~JR"));
    CHECK(has(zpl, "^FH_^FD_5EXZ_5EXA_5EFDevil^FS"));
    CHECK(has(zpl, "^FH_^FDMRN _7EJR_5EMMC"));
    // Every caret left in the document starts a command the renderer wrote itself.
    for (size_t pos = zpl.find('^'); pos != std::string::npos; pos = zpl.find('^', pos + 1)) {
        const std::string cmd = zpl.substr(pos + 1, 2);
        static const std::vector<std::string> known = {"XA", "CI", "PW", "LL", "LH", "FX", "FO", "GB", "FS",
                                                       "A0", "FB", "FH", "FD", "BX", "PQ", "XZ", "FR"};
        CHECK_MESSAGE(std::find(known.begin(), known.end(), cmd) != known.end(), "unexpected ^" << cmd);
    }
    CHECK(zplEscape("a_b~c^d\n") == "a_5Fb_7Ec_5Ed_0A");
    CHECK(zplEscape("x\\&y") == "x_5C_5C&y"); // no "\\&" line break can reach ^FB
}

TEST_CASE("the PNG preview has the layout's size and its DataMatrix decodes to the preparation number") {
    LabelFixture f;
    OrderInput o;
    o.patientName = "DOE, JANE";
    o.patientMrn = "MRN-000123";
    o.patient = {{"weight_kg", 70}, {"height_cm", 175}, {"location", "Oncology 5 North, bed 14"}};
    o.recipeId = "cisplatin-ns";
    o.dose = {{"value", 75}, {"unit", "mg/m2"}};
    o.route = "IV";
    o.finalVolumeMl = 1000;
    o.due = f.t0 + 2h;
    o.prescriber = "Dr. M. Okafor";
    const int64_t orderId = f.engine.addOrder(o, f.rph, f.t0).value();
    const int64_t prep = f.start(orderId, "BSC-1");
    f.drive(prep);
    const LabelData d = f.label(prep).value();
    CHECK(d.hazardous);
    CHECK(d.drugs[0].name == "CISplatin");
    CHECK(d.storage == "Store at room temperature 20-25 °C");

    const std::string zpl = renderZpl(d, f.layout).value();
    CHECK(has(zpl, "^FO20,128^GB772,44,44,B,0^FS"));
    CHECK(has(zpl, "^FR^FH_^FDHAZARDOUS DRUG - chemo gloves; dispose as hazardous waste^FS"));

    const std::vector<uint8_t> png = renderPreviewPng(d, f.layout).value();
    REQUIRE(png.size() > 8);
    CHECK(png[1] == 'P');
    const cv::Mat img = cv::imdecode(png, cv::IMREAD_UNCHANGED);
    REQUIRE_FALSE(img.empty());
    CHECK(img.cols == 812);
    CHECK(img.rows == 609);
    // The banner is black with white letters; the corner of the label is white.
    CHECK(img.at<uint8_t>(130, 22) == 0);
    CHECK(img.at<uint8_t>(300, 805) == 255);

    const auto path = screenshotDir() / "label-preview.png";
    cv::imwrite(path.string(), img);
    MESSAGE("label preview: " << path.string());
    CHECK(std::filesystem::file_size(path) > 1000);

    const vision::BarcodeReader reader;
    const auto codes = reader.decode(img);
    REQUIRE(codes.size() == 1);
    CHECK(codes[0].format == "DataMatrix");
    CHECK(codes[0].text == d.prepNumber);

    const LabelData plain = f.label(prep).value();
    const auto stillOne = reader.decode(renderPreview(plain, f.layout).value());
    REQUIRE(stillOne.size() == 1);
    CHECK(stillOne[0].text == plain.prepNumber);
}

TEST_CASE("a preparation that is not complete or was cancelled gets no label") {
    LabelFixture f;
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep, 2);
    const PrepView v = f.engine.view(prep).value();
    CHECK(v.status == workflow::PrepStatus::InProgress);
    const auto refused = f.label(prep);
    REQUIRE_FALSE(refused.ok());
    CHECK(has(refused.error().message, "is not complete: step 3"));
    CHECK(has(refused.error().message, "only when every step before it has passed"));
    // buildLabelData itself refuses too, even when handed a plan.
    const auto row = store::PrepRepo(f.db).order(v.orderId).value();
    const auto plan = planForPreparation(v, row, f.formulary, f.policy).value();
    LabelSource src;
    src.prep = &v;
    src.order = &row;
    src.plan = &plan;
    src.formulary = &f.formulary;
    const auto built = buildLabelData(src);
    REQUIRE_FALSE(built.ok());
    CHECK(has(built.error().message, "not complete"));

    REQUIRE(f.engine.cancel(prep, f.tech, "dropped the vial", f.t0 + 5min).ok());
    const auto cancelled = f.label(prep);
    REQUIRE_FALSE(cancelled.ok());
    CHECK(has(cancelled.error().message, "is cancelled"));
}

TEST_CASE("a plan that no longer matches the preparation is refused rather than printed") {
    LabelFixture f;
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep);
    const PrepView v = f.engine.view(prep).value();
    auto row = store::PrepRepo(f.db).order(v.orderId).value();
    row.doseJson = R"({"value": 1, "unit": "g"})";
    const auto plan = planForPreparation(v, row, f.formulary, f.policy);
    REQUIRE_FALSE(plan.ok());
    CHECK(has(plan.error().message, "does not match preparation " + v.number));
    CHECK(has(plan.error().message, "ceFAZolin 1 g"));
}

TEST_CASE("long and odd patient names wrap whole within their field or are refused by name") {
    LabelFixture f;
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep);
    const LabelData base = f.label(prep).value();

    // A layout whose patient field has room for up to 3 lines, to exercise the wrapping itself.
    LabelLayout wide = f.layout;
    for (auto& field : wide.fields)
        if (field.kind == LabelFieldKind::Patient)
            field.maxLines = 3;

    std::mt19937 rng(797);
    const std::vector<std::string> pieces = {"A", "b", "Ö", "-", "'", " ", "O'", "ZZZZZZ", "van ", "É", "\t"};
    int refusedCount = 0, placedCount = 0;
    for (int round = 0; round < 300; ++round) {
        std::string name;
        const int len = 1 + static_cast<int>(rng() % 90);
        for (int i = 0; i < len; ++i)
            name += pieces[rng() % pieces.size()];
        if (formulas::trim(name).empty())
            name = "X";
        LabelData d = base;
        d.patientName = name;
        std::string expected;
        for (const char c : name)
            if (c != ' ' && c != '\t')
                expected += c;
        for (const LabelLayout* layout : {&f.layout, &wide}) {
            const auto placed = placeLabel(d, *layout);
            if (!placed) {
                ++refusedCount;
                CHECK(has(placed.error().message, "patient field"));
                continue;
            }
            ++placedCount;
            const LabelField& field =
                *std::find_if(layout->fields.begin(), layout->fields.end(),
                              [](const LabelField& fl) { return fl.kind == LabelFieldKind::Patient; });
            std::string joined;
            int lines = 0;
            for (const auto& line : placed->lines) {
                if (line.kind != LabelFieldKind::Patient)
                    continue;
                ++lines;
                INFO("name '" << name << "' line '" << line.text << "'");
                CHECK(measureLabelText(*layout, line.bold, line.fontHeight, line.text).value() <=
                      field.width);
                CHECK(line.fontHeight >= field.minFontHeight);
                CHECK(line.fontHeight <= field.fontHeight);
                CHECK(line.y + line.fontHeight <=
                      field.y + field.maxLines * (field.fontHeight + layout->lineGap));
                for (const char c : line.text)
                    if (c != ' ')
                        joined += c;
            }
            CHECK(lines >= 1);
            CHECK(lines <= field.maxLines);
            CHECK(joined == expected); // nothing cut, nothing added
        }
    }
    // Both outcomes happened: short names fit, the longest do not fit even three lines.
    CHECK(placedCount > 100);
    CHECK(refusedCount > 10);
}

TEST_CASE("lot numbers print as space allows and the rest are counted") {
    LabelFixture f;
    const int64_t prep = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(prep);
    LabelData d = f.label(prep).value();
    for (int i = 0; i < 12; ++i)
        d.lots.push_back(
            {"sodium chloride 0.9% 10 mL vial", "LONGLOTNUMBER" + std::to_string(i), "2028-06-30"});
    const size_t total = d.lots.size();
    const PlacedLabel placed = placeLabel(d, f.layout).value();
    std::string lots;
    int lines = 0;
    for (const auto& line : placed.lines)
        if (line.kind == LabelFieldKind::Lots) {
            lots += line.text + " ";
            ++lines;
        }
    CHECK(lines <= 2);
    CHECK(has(lots, d.lots[0].lot));
    CHECK_FALSE(has(lots, d.lots[total - 1].lot));
    CHECK(has(lots, "more lot(s) in the record"));
}

TEST_CASE("the layout file is checked with line and column") {
    const std::string good = readFile(std::string(ADMIX_ASSETS_DIR) + "/labels/iv_label.toml");
    const auto layout = parseLabelLayout(good, "iv_label.toml").value();
    CHECK(layout.dpi == 203);
    CHECK(layout.widthDots == 812);
    CHECK(layout.fields.size() == 13);

    std::string bad = good;
    bad.replace(bad.find("dpi = 203"), 9, "dpi = 250");
    auto r = parseLabelLayout(bad, "iv_label.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where.rfind("iv_label.toml:", 0) == 0);
    CHECK(has(r.error().text(), "label.dpi"));
    CHECK(has(r.error().message, "203, 300 or 600"));

    r = parseLabelLayout("[label\n", "broken.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().where.rfind("broken.toml:1:", 0) == 0);

    bad = good;
    bad.replace(bad.find("kind = \"storage\""), 16, "kind = \"storige\"");
    r = parseLabelLayout(bad, "iv_label.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(has(r.error().text(), "field[9].kind"));
    CHECK(has(r.error().message, "'storige' is not a label field"));

    bad = good;
    bad.replace(bad.find("width = 772\nfont_height = 40"), 11, "width = 900");
    r = parseLabelLayout(bad, "iv_label.toml");
    REQUIRE_FALSE(r.ok());
    CHECK(has(r.error().message, "runs off"));
}

TEST_CASE("admix label prints the fields as JSON and writes the ZPL and the preview and refuses an open "
          "preparation") {
    LabelFixture f;
    const int64_t done = f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100));
    f.drive(done);
    const int64_t open =
        f.start(f.addOrder("cefazolin-ns", {{"value", 2}, {"unit", "g"}}, 100, "ROE, RICHARD", "MRN-000124"));
    f.drive(open, 1);
    const std::string doneNumber = f.engine.view(done)->number;
    const std::string openNumber = f.engine.view(open)->number;
    // The CLI opens <data dir>/admix.sqlite3: point it at the fixture's database, checkpointed.
    f.db.exec("PRAGMA wal_checkpoint(TRUNCATE)");
    std::filesystem::create_symlink(f.dir / "station.sqlite3", store::databasePath(f.dir.path()));

    const auto out = f.dir / "out.json";
    const auto zplFile = f.dir / "label.zpl";
    const auto pngFile = f.dir / "label.png";
    const std::string cli = std::string(ADMIX_CLI) + " --data-dir " + f.dir.path().string() + " ";
    // The fixture prepares from the demo formulary files, not a stored formulary: name them (no demo
    // fallback).
    const std::string demoFiles = " --formulary " + std::string(ADMIX_ASSETS_DIR) + "/formulary";
    REQUIRE(std::system((cli + "--json label " + doneNumber + demoFiles + " --zpl " + zplFile.string() +
                         " --png " + pngFile.string() + " > " + out.string())
                            .c_str()) == 0);
    const auto j = nlohmann::json::parse(readFile(out));
    CHECK(j["prep"] == doneNumber);
    CHECK(j["patient"] == "DOE, JANE");
    CHECK(j["drugs"][0]["name"] == "ceFAZolin");
    CHECK(j["drugs"][0]["dose"] == "2 g");
    CHECK(j["bud"] == "2026-12-01 08:00 UTC");
    CHECK(j["prepared_by"] == "T. Nguyen");
    CHECK(j["checked_by"] == "");
    const std::string zpl = readFile(zplFile);
    CHECK(zpl.rfind("^XA", 0) == 0);
    CHECK(has(zpl, "^FD" + doneNumber + "^FS"));
    const cv::Mat png = cv::imread(pngFile.string(), cv::IMREAD_GRAYSCALE);
    CHECK(png.cols == 812);
    CHECK(png.rows == 609);

    // People read the label: local time with the zone by default (TZ=America/Chicago: 08:00 UTC is
    // 02:00 CST); UTC only when asked for.
    const auto chicago = f.dir / "chicago.json";
    REQUIRE(std::system(("TZ=America/Chicago " + cli + "--json label " + doneNumber + demoFiles + " > " +
                         chicago.string())
                            .c_str()) == 0);
    CHECK(nlohmann::json::parse(readFile(chicago))["bud"] == "2026-12-01 02:00 CST");
    REQUIRE(std::system(("TZ=America/Chicago " + cli + "--json label " + doneNumber + demoFiles +
                         " --utc > " + chicago.string())
                            .c_str()) == 0);
    CHECK(nlohmann::json::parse(readFile(chicago))["bud"] == "2026-12-01 08:00 UTC");

    const auto err = f.dir / "err.txt";
    CHECK(std::system(
              (cli + "label " + openNumber + demoFiles + " 2> " + err.string() + " > /dev/null").c_str()) !=
          0);
    CHECK(has(readFile(err), "is not complete"));
    CHECK(std::system(
              (cli + "label P00000000-9999" + demoFiles + " 2> " + err.string() + " > /dev/null").c_str()) !=
          0);
    CHECK(has(readFile(err), "no preparation P00000000-9999"));
}

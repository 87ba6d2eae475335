// The preparation label: what is printed (LabelData, built from a completed preparation, its order,
// the plan re-derived from that order and checked against the preparation's fixed spec, the
// formulary for Tall Man names, and the USP <797> BUD), where it goes (LabelLayout, loaded from
// assets/labels/*.toml), and the two renderings of one layout: ZPL II for the printer and a PNG
// preview at the printer's resolution, drawn by the station itself (DejaVu Sans through
// stb_truetype, the DataMatrix from vision's encoder), so that the pharmacist sees what prints.
//
// Text is wrapped once, with DejaVu metrics, and both renderings place the same lines at the same
// dots. Every printed number follows ISMP (leading zero, no trailing zero, mL / mcg / units).
// Values; every function is pure apart from reading the layout's font files, and thread-safe.
// Expected failures (a preparation not complete, a field that cannot fit, a bad layout file) are
// Result errors naming what and where; nothing throws.
//
// [SECTION] index: LabelData | Building | Layout | Rendering
#pragma once

#include "formulas/formulary.hpp"
#include "formulas/plan.hpp"
#include "formulas/result.hpp"
#include "formulas/time.hpp"
#include "formulas/units.hpp"
#include "station/store/prep_repo.hpp"
#include "station/workflow/engine.hpp"
#include "station/workflow/plan_steps.hpp"
#include "usp797/bud.hpp"

#include <nlohmann/json_fwd.hpp>
#include <opencv2/core.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace admix::workflow {

// [SECTION] LabelData -----------------------------------------------------------------------------

// One drug in the container: Tall Man name and the prepared dose, ISMP-formatted ("ceFAZolin", "2 g").
struct LabelDrug {
    std::string name;
    std::string dose;
};

// One scanned component: what, lot, expiry (as recorded by the scan step).
struct LabelLot {
    std::string product;
    std::string lot;
    std::string expiry;
};

// Everything the label prints, already formatted for people. Plain value.
struct LabelData {
    std::string prepNumber; // also the DataMatrix content
    std::string patientName;
    std::string mrn;
    std::string location; // empty when the order gives none
    std::vector<LabelDrug> drugs;
    std::string container;     // "in Sodium chloride 0.9% 100 mL bag" (empty: drug undiluted)
    std::string finalVolume;   // "118 mL"
    std::string concentration; // "16.9 mg/mL" of the first drug (empty when unknown)
    std::string route;         // "IV"
    std::string rate;          // "236 mL/h"; empty when the order gives no rate
    TimePoint bud{};
    std::string budText; // "2026-11-25 08:00 UTC"
    std::string budRule; // which USP <797> rule set it
    std::string storage; // "Refrigerate 2-8 °C"
    bool hazardous = false;
    std::string hazardWarning; // empty unless hazardous
    std::string preparedBy;    // display name of the technician
    std::string preparedAt;    // start of preparation, same clock as the BUD
    std::string checkedBy;     // empty until the pharmacist check: the label shows a line to sign
    std::string prescriber;
    std::vector<LabelLot> lots;
};

[[nodiscard]] nlohmann::json toJson(const LabelData& data);

// [SECTION] Building ------------------------------------------------------------------------------

// The time zone the label prints times in. The label says which ("UTC" or the local abbreviation).
enum class LabelClock { Utc, Local };

// Texts the label uses that a site may word differently (from the layout file's [text] table).
struct LabelTexts {
    std::string storageRoom = "Store at room temperature 20-25 °C";
    std::string storageFridge = "Refrigerate 2-8 °C";
    std::string storageFreezer = "Freeze -25 to -10 °C";
    std::string hazard = "HAZARDOUS DRUG - chemotherapy gloves; dispose as hazardous waste";
};

// A preparation may be labelled once every step before the label step has passed (or was
// overridden): while its label step is open, awaiting the pharmacist's check, or released (reprint).
// Anything else (steps still open, cancelled, rejected) is refused with the reason.
[[nodiscard]] Status mayLabel(const PrepView& prep);

// Re-derives the plan of a preparation from its order row (patient, dose, route, final volume) and
// the recipe version it was started with, and refuses unless the plan gives the preparation's fixed
// spec (same doses, products, draw volumes and bands, category, storage; step wording may differ):
// the label then states volumes and concentrations of what was actually prepared.
[[nodiscard]] Result<formulas::Plan> planForPreparation(const PrepView& prep, const store::OrderRow& order,
                                                        const formulas::Formulary& formulary,
                                                        const formulas::FormulasPolicy& policy);

// The BUD request of a preparation: its category and storage from the spec, prepared at its start,
// aseptic from sterile components (what the station compounds), every scanned component's expiry.
[[nodiscard]] Result<usp797::BudRequest> budRequestFor(const PrepView& prep);

struct LabelSource {
    const PrepView* prep = nullptr;
    const store::OrderRow* order = nullptr;
    const formulas::Plan* plan = nullptr; // from planForPreparation
    const formulas::Formulary* formulary = nullptr;
    usp797::BudResult bud;      // from usp797::computeBud(budRequestFor(...))
    std::string preparedByName; // display names; empty: the username is printed
    std::string checkedByName;
    LabelClock clock = LabelClock::Utc;
    LabelTexts texts;
};

// Refuses a preparation that may not be labelled (mayLabel) or an order that is not its order.
[[nodiscard]] Result<LabelData> buildLabelData(const LabelSource& source);

// [SECTION] Layout --------------------------------------------------------------------------------

// Which LabelData item a text field prints. Every kind must appear in a layout once.
enum class LabelFieldKind {
    Patient,    // patient name
    PatientIds, // MRN and location
    Drugs,      // one line per drug: name and dose
    Container,  // "in ... bag"
    Volume,     // final volume and concentration
    RouteRate,  // route and rate
    Bud,
    Storage,
    Lots,
    PrepId, // preparation number in words
    PreparedBy,
    CheckedBy,
    Prescriber,
};
[[nodiscard]] std::string_view labelFieldName(LabelFieldKind kind);

struct LabelField {
    LabelFieldKind kind = LabelFieldKind::Patient;
    int x = 0;
    int y = 0;
    int width = 0;          // dots; text wraps within it
    int fontHeight = 30;    // dots
    int minFontHeight = 30; // the text shrinks down to this before the label is refused
    int maxLines = 1;
    bool bold = false;
    bool optional = false; // an empty value leaves the field blank (rate, location, lots)
};

struct LabelLayout {
    std::string name;
    int dpi = 203;
    int widthDots = 812;
    int heightDots = 609;
    std::string fontPath;
    std::string boldFontPath;
    int lineGap = 4; // dots between wrapped lines
    int barcodeX = 0;
    int barcodeY = 0;
    int barcodeModule = 6; // dots per DataMatrix module
    int hazardX = 0;       // the inverse hazard banner
    int hazardY = 0;
    int hazardWidth = 0;
    int hazardHeight = 0;
    int hazardFontHeight = 28;
    int borderDots = 3; // a frame around the label (0: none)
    std::vector<LabelField> fields;
    LabelTexts texts;
    std::string sourceName;
};

// Parses a layout TOML; errors name source:line:column and the key.
[[nodiscard]] Result<LabelLayout> parseLabelLayout(std::string_view toml, std::string_view sourceName);
// Reads and parses a layout file.
[[nodiscard]] Result<LabelLayout> loadLabelLayout(const std::string& path);
// The path of assets/labels/iv_label.toml in the source tree this binary was built from.
[[nodiscard]] std::string defaultLabelLayoutPath();

// [SECTION] Rendering -----------------------------------------------------------------------------

// One line of text placed on the label, in dots (top-left of the line's box).
struct PlacedLine {
    LabelFieldKind kind = LabelFieldKind::Patient;
    int x = 0;
    int y = 0;
    int width = 0;
    int fontHeight = 0;
    bool bold = false;
    std::string text;
};

// The label laid out: every text line with its position, the hazard banner, the DataMatrix.
struct PlacedLabel {
    std::vector<PlacedLine> lines;
    bool hazardBanner = false;
    std::string hazardText;
    int hazardFontHeight = 0;
    std::string barcodeData;
    int barcodeSize = 0; // modules per side
    std::vector<uint8_t> barcodeModules;
};

// Wraps every field with DejaVu metrics (shrinking to the field's minimum height when needed);
// refuses a field whose text cannot fit, naming it.
[[nodiscard]] Result<PlacedLabel> placeLabel(const LabelData& data, const LabelLayout& layout);

// ZPL II: ^XA ... ^XZ, UTF-8 (^CI28), every field's data hex-escaped through ^FH so that no ^ or ~
// in patient data can act as a command, the DataMatrix (^BX) of the preparation number, the
// hazard banner as a filled box with reversed text (^GB, ^FR).
[[nodiscard]] Result<std::string> renderZpl(const LabelData& data, const LabelLayout& layout);

// The preview: an 8-bit grey image of the layout's size in dots (white label, black print).
[[nodiscard]] Result<cv::Mat> renderPreview(const LabelData& data, const LabelLayout& layout);
// The preview as PNG bytes.
[[nodiscard]] Result<std::vector<uint8_t>> renderPreviewPng(const LabelData& data, const LabelLayout& layout);

// The width in dots of one line of text in the layout's font (bold or regular) at a height.
[[nodiscard]] Result<double> measureLabelText(const LabelLayout& layout, bool bold, int heightDots,
                                              std::string_view text);

// Field data for ZPL: ^, ~, _ and control characters become _XX hex escapes (use after ^FH); a
// backslash is doubled so that ^FB cannot read a line-break escape in it.
[[nodiscard]] std::string zplEscape(std::string_view text);

} // namespace admix::workflow

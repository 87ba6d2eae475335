#include "vision/decode_bench.hpp"

#include <dmtx.h>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <ctime>
#include <fstream>

namespace admix::vision {

namespace {

// The CPU time the stages' own clocks counted.
double stagesMs(const DecodeStats& s) {
    return s.locate.ms + s.cut.ms + s.crops.ms + s.squareText.ms + s.quietZone.ms + s.paintedOut.ms +
           s.grown.ms + s.inverted.ms + s.mirrored.ms + s.fullFrame.ms;
}

double threadCpuMs() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

// Reference decoders print GS1 content their own way ("(01)0031...(17)..." or with GS): compared
// without brackets and separators.
std::string normalised(const std::string& text) {
    std::string out;
    for (const char c : text)
        if (c != '(' && c != ')' && c != '\x1D')
            out += c;
    return out;
}

std::string shown(const std::string& text) {
    std::string out;
    for (const char c : text)
        out +=
            c == '\x1D' ? std::string("<GS>") : (c >= 32 && c < 127 ? std::string(1, c) : std::string("?"));
    return out;
}

} // namespace

double DecoderTally::percentile(double p) const {
    if (ms.empty())
        return 0;
    std::vector<double> s = ms;
    std::sort(s.begin(), s.end());
    return s[std::min(s.size() - 1, static_cast<size_t>(p * static_cast<double>(s.size() - 1) + 0.5))];
}

std::vector<std::string> decodeWithLibdmtx(const cv::Mat& grey, long timeoutMs, bool& timedOut) {
    std::vector<std::string> texts;
    cv::Mat g = grey.isContinuous() ? grey : grey.clone();
    DmtxImage* img = dmtxImageCreate(g.data, g.cols, g.rows, DmtxPack8bppK);
    DmtxDecode* dec = dmtxDecodeCreate(img, 1);
    dmtxDecodeSetProp(dec, DmtxPropFnc1, 232); // report FNC1 (GS1 separators) instead of dropping them
    DmtxTime timeout = dmtxTimeAdd(dmtxTimeNow(), timeoutMs);
    timedOut = false;
    while (true) {
        DmtxRegion* reg = dmtxRegionFindNext(dec, &timeout);
        if (reg == nullptr) {
            timedOut = dmtxTimeExceeded(timeout) == DmtxTrue;
            break;
        }
        DmtxMessage* msg = dmtxDecodeMatrixRegion(dec, reg, DmtxUndefined);
        if (msg != nullptr) {
            std::string text;
            for (size_t i = 0; i < static_cast<size_t>(msg->outputIdx); ++i) {
                if (msg->output[i] == 232) {
                    if (!text.empty())
                        text += '\x1D';
                } else {
                    text += static_cast<char>(msg->output[i]);
                }
            }
            texts.push_back(text);
            dmtxMessageDestroy(&msg);
        }
        dmtxRegionDestroy(&reg);
        if (!texts.empty())
            break;
    }
    dmtxDecodeDestroy(&dec);
    dmtxImageDestroy(&img);
    return texts;
}

BarcodeBench::BarcodeBench(BenchOptions options) : m_options(options), m_reader(options.reader) {
    note(kStation);
    if (m_options.zxingFullFrame)
        note(kZxing);
    if (m_options.libdmtx)
        note(kDmtx);
}

void BarcodeBench::note(const std::string& decoder) {
    if (std::find(m_decoders.begin(), m_decoders.end(), decoder) == m_decoders.end())
        m_decoders.push_back(decoder);
    m_total[decoder];
}

Status BarcodeBench::loadReference(const std::filesystem::path& jsonLines) {
    std::ifstream in(jsonLines);
    if (!in)
        return Status::fail("cannot open the reference figures", jsonLines.string());
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
        ++n;
        if (line.empty())
            continue;
        const auto doc = nlohmann::json::parse(line, nullptr, false);
        if (doc.is_discarded() || !doc.is_object() || !doc.contains("reader") || !doc.contains("file") ||
            !doc["reader"].is_string() || !doc["file"].is_string())
            return Status::fail("not a reference-decode line (needs \"reader\" and \"file\")",
                                jsonLines.string() + ":" + std::to_string(n));
        Reference r;
        r.ms = doc.value("ms", 0.0);
        if (doc.contains("codes") && doc["codes"].is_array())
            for (const auto& c : doc["codes"])
                if (c.is_object() && c.contains("text") && c["text"].is_string())
                    r.texts.push_back(c["text"].get<std::string>());
        const std::string reader = "ref " + doc["reader"].get<std::string>();
        note(reader);
        m_reference[reader][std::filesystem::path(doc["file"].get<std::string>()).filename().string()] = r;
    }
    return Status::success();
}

void BarcodeBench::score(const std::string& category, const std::string& decoder, const BenchFrame& frame,
                         const std::vector<std::string>& texts, double ms, bool normalise) {
    for (DecoderTally* t : {&m_rows[category][decoder], &m_total[decoder]}) {
        ++t->frames;
        t->ms.push_back(ms);
        for (const auto& text : texts) {
            const bool known =
                std::any_of(frame.codes.begin(), frame.codes.end(), [&](const ExpectedCode& e) {
                    return normalise ? normalised(e.text) == normalised(text) : e.text == text;
                });
            if (known)
                continue;
            if (frame.codes.empty())
                ++t->falsePositives;
            else
                ++t->misreads;
            if (t == &m_total[decoder])
                std::fprintf(stderr, "%s: %s reported '%s', which the frame does not hold\n",
                             frame.file.c_str(), decoder.c_str(), shown(text).c_str());
        }
        if (!frame.readable)
            continue;
        for (const auto& e : frame.codes) {
            ++t->expected;
            t->read += std::any_of(texts.begin(), texts.end(), [&](const std::string& text) {
                return normalise ? normalised(e.text) == normalised(text) : e.text == text;
            });
        }
    }
}

bool BarcodeBench::add(const BenchFrame& frame) {
    if (std::find(m_categories.begin(), m_categories.end(), frame.category) == m_categories.end())
        m_categories.push_back(frame.category);
    const auto texts = [](const std::vector<DecodedCode>& codes) {
        std::vector<std::string> out;
        for (const auto& c : codes)
            out.push_back(c.text);
        return out;
    };
    bool clean = true;
    {
        DecodeStats stats;
        const double t0 = threadCpuMs();
        const auto codes = m_reader.decode(frame.image, &stats);
        const double ms = threadCpuMs() - t0;
        const DecoderTally before = m_total[kStation];
        score(frame.category, kStation, frame, texts(codes), ms, false);
        m_stationMs += ms;
        m_stages.add(stats);
        m_stagesByCategory[frame.category].add(stats);
        const DecoderTally& after = m_total[kStation];
        clean = after.read - before.read == after.expected - before.expected &&
                after.misreads == before.misreads && after.falsePositives == before.falsePositives;
        if (!clean && m_options.listMisses)
            std::fprintf(stderr, "%s: station read %d of %d\n", frame.file.c_str(), after.read - before.read,
                         after.expected - before.expected);
    }
    if (m_options.zxingFullFrame) {
        const double t0 = threadCpuMs();
        const auto codes = m_reader.decodeFullFrame(frame.image);
        score(frame.category, kZxing, frame, texts(codes), threadCpuMs() - t0, false);
    }
    if (m_options.libdmtx) {
        const double t0 = threadCpuMs();
        cv::Mat grey;
        if (frame.image.channels() == 1)
            grey = frame.image;
        else
            cv::cvtColor(frame.image, grey,
                         frame.image.channels() == 4 ? cv::COLOR_BGRA2GRAY : cv::COLOR_BGR2GRAY);
        bool timedOut = false;
        const auto read = decodeWithLibdmtx(grey, m_options.dmtxTimeoutMs, timedOut);
        score(frame.category, kDmtx, frame, read, threadCpuMs() - t0, false);
        if (timedOut) {
            ++m_rows[frame.category][kDmtx].timeouts;
            ++m_total[kDmtx].timeouts;
        }
    }
    const std::string name = std::filesystem::path(frame.file).filename().string();
    for (const auto& [reader, files] : m_reference) {
        const auto it = files.find(name);
        if (it != files.end())
            score(frame.category, reader, frame, it->second.texts, it->second.ms, true);
    }
    return clean;
}

const DecoderTally* BarcodeBench::tally(const std::string& category, const std::string& decoder) const {
    const auto row = m_rows.find(category);
    if (row == m_rows.end())
        return nullptr;
    const auto t = row->second.find(decoder);
    return t == row->second.end() ? nullptr : &t->second;
}

const DecoderTally* BarcodeBench::total(const std::string& decoder) const {
    const auto t = m_total.find(decoder);
    return t == m_total.end() ? nullptr : &t->second;
}

void BarcodeBench::print(std::FILE* out) const {
    std::vector<std::string> shownDecoders;
    for (const auto& d : m_decoders)
        if (m_total.at(d).frames > 0)
            shownDecoders.push_back(d);
    std::fprintf(out, "%-14s %5s", "category", "codes");
    for (const auto& d : shownDecoders)
        std::fprintf(out, " | %-33.33s", d.c_str());
    std::fprintf(out, "\n%-14s %5s", "", "");
    for (size_t i = 0; i < shownDecoders.size(); ++i)
        std::fprintf(out, " | %-9s %3s %3s %7s %7s", "read", "mis", "fp", "med ms", "p95 ms");
    std::fprintf(out, "\n");
    const auto cell = [&](const DecoderTally* t) {
        if (t == nullptr || t->frames == 0) {
            std::fprintf(out, " | %-33s", "-");
            return;
        }
        char read[32];
        std::snprintf(read, sizeof read, "%d/%d", t->read, t->expected);
        std::fprintf(out, " | %-9s %3d %3d %7.1f %7.1f", read, t->misreads, t->falsePositives,
                     t->percentile(0.5), t->percentile(0.95));
    };
    for (const auto& c : m_categories) {
        const DecoderTally* s = tally(c, kStation);
        std::fprintf(out, "%-14.14s %5d", c.c_str(), s ? s->expected : 0);
        for (const auto& d : shownDecoders)
            cell(tally(c, d));
        std::fprintf(out, "\n");
    }
    std::fprintf(out, "%-14s %5d", "ALL", m_total.at(kStation).expected);
    for (const auto& d : shownDecoders)
        cell(&m_total.at(d));
    std::fprintf(out, "\n");
    for (const auto& d : shownDecoders) {
        const DecoderTally& t = m_total.at(d);
        std::fprintf(out,
                     "%-34s read %5.1f%%  misreads %d  false positives %d  median %.1f ms  p95 %.1f ms%s\n",
                     d.c_str(), t.expected ? 100.0 * t.read / t.expected : 0.0, t.misreads, t.falsePositives,
                     t.percentile(0.5), t.percentile(0.95),
                     t.timeouts ? (" (" + std::to_string(t.timeouts) + " timed out)").c_str() : "");
    }
    const int frames = m_total.at(kStation).frames;
    std::fprintf(out,
                 "station reader stages over %d frames (ZXing calls, codes first read there, CPU ms total "
                 "and per frame):\n",
                 frames);
    const auto stage = [&](const char* name, const StageStats& s) {
        std::fprintf(out, "  %-12s %6d tries %5d reads %9.1f ms %7.2f ms/frame\n", name, s.tries, s.reads,
                     s.ms, frames ? s.ms / frames : 0.0);
    };
    stage("locate", m_stages.locate);
    stage("cut", m_stages.cut);
    stage("crops", m_stages.crops);
    stage("square-text", m_stages.squareText);
    stage("quiet-zone", m_stages.quietZone);
    stage("painted-out", m_stages.paintedOut);
    stage("grown", m_stages.grown);
    stage("inverted", m_stages.inverted);
    stage("mirrored", m_stages.mirrored);
    stage("full-frame", m_stages.fullFrame);
    // What the stages' clocks do not cover: the retries' own image work (quiet zones, stretches,
    // inversions, painting out), splitting regions, the bookkeeping.
    const double outside = m_stationMs - stagesMs(m_stages);
    std::fprintf(out, "  %-12s %6s       %5s       %9.1f ms %7.2f ms/frame\n", "other", "", "", outside,
                 frames ? outside / frames : 0.0);
    const DecoderTally* dmtx = total(kDmtx);
    if (dmtx != nullptr && dmtx->frames > 0) {
        const DecoderTally& st = m_total.at(kStation);
        std::fprintf(out, "median speed-up of the station reader over libdmtx on these frames: %.0fx\n",
                     dmtx->percentile(0.5) / std::max(1e-6, st.percentile(0.5)));
    }
}

nlohmann::json BarcodeBench::toJson() const {
    const auto tallyJson = [](const DecoderTally& t) {
        return nlohmann::json{{"frames", t.frames},
                              {"codes", t.expected},
                              {"read", t.read},
                              {"misreads", t.misreads},
                              {"false_positives", t.falsePositives},
                              {"timeouts", t.timeouts},
                              {"median_ms", std::round(t.percentile(0.5) * 100) / 100},
                              {"p95_ms", std::round(t.percentile(0.95) * 100) / 100}};
    };
    nlohmann::json categories = nlohmann::json::object();
    for (const auto& c : m_categories) {
        nlohmann::json row = nlohmann::json::object();
        for (const auto& d : m_decoders)
            if (const DecoderTally* t = tally(c, d))
                row[d] = tallyJson(*t);
        categories[c] = row;
    }
    nlohmann::json total = nlohmann::json::object();
    for (const auto& d : m_decoders)
        if (m_total.at(d).frames > 0)
            total[d] = tallyJson(m_total.at(d));
    nlohmann::json stages = nlohmann::json::object();
    for (const auto& [name, s] :
         {std::pair{"locate", m_stages.locate}, std::pair{"cut", m_stages.cut},
          std::pair{"crops", m_stages.crops}, std::pair{"square_text", m_stages.squareText},
          std::pair{"quiet_zone", m_stages.quietZone}, std::pair{"painted_out", m_stages.paintedOut},
          std::pair{"grown", m_stages.grown}, std::pair{"inverted", m_stages.inverted},
          std::pair{"mirrored", m_stages.mirrored}, std::pair{"full_frame", m_stages.fullFrame}})
        stages[name] = {{"tries", s.tries}, {"reads", s.reads}, {"ms", std::round(s.ms * 10) / 10}};
    stages["other"] = {{"ms", std::round((m_stationMs - stagesMs(m_stages)) * 10) / 10}};
    return {{"categories", categories}, {"total", total}, {"stages", stages}};
}

} // namespace admix::vision

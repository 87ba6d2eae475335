#include "usp797/demo_site.hpp"

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>

namespace admix::usp797 {

DemoSite demoSite(Date start) {
    DemoSite site;
    site.rooms = {
        {"ANTE-1", "Ante-room", IsoClass::Iso8, PressureRegime::Positive, false, start},
        {"BUF-1", "Sterile buffer room", IsoClass::Iso7, PressureRegime::Positive, false, start},
        {"HD-1", "Hazardous-drug buffer room", IsoClass::Iso7, PressureRegime::Negative, true, start},
    };
    site.pecs = {
        {"LAFW-1",
         "BUF-1",
         PecType::Lafw,
         {Category::Immediate, Category::Cat1, Category::Cat2, Category::Cat3},
         false,
         start},
        {"BSC-1", "HD-1", PecType::Bsc, {Category::Immediate, Category::Cat1, Category::Cat2}, true, start},
    };
    site.people = {
        {"tech01", "Avery Tran", "technician"},
        {"tech02", "Blake Moreno", "technician"},
        {"tech03", "Casey Lindqvist", "technician"},
        {"tech04", "Devon Okafor", "technician"},
        {"tech05", "Emery Kowalski", "technician"},
        {"tech06", "Finley Ruiz", "technician"},
        {"pharm01", "Dr. Gray Nakamura", "pharmacist"},
        {"pharm02", "Dr. Harper Quinn", "pharmacist"},
        {"qa01", "Indigo Patel", "quality"},
        {"qa02", "Jordan Weiss", "quality"},
    };
    return site;
}

namespace {

class Rng {
public:
    explicit Rng(uint32_t seed) : m_gen(seed) {}
    double uniform() { return static_cast<double>(m_gen()) / 4294967296.0; }
    double between(double lo, double hi) { return lo + (hi - lo) * uniform(); }
    // Approximately normal (sum of 4 uniforms), enough for plausible readings.
    double around(double mean, double spread) {
        const double s = uniform() + uniform() + uniform() + uniform() - 2.0;
        return mean + spread * s;
    }
    size_t pick(size_t n) { return static_cast<size_t>(uniform() * static_cast<double>(n)) % n; }

private:
    std::mt19937 m_gen;
};

double round(double v, double step) {
    return std::round(v / step) * step;
}

} // namespace

GeneratedEm generateDemoEm(const DemoSite& site, Date start, int days, uint32_t seed) {
    using namespace std::chrono;
    GeneratedEm out;
    Rng rng(seed);
    std::vector<std::string> techs, qa;
    for (const auto& p : site.people) {
        if (p.role == "technician")
            techs.push_back(p.code);
        else if (p.role == "quality")
            qa.push_back(p.code);
    }
    // Planted excursions, as day offsets (within the range when days allows).
    const int surfaceExcursionDay = days / 5;
    const int airExcursionDay = days / 3;
    const int tempExcursionDay = days / 2;
    const int fridgeExcursionDay = (days * 2) / 3;
    const int pressureExcursionDay = (days * 4) / 5;

    auto add = [&](TimePoint at, EmKind kind, const std::string& room, const std::string& location,
                   double value, std::optional<double> litres, const std::string& person,
                   const std::string& device) {
        out.samples.push_back({at, kind, room, location, value, litres, person, device, ""});
    };
    for (int d = 0; d < days; ++d) {
        const sys_days day = sys_days{start} + std::chrono::days{d};
        const Date date{day};
        const TimePoint midnight = localDayStart(date); // readings at local hours of the site's day
        const std::string tech = techs[rng.pick(techs.size())];
        const std::string media = "TSA-" + std::to_string(static_cast<int>(date.year()) % 100) +
                                  std::to_string(static_cast<unsigned>(date.month()) + 10);
        for (int reading = 0; reading < 2; ++reading) {
            const TimePoint at =
                midnight + hours{reading == 0 ? 7 : 15} + minutes{static_cast<int>(rng.pick(30))};
            for (const Room& room : site.rooms) {
                double pressure = room.pressure == PressureRegime::Negative
                                      ? round(rng.around(-0.020, 0.004), 0.001)
                                      : round(rng.around(0.040, 0.006), 0.001);
                if (d == pressureExcursionDay && reading == 0 && room.code == "BUF-1")
                    pressure = 0.012;
                add(at, EmKind::Pressure, room.code, room.code, pressure, std::nullopt, tech,
                    "DPG-" + room.code);
                double temp = round(rng.around(18.6, 0.4), 0.1);
                if (d == tempExcursionDay && reading == 1 && room.code == "ANTE-1")
                    temp = 21.3;
                add(at, EmKind::Temperature, room.code, room.code, temp, std::nullopt, tech,
                    "TH-" + room.code);
                add(at, EmKind::Humidity, room.code, room.code, round(rng.around(42.0, 6.0), 1.0),
                    std::nullopt, tech, "TH-" + room.code);
            }
            double fridge = round(rng.around(4.8, 1.0), 0.1);
            if (d == fridgeExcursionDay && reading == 0)
                fridge = 9.1;
            add(at, EmKind::Fridge, "BUF-1", "FR-1", fridge, std::nullopt, tech, "TL-FR-1");
            add(at, EmKind::Freezer, "BUF-1", "FZ-1", round(rng.around(-19.5, 2.0), 0.1), std::nullopt, tech,
                "TL-FZ-1");
        }
        const TimePoint sampling = midnight + hours{10};
        const std::string sampler = qa[rng.pick(qa.size())];
        // BUF-1 and its LAFW compound Cat 3: surface weekly, air monthly. HD-1: Cat 1/2: surface monthly,
        // air every 6 months. ANTE-1 follows the buffer room it serves.
        const auto cfu = [&](double chanceOfOne) {
            return rng.uniform() < chanceOfOne ? (rng.uniform() < 0.3 ? 2.0 : 1.0) : 0.0;
        };
        if (d % 7 == 0) {
            add(sampling, EmKind::Surface, "BUF-1", "LAFW-1/work surface", 0, std::nullopt, sampler, media);
            add(sampling, EmKind::Surface, "BUF-1", "BUF-1/pass-through",
                d == surfaceExcursionDay - surfaceExcursionDay % 7 ? 6.0 : cfu(0.2), std::nullopt, sampler,
                media);
            add(sampling, EmKind::Surface, "BUF-1", "BUF-1/floor", cfu(0.3), std::nullopt, sampler, media);
        }
        if (d % 30 == 0) {
            add(sampling, EmKind::Surface, "ANTE-1", "ANTE-1/sink counter", cfu(0.5) * 3, std::nullopt,
                sampler, media);
            add(sampling, EmKind::Surface, "HD-1", "BSC-1/work surface", 0, std::nullopt, sampler, media);
            add(sampling, EmKind::Surface, "HD-1", "HD-1/floor", cfu(0.3), std::nullopt, sampler, media);
            const bool planted = d == airExcursionDay - airExcursionDay % 30;
            add(sampling + hours{1}, EmKind::ViableAir, "BUF-1", "LAFW-1", planted ? 2.0 : 0.0, 1000.0,
                sampler, "SAS-1/" + media);
            add(sampling + hours{1}, EmKind::ViableAir, "BUF-1", "BUF-1/centre", cfu(0.3), 1000.0, sampler,
                "SAS-1/" + media);
            add(sampling + hours{1}, EmKind::ViableAir, "ANTE-1", "ANTE-1/centre", cfu(0.5) * 4, 1000.0,
                sampler, "SAS-1/" + media);
        }
        if (d % 182 == 0) {
            add(sampling + hours{2}, EmKind::ViableAir, "HD-1", "BSC-1", 0, 1000.0, sampler,
                "SAS-1/" + media);
            add(sampling + hours{2}, EmKind::ViableAir, "HD-1", "HD-1/centre", cfu(0.3), 1000.0, sampler,
                "SAS-1/" + media);
            add(sampling + hours{3}, EmKind::Particles, "BUF-1", "LAFW-1", std::round(rng.between(200, 1500)),
                std::nullopt, "certifier", "PC-9000");
            add(sampling + hours{3}, EmKind::Particles, "HD-1", "BSC-1", std::round(rng.between(200, 1500)),
                std::nullopt, "certifier", "PC-9000");
            for (const Room& room : site.rooms)
                add(sampling + hours{3}, EmKind::Particles, room.code, room.code,
                    std::round(room.iso == IsoClass::Iso8 ? rng.between(4e5, 1.5e6)
                                                          : rng.between(2e4, 1.2e5)),
                    std::nullopt, "certifier", "PC-9000");
        }
    }
    for (int planted :
         {surfaceExcursionDay, airExcursionDay, tempExcursionDay, fridgeExcursionDay, pressureExcursionDay})
        out.plantedExcursions += planted < days ? 1 : 0;
    std::stable_sort(out.samples.begin(), out.samples.end(),
                     [](const EmSample& a, const EmSample& b) { return a.at < b.at; });
    return out;
}

} // namespace admix::usp797

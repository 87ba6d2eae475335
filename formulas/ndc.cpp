#include "formulas/ndc.hpp"

#include "formulas/gs1.hpp"
#include "formulas/text.hpp"

#include <algorithm>
#include <cassert>

namespace admix::formulas {

std::string_view ndcFormatName(NdcFormat format) {
    switch (format) {
    case NdcFormat::F442:
        return "4-4-2";
    case NdcFormat::F532:
        return "5-3-2";
    case NdcFormat::F541:
        return "5-4-1";
    case NdcFormat::F542:
        return "5-4-2";
    case NdcFormat::F642:
        return "6-4-2";
    }
    return "?";
}

// FDA's conversion of existing codes to 6-4-2 pads the short segments with leading zeros:
// 4-4-2 -> "00" + labeler; 5-3-2 -> "0" + labeler, "0" + product; 5-4-1 -> "0" + labeler, "0" + package.
// (Proposed rule 87 FR 44038, 2022; the final rule keeps uniform 6-4-2 - check against FDA's text.)
Ndc Ndc::fromTenDigit(std::string_view labeler, std::string_view product, std::string_view package) {
    Ndc n;
    if (labeler.size() == 4 && product.size() == 4 && package.size() == 2) {
        n.m_format = NdcFormat::F442;
        n.m_labeler = "00" + std::string(labeler);
        n.m_product = std::string(product);
        n.m_package = std::string(package);
    } else if (labeler.size() == 5 && product.size() == 3 && package.size() == 2) {
        n.m_format = NdcFormat::F532;
        n.m_labeler = "0" + std::string(labeler);
        n.m_product = "0" + std::string(product);
        n.m_package = std::string(package);
    } else {
        assert(labeler.size() == 5 && product.size() == 4 && package.size() == 1);
        n.m_format = NdcFormat::F541;
        n.m_labeler = "0" + std::string(labeler);
        n.m_product = std::string(product);
        n.m_package = "0" + std::string(package);
    }
    return n;
}

Ndc Ndc::fromTwelveDigit(std::string_view labeler, std::string_view product, std::string_view package) {
    assert(labeler.size() == 6 && product.size() == 4 && package.size() == 2);
    Ndc n;
    n.m_format = NdcFormat::F642;
    n.m_labeler = std::string(labeler);
    n.m_product = std::string(product);
    n.m_package = std::string(package);
    return n;
}

std::string Ndc::ndc10() const {
    switch (m_format) {
    case NdcFormat::F442:
        return m_labeler.substr(2) + "-" + m_product + "-" + m_package;
    case NdcFormat::F532:
        return m_labeler.substr(1) + "-" + m_product.substr(1) + "-" + m_package;
    case NdcFormat::F541:
        return m_labeler.substr(1) + "-" + m_product + "-" + m_package.substr(1);
    case NdcFormat::F542:
    case NdcFormat::F642:
        return {};
    }
    return {};
}

std::string Ndc::ndc11() const {
    if (!hasTenDigitForm())
        return {};
    // 5-4-2: the 6-digit labeler always starts with the zero the 12-digit form added.
    return m_labeler.substr(1) + "-" + m_product + "-" + m_package;
}

std::string Ndc::ndc12() const {
    return m_labeler + "-" + m_product + "-" + m_package;
}

std::string Ndc::digits10() const {
    std::string s = ndc10();
    s.erase(std::remove(s.begin(), s.end(), '-'), s.end());
    return s;
}

std::string Ndc::gtin14(int indicator) const {
    if (!hasTenDigitForm() || indicator < 0 || indicator > 8)
        return {};
    const std::string body = std::to_string(indicator) + "03" + digits10();
    return body + std::to_string(gs1CheckDigit(body));
}

namespace {

// Real labeler codes: 4-digit ones are written with a leading zero (0409), 5-digit ones never start
// with one. A candidate that breaks this is possible on paper but unlikely, so it is listed last.
bool plausible(const Ndc& n) {
    const std::string ten = n.ndc10();
    const size_t labelerLen = ten.find('-');
    return labelerLen == 4 ? ten[0] == '0' : ten[0] != '0';
}

void order(std::vector<Ndc>& candidates) {
    std::stable_partition(candidates.begin(), candidates.end(), plausible);
}

std::vector<Ndc> tenDigitCandidates(std::string_view d) {
    return {Ndc::fromTenDigit(d.substr(0, 4), d.substr(4, 4), d.substr(8, 2)),
            Ndc::fromTenDigit(d.substr(0, 5), d.substr(5, 3), d.substr(8, 2)),
            Ndc::fromTenDigit(d.substr(0, 5), d.substr(5, 4), d.substr(9, 1))};
}

// An 11-digit 5-4-2 code came from a 10-digit one by padding one segment with a zero; every
// segment that starts with zero is a candidate.
std::vector<Ndc> elevenDigitCandidates(std::string_view l, std::string_view p, std::string_view k) {
    std::vector<Ndc> out;
    if (l[0] == '0')
        out.push_back(Ndc::fromTenDigit(l.substr(1), p, k));
    if (p[0] == '0')
        out.push_back(Ndc::fromTenDigit(l, p.substr(1), k));
    if (k[0] == '0')
        out.push_back(Ndc::fromTenDigit(l, p, k.substr(1)));
    order(out);
    return out;
}

// A 6-4-2 code: the 10-digit forms it may have come from, or itself when none fits.
std::vector<Ndc> twelveDigitCandidates(std::string_view l, std::string_view p, std::string_view k) {
    std::vector<Ndc> out;
    if (l[0] == '0' && l[1] == '0')
        out.push_back(Ndc::fromTenDigit(l.substr(2), p, k));
    if (l[0] == '0' && p[0] == '0')
        out.push_back(Ndc::fromTenDigit(l.substr(1), p.substr(1), k));
    if (l[0] == '0' && k[0] == '0')
        out.push_back(Ndc::fromTenDigit(l.substr(1), p, k.substr(1)));
    order(out);
    // Once FDA assigns 6-digit labelers the code is a native 12-digit NDC; when the candidates
    // above are all implausible it is more likely that than a padded old code.
    if (out.empty() || !plausible(out.front()))
        out.insert(out.begin(), Ndc::fromTwelveDigit(l, p, k));
    return out;
}

bool allZero(std::string_view s) {
    return s.find_first_not_of('0') == std::string_view::npos;
}

// No drug has an all-zero labeler or product code. (The 12-digit text is kept alive while its
// segments are looked at: split() returns views into it.)
bool hasZeroSegment(const Ndc& n) {
    const std::string twelve = n.ndc12();
    const auto segs = split(twelve, '-');
    return allZero(segs[0]) || allZero(segs[1]);
}

} // namespace

Result<NdcLookup> ndcFromGtin(std::string_view gtin) {
    const std::string_view g = trim(gtin);
    if (g.size() != 14 || !isAllDigits(g))
        return Result<NdcLookup>::fail("a GTIN-14 has 14 digits, '" + printable(g) + "' does not");
    if (!gs1CheckDigitValid(g))
        return Result<NdcLookup>::fail("GTIN " + std::string(g) + " has a wrong check digit (should end in " +
                                       std::to_string(gs1CheckDigit(g.substr(0, 13))) +
                                       "): misread or mistyped");
    if (g[0] == '9')
        return Result<NdcLookup>::fail("GTIN " + std::string(g) +
                                       " is a variable-measure item (indicator 9), not a drug package");
    if (g.substr(1, 2) != "03")
        return Result<NdcLookup>::fail(
            "GTIN " + std::string(g) +
            " does not carry an NDC (US drug GTINs have \"03\" after the indicator digit)");
    NdcLookup out;
    out.inputForm = "GTIN-14";
    out.candidates = tenDigitCandidates(g.substr(3, 10));
    order(out.candidates);
    std::erase_if(out.candidates, hasZeroSegment);
    if (out.candidates.empty())
        return Result<NdcLookup>::fail("GTIN " + std::string(g) +
                                       " carries an all-zero labeler or product code, which no drug has");
    return out;
}

Result<NdcLookup> parseNdc(std::string_view text) {
    const std::string_view t = trim(text);
    if (t.empty())
        return Result<NdcLookup>::fail("no NDC was given");
    if (t.size() > 20)
        return Result<NdcLookup>::fail("'" + printable(t.substr(0, 20)) +
                                       "...' is too long to be an NDC or a GTIN");
    for (char c : t) {
        if (!(c >= '0' && c <= '9') && c != '-')
            return Result<NdcLookup>::fail("'" + printable(t) + "' contains '" +
                                           printable(std::string_view(&c, 1)) +
                                           "': an NDC has only digits and hyphens");
    }
    const auto parts = split(t, '-');
    std::string digits;
    for (const auto& p : parts)
        digits += p;

    NdcLookup out;
    if (parts.size() == 1) {
        if (digits.size() == 10) {
            out.inputForm = "NDC-10 without hyphens";
            out.candidates = tenDigitCandidates(digits);
            order(out.candidates);
        } else if (digits.size() == 11) {
            out.inputForm = "NDC-11 billing form";
            out.candidates = elevenDigitCandidates(std::string_view(digits).substr(0, 5),
                                                   std::string_view(digits).substr(5, 4),
                                                   std::string_view(digits).substr(9, 2));
        } else if (digits.size() == 12) {
            out.inputForm = "NDC-12";
            out.candidates = twelveDigitCandidates(std::string_view(digits).substr(0, 6),
                                                   std::string_view(digits).substr(6, 4),
                                                   std::string_view(digits).substr(10, 2));
        } else if (digits.size() == 14) {
            return ndcFromGtin(digits);
        } else {
            return Result<NdcLookup>::fail("'" + std::string(t) + "' has " + std::to_string(digits.size()) +
                                           " digits; an NDC has 10, 11 or 12 and a GTIN 14");
        }
    } else if (parts.size() == 3) {
        const size_t a = parts[0].size(), b = parts[1].size(), c = parts[2].size();
        if (a == 0 || b == 0 || c == 0)
            return Result<NdcLookup>::fail("'" + std::string(t) + "' has an empty segment");
        if ((a == 4 && b == 4 && c == 2) || (a == 5 && b == 3 && c == 2) || (a == 5 && b == 4 && c == 1)) {
            out.inputForm = "NDC-10 " + std::to_string(a) + "-" + std::to_string(b) + "-" + std::to_string(c);
            out.candidates = {Ndc::fromTenDigit(parts[0], parts[1], parts[2])};
        } else if (a == 5 && b == 4 && c == 2) {
            out.inputForm = "NDC-11 billing form";
            out.candidates = elevenDigitCandidates(parts[0], parts[1], parts[2]);
        } else if (a == 6 && b == 4 && c == 2) {
            out.inputForm = "NDC-12";
            out.candidates = twelveDigitCandidates(parts[0], parts[1], parts[2]);
        } else {
            return Result<NdcLookup>::fail("'" + std::string(t) + "' has segments " + std::to_string(a) +
                                           "-" + std::to_string(b) + "-" + std::to_string(c) +
                                           "; an NDC is 4-4-2, 5-3-2, 5-4-1, 5-4-2 (billing) or 6-4-2");
        }
    } else {
        return Result<NdcLookup>::fail("'" + std::string(t) +
                                       "' should have three segments separated by hyphens, or none");
    }
    if (out.candidates.empty())
        return Result<NdcLookup>::fail(
            "'" + std::string(t) +
            "' is not an 11-digit billing NDC: none of its segments starts with the padding zero");
    // No drug has an all-zero labeler or product code: drop such readings, fail if none is left.
    std::erase_if(out.candidates, hasZeroSegment);
    if (out.candidates.empty())
        return Result<NdcLookup>::fail("'" + std::string(t) +
                                       "' has an all-zero labeler or product code, which no drug has");
    return out;
}

} // namespace admix::formulas

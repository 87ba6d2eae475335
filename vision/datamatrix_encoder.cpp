#include "vision/datamatrix_encoder.hpp"

#include <array>
#include <string>

namespace admix::vision {

namespace {

// [SECTION] Symbol sizes (ISO/IEC 16022 table 7, square, one interleaved block)
struct SymbolSize {
    int size;      // modules per side
    int regions;   // data regions per side
    int dataWords; // data codewords
    int eccWords;  // error correction codewords
};
constexpr std::array<SymbolSize, 14> kSizes{{{10, 1, 3, 5},
                                             {12, 1, 5, 7},
                                             {14, 1, 8, 10},
                                             {16, 1, 12, 12},
                                             {18, 1, 18, 14},
                                             {20, 1, 22, 18},
                                             {22, 1, 30, 20},
                                             {24, 1, 36, 24},
                                             {26, 1, 44, 28},
                                             {32, 2, 62, 36},
                                             {36, 2, 86, 42},
                                             {40, 2, 114, 48},
                                             {44, 2, 144, 56},
                                             {48, 2, 174, 68}}};

constexpr uint8_t kFnc1 = 232;
constexpr uint8_t kPad = 129;

// [SECTION] Reed-Solomon over GF(256), primitive polynomial x^8+x^5+x^3+x^2+1 (301)
struct Galois {
    std::array<uint8_t, 256> exp{};
    std::array<int, 256> log{};
    Galois() {
        int v = 1;
        for (int i = 0; i < 255; ++i) {
            exp[static_cast<size_t>(i)] = static_cast<uint8_t>(v);
            log[static_cast<size_t>(v)] = i;
            v <<= 1;
            if (v & 0x100)
                v ^= 301;
        }
        exp[255] = exp[0];
    }
    [[nodiscard]] uint8_t mul(uint8_t a, uint8_t b) const {
        if (a == 0 || b == 0)
            return 0;
        return exp[static_cast<size_t>((log[a] + log[b]) % 255)];
    }
};

const Galois& galois() {
    static const Galois g;
    return g;
}

std::vector<uint8_t> reedSolomon(const std::vector<uint8_t>& data, int eccCount) {
    const Galois& gf = galois();
    // Generator polynomial prod_{i=1..n} (x + a^i), coefficients highest degree first.
    std::vector<uint8_t> gen{1};
    for (int i = 1; i <= eccCount; ++i) {
        std::vector<uint8_t> next(gen.size() + 1, 0);
        const uint8_t root = gf.exp[static_cast<size_t>(i)];
        for (size_t j = 0; j < gen.size(); ++j) {
            next[j] ^= gen[j];
            next[j + 1] ^= gf.mul(gen[j], root);
        }
        gen = std::move(next);
    }
    std::vector<uint8_t> remainder(static_cast<size_t>(eccCount), 0);
    for (const uint8_t d : data) {
        const uint8_t factor = d ^ remainder[0];
        remainder.erase(remainder.begin());
        remainder.push_back(0);
        for (size_t j = 0; j < remainder.size(); ++j)
            remainder[j] ^= gf.mul(gen[j + 1], factor);
    }
    return remainder;
}

// [SECTION] Module placement (ISO/IEC 16022 annex F)
class Placement {
public:
    Placement(int rows, int cols)
        : m_rows(rows), m_cols(cols), m_bits(static_cast<size_t>(rows * cols), -1) {}

    void place(const std::vector<uint8_t>& codewords) {
        m_words = &codewords;
        int word = 0;
        int row = 4;
        int col = 0;
        do {
            if (row == m_rows && col == 0)
                corner1(word++);
            if (row == m_rows - 2 && col == 0 && (m_cols % 4) != 0)
                corner2(word++);
            if (row == m_rows - 2 && col == 0 && (m_cols % 8) == 4)
                corner3(word++);
            if (row == m_rows + 4 && col == 2 && (m_cols % 8) == 0)
                corner4(word++);
            do {
                if (row < m_rows && col >= 0 && at(row, col) < 0)
                    utah(row, col, word++);
                row -= 2;
                col += 2;
            } while (row >= 0 && col < m_cols);
            row += 1;
            col += 3;
            do {
                if (row >= 0 && col < m_cols && at(row, col) < 0)
                    utah(row, col, word++);
                row += 2;
                col -= 2;
            } while (row < m_rows && col >= 0);
            row += 3;
            col += 1;
        } while (row < m_rows || col < m_cols);
        if (at(m_rows - 1, m_cols - 1) < 0) {
            at(m_rows - 1, m_cols - 1) = 1;
            at(m_rows - 2, m_cols - 2) = 1;
        }
        for (auto& b : m_bits)
            if (b < 0)
                b = 0;
    }
    [[nodiscard]] bool dark(int row, int col) const {
        return m_bits[static_cast<size_t>(row * m_cols + col)] > 0;
    }

private:
    int& at(int row, int col) { return m_bits[static_cast<size_t>(row * m_cols + col)]; }

    void module(int row, int col, int word, int bit) {
        if (row < 0) {
            row += m_rows;
            col += 4 - ((m_rows + 4) % 8);
        }
        if (col < 0) {
            col += m_cols;
            row += 4 - ((m_cols + 4) % 8);
        }
        const uint8_t value = (*m_words)[static_cast<size_t>(word)];
        at(row, col) = (value >> (8 - bit)) & 1;
    }
    void utah(int row, int col, int word) {
        module(row - 2, col - 2, word, 1);
        module(row - 2, col - 1, word, 2);
        module(row - 1, col - 2, word, 3);
        module(row - 1, col - 1, word, 4);
        module(row - 1, col, word, 5);
        module(row, col - 2, word, 6);
        module(row, col - 1, word, 7);
        module(row, col, word, 8);
    }
    void corner1(int w) {
        module(m_rows - 1, 0, w, 1);
        module(m_rows - 1, 1, w, 2);
        module(m_rows - 1, 2, w, 3);
        module(0, m_cols - 2, w, 4);
        module(0, m_cols - 1, w, 5);
        module(1, m_cols - 1, w, 6);
        module(2, m_cols - 1, w, 7);
        module(3, m_cols - 1, w, 8);
    }
    void corner2(int w) {
        module(m_rows - 3, 0, w, 1);
        module(m_rows - 2, 0, w, 2);
        module(m_rows - 1, 0, w, 3);
        module(0, m_cols - 4, w, 4);
        module(0, m_cols - 3, w, 5);
        module(0, m_cols - 2, w, 6);
        module(0, m_cols - 1, w, 7);
        module(1, m_cols - 1, w, 8);
    }
    void corner3(int w) {
        module(m_rows - 3, 0, w, 1);
        module(m_rows - 2, 0, w, 2);
        module(m_rows - 1, 0, w, 3);
        module(0, m_cols - 2, w, 4);
        module(0, m_cols - 1, w, 5);
        module(1, m_cols - 1, w, 6);
        module(2, m_cols - 1, w, 7);
        module(3, m_cols - 1, w, 8);
    }
    void corner4(int w) {
        module(m_rows - 1, 0, w, 1);
        module(m_rows - 1, m_cols - 1, w, 2);
        module(0, m_cols - 3, w, 3);
        module(0, m_cols - 2, w, 4);
        module(0, m_cols - 1, w, 5);
        module(1, m_cols - 3, w, 6);
        module(1, m_cols - 2, w, 7);
        module(1, m_cols - 1, w, 8);
    }

    int m_rows;
    int m_cols;
    std::vector<int> m_bits;
    const std::vector<uint8_t>* m_words = nullptr;
};

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

} // namespace

Result<DataMatrixSymbol> encodeDataMatrix(std::string_view data, bool gs1) {
    // ASCII encodation: digit pairs as 130 + value, other characters as value + 1, FNC1 as 232.
    std::vector<uint8_t> words;
    if (gs1)
        words.push_back(kFnc1);
    for (size_t i = 0; i < data.size(); ++i) {
        const char c = data[i];
        if (gs1 && c == '\x1D') {
            words.push_back(kFnc1);
        } else if (isDigit(c) && i + 1 < data.size() && isDigit(data[i + 1])) {
            words.push_back(static_cast<uint8_t>(130 + (c - '0') * 10 + (data[i + 1] - '0')));
            ++i;
        } else if (static_cast<unsigned char>(c) < 128) {
            words.push_back(static_cast<uint8_t>(c + 1));
        } else {
            return Result<DataMatrixSymbol>::fail("only ASCII characters can be encoded",
                                                  "character " + std::to_string(i + 1));
        }
    }
    const SymbolSize* chosen = nullptr;
    for (const auto& s : kSizes) {
        if (s.dataWords >= static_cast<int>(words.size())) {
            chosen = &s;
            break;
        }
    }
    if (chosen == nullptr)
        return Result<DataMatrixSymbol>::fail("too long for a 48x48 Data Matrix (" +
                                              std::to_string(words.size()) + " codewords, at most 174)");
    // Padding: one 129, then the 253-state randomised pad.
    bool first = true;
    while (static_cast<int>(words.size()) < chosen->dataWords) {
        if (first) {
            words.push_back(kPad);
            first = false;
        } else {
            const int position = static_cast<int>(words.size()) + 1;
            int value = kPad + ((149 * position) % 253) + 1;
            if (value > 254)
                value -= 254;
            words.push_back(static_cast<uint8_t>(value));
        }
    }
    const auto ecc = reedSolomon(words, chosen->eccWords);
    words.insert(words.end(), ecc.begin(), ecc.end());

    const int regionData = (chosen->size - 2 * chosen->regions) / chosen->regions;
    const int mapping = regionData * chosen->regions;
    Placement placement(mapping, mapping);
    placement.place(words);

    DataMatrixSymbol symbol;
    symbol.size = chosen->size;
    symbol.modules.assign(static_cast<size_t>(symbol.size * symbol.size), 0);
    const int regionSize = regionData + 2;
    for (int y = 0; y < symbol.size; ++y) {
        for (int x = 0; x < symbol.size; ++x) {
            const int rx = x % regionSize;
            const int ry = y % regionSize;
            bool dark = false;
            if (rx == 0 || ry == regionSize - 1)
                dark = true; // solid L finder
            else if (ry == 0)
                dark = (rx % 2) == 0; // clock track along the top
            else if (rx == regionSize - 1)
                dark = (ry % 2) == 1; // clock track down the right
            else
                dark = placement.dark((y / regionSize) * regionData + ry - 1,
                                      (x / regionSize) * regionData + rx - 1);
            symbol.modules[static_cast<size_t>(y * symbol.size + x)] = dark ? 1 : 0;
        }
    }
    return symbol;
}

std::string gs1ElementString(std::string_view gtin14, std::string_view expiryYymmdd, std::string_view lot,
                             std::string_view serial) {
    std::string out = "01";
    out += gtin14;
    out += "17";
    out += expiryYymmdd;
    out += "10";
    out += lot;
    if (!serial.empty()) {
        out += '\x1D';
        out += "21";
        out += serial;
    }
    return out;
}

char gs1CheckDigit(std::string_view digits) {
    int sum = 0;
    int weight = 3;
    for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
        sum += (*it - '0') * weight;
        weight = weight == 3 ? 1 : 3;
    }
    return static_cast<char>('0' + (10 - sum % 10) % 10);
}

} // namespace admix::vision

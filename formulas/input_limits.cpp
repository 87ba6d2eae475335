#include "formulas/input_limits.hpp"

#include <set>
#include <vector>

namespace admix::formulas {

namespace {

std::string tooBig(size_t size, size_t max) {
    return "is " + std::to_string(size) + " bytes, more than the " + std::to_string(max) + " bytes allowed";
}

std::string lineOf(size_t line) {
    return "line " + std::to_string(line) + ": ";
}

} // namespace

// A single pass over the text that knows TOML's strings and comments, and measures how deep each
// key would sit: its table header's segments, its own dotted segments, and the arrays and inline
// tables around it.
std::optional<std::string> tomlShapeProblem(std::string_view text, const InputLimits& limits) {
    if (text.size() > limits.maxBytes)
        return "the file " + tooBig(text.size(), limits.maxBytes);
    const int max = limits.maxDepth;
    size_t line = 1;
    int headerDepth = 0;        // segments of the current [table] header
    std::vector<int> nest;      // depth of each open '[' or '{' in a value
    std::vector<char> nestKind; // '[' or '{'
    bool atLineStart = true;    // a key or a header may start here
    bool inKey = false;         // reading a key (before '=')
    int keySegments = 0;
    int lastKeyDepth = 0; // depth of the key whose value is being read
    const auto deep = [&](int depth, const char* what) -> std::optional<std::string> {
        if (depth > max)
            return lineOf(line) + what + " nests " + std::to_string(depth) + " levels deep, more than the " +
                   std::to_string(max) + " allowed";
        return std::nullopt;
    };
    size_t i = 0;
    const size_t n = text.size();
    const auto skipString = [&](char quote) -> std::optional<std::string> {
        const bool multi = i + 2 < n && text[i + 1] == quote && text[i + 2] == quote;
        const size_t startLine = line;
        i += multi ? 3 : 1;
        while (i < n) {
            const char c = text[i];
            if (c == '\n') {
                if (!multi)
                    return lineOf(startLine) + "a string is not closed before the end of the line";
                ++line;
            }
            if (quote == '"' && c == '\\') {
                i += 2;
                continue;
            }
            if (c == quote) {
                if (!multi) {
                    ++i;
                    return std::nullopt;
                }
                if (i + 2 < n && text[i + 1] == quote && text[i + 2] == quote) {
                    i += 3;
                    while (i < n && text[i] == quote) // up to two quotes may close the content
                        ++i;
                    return std::nullopt;
                }
            }
            ++i;
        }
        return lineOf(startLine) + "a string is not closed before the end of the file";
    };
    while (i < n) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            ++i;
            if (nest.empty()) {
                atLineStart = true;
                inKey = false;
            }
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r') {
            ++i;
            continue;
        }
        if (c == '#') {
            while (i < n && text[i] != '\n')
                ++i;
            continue;
        }
        if (atLineStart && nest.empty() && c == '[') {
            // A table header: [a.b.c] or [[a.b.c]]; count its segments.
            atLineStart = false;
            i += (i + 1 < n && text[i + 1] == '[') ? 2 : 1;
            int segments = 1;
            while (i < n && text[i] != ']' && text[i] != '\n') {
                if (text[i] == '"' || text[i] == '\'') {
                    if (auto err = skipString(text[i]))
                        return err;
                    continue;
                }
                if (text[i] == '.' && ++segments > max)
                    return lineOf(line) + "a table header has more than " + std::to_string(max) +
                           " dotted segments";
                ++i;
            }
            headerDepth = segments;
            while (i < n && text[i] != '\n')
                ++i;
            continue;
        }
        if (atLineStart || (!nest.empty() && nestKind.back() == '{' && inKey)) {
            if (atLineStart) {
                atLineStart = false;
                inKey = true;
                keySegments = 1;
            }
        }
        if (inKey) {
            if (c == '"' || c == '\'') {
                if (auto err = skipString(c))
                    return err;
                continue;
            }
            if (c == '.') {
                ++keySegments;
                const int base = nest.empty() ? headerDepth : nest.back();
                if (auto err = deep(base + keySegments, "a dotted key"))
                    return err;
            } else if (c == '=') {
                inKey = false;
                lastKeyDepth = (nest.empty() ? headerDepth : nest.back()) + keySegments;
                if (auto err = deep(lastKeyDepth, "a key"))
                    return err;
            } else if (c == '}' && !nest.empty() && nestKind.back() == '{') {
                inKey = false; // an empty inline table
                continue;      // handled below on the next pass
            }
            ++i;
            continue;
        }
        // In a value.
        if (c == '"' || c == '\'') {
            if (auto err = skipString(c))
                return err;
            continue;
        }
        if (c == '[' || c == '{') {
            const int depth = (nest.empty() ? lastKeyDepth : std::max(nest.back(), lastKeyDepth)) + 1;
            if (auto err = deep(depth, c == '[' ? "an array" : "an inline table"))
                return err;
            nest.push_back(depth);
            nestKind.push_back(c);
            if (c == '{') {
                inKey = true;
                keySegments = 1;
            }
            ++i;
            continue;
        }
        if (c == ']' || c == '}') {
            if (!nest.empty()) {
                nest.pop_back();
                nestKind.pop_back();
            }
            ++i;
            continue;
        }
        if (c == ',' && !nest.empty() && nestKind.back() == '{') {
            inKey = true;
            keySegments = 1;
        }
        ++i;
    }
    return std::nullopt;
}

std::optional<std::string> jsonShapeProblem(std::string_view text, const InputLimits& limits) {
    if (text.size() > limits.maxBytes)
        return "the document " + tooBig(text.size(), limits.maxBytes);
    int depth = 0;
    size_t line = 1;
    bool inString = false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n')
            ++line;
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                inString = false;
            continue;
        }
        if (c == '"')
            inString = true;
        else if ((c == '[' || c == '{') && ++depth > limits.maxDepth)
            return lineOf(line) + "arrays and objects nest more than " + std::to_string(limits.maxDepth) +
                   " levels deep";
        else if ((c == ']' || c == '}') && depth > 0)
            --depth;
    }
    return std::nullopt;
}

namespace {

struct DuplicateKey {
    std::string key;
};

} // namespace

Result<nlohmann::json> parseJsonStrict(std::string_view text, const std::string& source,
                                       const InputLimits& limits) {
    if (auto problem = jsonShapeProblem(text, limits))
        return Result<nlohmann::json>::fail(*problem, source);
    // One set of keys per open object; a key seen twice in the same object is refused.
    std::vector<std::set<std::string>> open;
    const auto callback = [&open](int, nlohmann::json::parse_event_t event, nlohmann::json& parsed) {
        using E = nlohmann::json::parse_event_t;
        if (event == E::object_start) {
            open.emplace_back();
        } else if (event == E::object_end) {
            if (!open.empty())
                open.pop_back();
        } else if (event == E::key && !open.empty()) {
            const std::string key = parsed.get<std::string>();
            if (!open.back().insert(key).second)
                throw DuplicateKey{key};
        }
        return true;
    };
    try {
        return nlohmann::json::parse(text.begin(), text.end(), callback);
    } catch (const DuplicateKey& d) {
        return Result<nlohmann::json>::fail(
            "the key \"" + d.key + "\" is given twice in one object; give it once", source);
    } catch (const nlohmann::json::parse_error& e) {
        const std::string what = e.what();
        const size_t close = what.find(']');
        return Result<nlohmann::json>::fail(
            "is not valid JSON (" + (close == std::string::npos ? what : what.substr(close + 2)) + ")",
            source + ":byte " + std::to_string(e.byte));
    } catch (const nlohmann::json::exception& e) {
        return Result<nlohmann::json>::fail(std::string("is not a usable JSON document (") + e.what() + ")",
                                            source);
    }
}

} // namespace admix::formulas

// [SECTION] index: helpers | static files | Impl (routing, sessions, sign-in) | Server
#include "station/remote/server.hpp"

#include "core/asset_paths.hpp"
#include "formulas/text.hpp"
#include "station/remote/routes.hpp"
#include "station/remote/tls.hpp"
#include "station/store/data_dir.hpp"
#include "station/store/schema.hpp"
#include "station/store/settings_repo.hpp"
#include "station/workflow/auth.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <vector>

namespace admix::remote {

namespace detail {

// [SECTION] helpers

void reply(httplib::Response& res, int status, const json& body) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    res.set_content(body.dump(), "application/json; charset=utf-8");
}

void auditRow(Call& call, const std::string& actor, const std::string& action, const std::string& subject,
              const json& details) {
    store::Transaction tx(call.db);
    call.audit.append(actor, action, subject, details.dump(), call.now);
    tx.commit();
}

void replyError(httplib::Response& res, int status, const std::string& message) {
    reply(res, status, json{{"error", message}});
}

std::optional<json> jsonBody(Call& call) {
    const std::string type = call.req.get_header_value("Content-Type");
    if (type.rfind("application/json", 0) != 0) {
        replyError(call.res, 415, "the request body must be JSON (Content-Type: application/json)");
        return std::nullopt;
    }
    json body = json::parse(call.req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object()) {
        replyError(call.res, 400, "the request body is not a JSON object");
        return std::nullopt;
    }
    return body;
}

std::optional<std::string> stringField(Call& call, const json& body, const char* name, size_t maxLength,
                                       bool required, bool multiline) {
    const auto it = body.find(name);
    if (it == body.end() || it->is_null()) {
        if (required) {
            replyError(call.res, 400, std::string("missing field '") + name + "'");
            return std::nullopt;
        }
        return std::string();
    }
    if (!it->is_string()) {
        replyError(call.res, 400, std::string("field '") + name + "' must be text");
        return std::nullopt;
    }
    const std::string value = it->get<std::string>();
    if (value.size() > maxLength) {
        replyError(call.res, 400,
                   std::string("field '") + name + "' is longer than " + std::to_string(maxLength) +
                       " characters");
        return std::nullopt;
    }
    for (const char c : value) {
        const auto u = static_cast<unsigned char>(c);
        if ((u < 0x20 && !(multiline && (c == '\n' || c == '\r' || c == '\t'))) || u == 0x7F) {
            replyError(call.res, 400, std::string("field '") + name + "' contains a control character");
            return std::nullopt;
        }
    }
    if (required && value.find_first_not_of(" \t\r\n") == std::string::npos) {
        replyError(call.res, 400, std::string("field '") + name + "' is empty");
        return std::nullopt;
    }
    return value;
}

namespace {
bool allOf(std::string_view text, size_t maxLength, const char* extra) {
    if (text.empty() || text.size() > maxLength)
        return false;
    return std::all_of(text.begin(), text.end(), [extra](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) ||
               std::string_view(extra).find(c) != std::string_view::npos;
    });
}
} // namespace

bool validCode(std::string_view text) {
    return allOf(text, 32, "_.-");
}
bool validPrepNumber(std::string_view text) {
    return allOf(text, 40, "-");
}

std::optional<int> intParam(Call& call, const char* name, int low, int high, int fallback) {
    if (!call.req.has_param(name))
        return fallback;
    const std::string text = call.req.get_param_value(name);
    int value = 0;
    const bool digits = !text.empty() && text.size() <= 9 && std::all_of(text.begin(), text.end(), ::isdigit);
    if (digits)
        value = std::stoi(text);
    if (!digits || value < low || value > high) {
        replyError(call.res, 400,
                   std::string("parameter '") + name + "' must be a whole number from " +
                       std::to_string(low) + " to " + std::to_string(high));
        return std::nullopt;
    }
    return value;
}

std::optional<std::string> codeParam(Call& call, const char* name) {
    if (!call.req.has_param(name))
        return std::string();
    const std::string text = call.req.get_param_value(name);
    if (!validCode(text)) {
        replyError(call.res, 400,
                   std::string("parameter '") + name +
                       "' is not a room or PEC code (letters, digits, '-', '_', '.')");
        return std::nullopt;
    }
    return text;
}

void replyPage(httplib::Response& res, int status, const std::string& title, const std::string& message,
               const std::string& linkHref, const std::string& linkText) {
    res.status = status;
    res.set_header("Cache-Control", "no-store");
    std::string page =
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Admix "
        "\xE2\x80\x94 " +
        formulas::escapeHtml(title) +
        "</title>\n<link rel=\"stylesheet\" href=\"/app.css\">\n</head>\n<body>\n<header class=\"bar\"><h1>" +
        formulas::escapeHtml(title) +
        "</h1></header>\n<main>\n<p class=\"msg error\" id=\"refusal\" role=\"alert\">" +
        formulas::escapeHtml(message) + "</p>\n";
    if (!linkHref.empty())
        page += "<p><a id=\"home-link\" href=\"" + formulas::escapeHtml(linkHref) + "\">" +
                formulas::escapeHtml(linkText) + "</a></p>\n";
    page += "</main>\n</body>\n</html>\n";
    res.set_content(page, "text/html; charset=utf-8");
}

std::string csvQuote(std::string_view field) {
    // Quote always; neutralise spreadsheet formulas (a field starting with = + - @) with a leading '.
    std::string out = "\"";
    if (!field.empty() && std::string_view("=+-@").find(field.front()) != std::string_view::npos)
        out += '\'';
    for (const char c : field)
        out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

} // namespace detail

using detail::Access;
using detail::Call;
using detail::json;
using detail::replyError;

namespace {

// [SECTION] static files

struct StaticFile {
    std::string body;
    std::string type;
    std::vector<workflow::Role> roles; // empty: any signed-in user (or public without needsSession)
    bool needsSession = true;
};

std::string readWhole(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string mimeOf(const std::string& name) {
    const auto ext = std::filesystem::path(name).extension().string();
    if (ext == ".html")
        return "text/html; charset=utf-8";
    if (ext == ".css")
        return "text/css; charset=utf-8";
    if (ext == ".js")
        return "text/javascript; charset=utf-8";
    if (ext == ".svg")
        return "image/svg+xml";
    return {};
}

// Every file is read once at start, by name from a fixed list: a request path never reaches the file
// system.
std::map<std::string, StaticFile> loadStaticFiles(const std::filesystem::path& webDir) {
    std::map<std::string, StaticFile> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(webDir, ec)) {
        if (!entry.is_regular_file())
            continue;
        const std::string name = entry.path().filename().string();
        const std::string type = mimeOf(name);
        if (type.empty() || !detail::validCode(name))
            continue;
        StaticFile f{readWhole(entry.path()), type, {}, true};
        if (name == "login.html" || name == "login.js" || name == "app.css" || name == "logo.svg")
            f.needsSession = false;
        else if (name == "queue.html" || name == "prep.html" || name == "unmatched.html" ||
                 name == "orders.html")
            f.roles = {workflow::Role::Pharmacist};
        else if (name == "quality.html" || name == "print.html")
            f.roles = {workflow::Role::Quality};
        else if (name == "formulary.html") // technicians view it; only pharmacists change it (the API's rule)
            f.roles = {workflow::Role::Pharmacist, workflow::Role::Technician};
        files["/" + name] = std::move(f);
    }
    // uPlot, where npm put it (assets/web/node_modules), under fixed names.
    const auto uplot = webDir / "node_modules" / "uplot" / "dist";
    for (const auto& [from, to] :
         {std::pair{"uPlot.iife.min.js", "/vendor/uplot.js"}, {"uPlot.min.css", "/vendor/uplot.css"}}) {
        if (std::filesystem::is_regular_file(uplot / from, ec))
            files[to] = StaticFile{readWhole(uplot / from), mimeOf(from), {}, true};
    }
    return files;
}

bool isLoopback(const std::string& address) {
    in_addr v4{};
    if (inet_pton(AF_INET, address.c_str(), &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    in6_addr v6{};
    if (inet_pton(AF_INET6, address.c_str(), &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

bool isIpAddress(const std::string& address) {
    in_addr v4{};
    in6_addr v6{};
    return inet_pton(AF_INET, address.c_str(), &v4) == 1 || inet_pton(AF_INET6, address.c_str(), &v6) == 1;
}

std::string trimmed(std::string_view text) {
    const size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string_view::npos)
        return {};
    const size_t end = text.find_last_not_of(" \t");
    return std::string(text.substr(begin, end - begin + 1));
}

std::string cookieValue(const httplib::Request& req, const std::string& name) {
    const std::string header = req.get_header_value("Cookie");
    size_t pos = 0;
    while (pos < header.size()) {
        size_t end = header.find(';', pos);
        if (end == std::string::npos)
            end = header.size();
        std::string part = header.substr(pos, end - pos);
        const size_t start = part.find_first_not_of(' ');
        part = start == std::string::npos ? std::string() : part.substr(start);
        if (part.size() > name.size() && part.compare(0, name.size(), name) == 0 && part[name.size()] == '=')
            return part.substr(name.size() + 1);
        pos = end + 1;
    }
    return {};
}

std::string homeOf(workflow::Role role) {
    switch (role) {
    case workflow::Role::Pharmacist:
        return "/queue.html";
    case workflow::Role::Quality:
        return "/quality.html";
    case workflow::Role::Technician:
        return "/formulary.html";
    case workflow::Role::Admin:
        break;
    }
    return "/login.html?norole=1";
}

} // namespace

std::optional<std::string> clientAddress(bool behindProxy, const std::string& peer, const std::string& realIp,
                                         const std::string& forwardedFor) {
    if (!behindProxy || !isLoopback(peer))
        return peer;
    // nginx sets both (admix nginx-config); the last hop of X-Forwarded-For is the one the proxy added.
    std::string named = trimmed(realIp);
    if (named.empty()) {
        const size_t comma = forwardedFor.rfind(',');
        named = trimmed(comma == std::string::npos ? std::string_view(forwardedFor)
                                                   : std::string_view(forwardedFor).substr(comma + 1));
    }
    if (named.empty())
        return peer; // a request made on this machine straight to the loopback port
    if (!isIpAddress(named))
        return std::nullopt;
    return named;
}

// [SECTION] Impl

struct Server::Impl {
    ServerConfig config;
    std::unique_ptr<httplib::Server> http;
    std::thread thread;
    std::atomic<bool> running{false};
    int boundPort = 0;
    std::filesystem::path certPath;
    std::map<std::string, StaticFile> files;
    SessionTable sessions;
    std::unique_ptr<LoginThrottle> throttle;
    std::string cookieName;

    explicit Impl(ServerConfig c) : config(std::move(c)) {}

    store::Database open() {
        return store::openStationDatabase(store::databasePath(config.dataDir).string());
    }

    std::chrono::minutes idleTimeout(store::Database& db) {
        // Site policy data; a missing or unusable value falls back to 15 minutes.
        constexpr std::chrono::minutes kDefault{15};
        const auto text = store::SettingsRepo(db).get("remote.session_idle_minutes");
        if (!text || text->empty() || text->size() > 4 || !std::all_of(text->begin(), text->end(), ::isdigit))
            return kDefault;
        const int minutes = std::stoi(*text);
        return minutes >= 1 && minutes <= 480 ? std::chrono::minutes(minutes) : kDefault;
    }

    std::string sessionCookie(const std::string& token, bool clear) const {
        std::string c =
            cookieName + "=" + (clear ? std::string() : token) + "; Path=/; HttpOnly; SameSite=Strict";
        if (!config.plainHttp) // behind the proxy too: the browser talks HTTPS to nginx
            c += "; Secure";
        if (clear)
            c += "; Max-Age=0";
        return c;
    }

    void securityHeaders(httplib::Response& res) const {
        res.set_header("Content-Security-Policy",
                       "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'; "
                       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'");
        res.set_header("X-Content-Type-Options", "nosniff");
        res.set_header("X-Frame-Options", "DENY");
        res.set_header("Referrer-Policy", "no-referrer");
        if (!config.plainHttp)
            res.set_header("Strict-Transport-Security", "max-age=31536000");
    }

    // Runs `fn` with a fresh connection; storage failures become a 500 with no detail for the client.
    template <typename Fn> void withCall(const httplib::Request& req, httplib::Response& res, Fn&& fn) {
        const size_t forwarded = req.get_header_value_count("X-Forwarded-For");
        const auto address = clientAddress(
            config.behindProxy, req.remote_addr, req.get_header_value("X-Real-IP"),
            forwarded == 0 ? std::string() : req.get_header_value("X-Forwarded-For", forwarded - 1));
        if (!address) {
            replyError(res, 400, "the proxy's X-Real-IP or X-Forwarded-For header is not an IP address");
            return;
        }
        try {
            Call call(req, res, open());
            call.address = *address;
            call.dataDir = config.dataDir;
            call.stationName = config.stationName;
            call.now = nowUtc();
            fn(call);
        } catch (const std::exception& e) {
            std::cerr << "admix serve: " << req.method << ' ' << req.path << ": " << e.what() << '\n';
            replyError(res, 500, "the station could not answer; the error is in the server log");
        }
    }

    bool allowed(Access access, workflow::Role role) const {
        switch (access) {
        case Access::Pharmacist:
            return role == workflow::Role::Pharmacist;
        case Access::Quality:
            return role == workflow::Role::Quality;
        case Access::Staff:
            return role == workflow::Role::Pharmacist || role == workflow::Role::Technician;
        }
        return false;
    }

    void route(const httplib::Request& req, httplib::Response& res, Access access, bool stateChange,
               const detail::RouteFn& fn) {
        withCall(req, res, [&](Call& call) {
            call.session = authenticate(call);
            if (!call.session) {
                replyError(res, 401, "sign in first (no session, or it timed out)");
                return;
            }
            if (!allowed(access, call.session->user.role)) {
                auditRow(call, call.user(), "remote.refused", req.path,
                         json{{"reason", "role"},
                              {"role", workflow::roleName(call.session->user.role)},
                              {"method", req.method},
                              {"address", call.address}});
                replyError(res, 403,
                           "your role (" + std::string(workflow::roleName(call.session->user.role)) +
                               ") may not do this");
                return;
            }
            if (stateChange && !tokensEqual(req.get_header_value("X-CSRF-Token"), call.session->csrf)) {
                replyError(res, 403, "missing or wrong CSRF token: reload the page");
                return;
            }
            fn(call);
        });
    }

    std::optional<WebSession> authenticate(Call& call) {
        const std::string token = cookieValue(call.req, cookieName);
        if (token.size() != 64)
            return std::nullopt;
        // Polling requests (X-Admix-Poll: 1) do not count as activity.
        const bool activity = call.req.get_header_value("X-Admix-Poll") != "1";
        auto s = sessions.touch(token, call.now, idleTimeout(call.db), activity);
        if (!s)
            return std::nullopt;
        // A disabled account (or one whose role changed) loses its web session at once.
        workflow::Authenticator auth(call.db, call.audit);
        auth.setClientAddress(call.address);
        const auto current = auth.findByUsername(s->user.username);
        if (!current || !current->active || current->role != s->user.role) {
            sessions.end(token);
            return std::nullopt;
        }
        return s;
    }

    void registerRoutes() {
        auto& srv = *http;
        srv.set_default_headers({});
        srv.set_payload_max_length(kMaxRequestBodyBytes);
        srv.set_read_timeout(10);
        srv.set_write_timeout(30);
        srv.set_keep_alive_max_count(100);
        const int threads = std::clamp(config.threads, 2, 64);
        srv.new_task_queue = [threads] {
            return new httplib::ThreadPool(static_cast<size_t>(threads));
        };
        srv.set_post_routing_handler(
            [this](const httplib::Request&, httplib::Response& res) { securityHeaders(res); });
        srv.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
            if (!res.body.empty())
                return;
            // APIs answer in JSON; a page asked for by a browser gets a page.
            if (req.path.rfind("/api/", 0) == 0)
                replyError(res, res.status,
                           res.status == 404 ? "no such page or resource" : "request refused");
            else
                detail::replyPage(res, res.status, res.status == 404 ? "No such page" : "Request refused",
                                  res.status == 404 ? "There is no page at this address."
                                                    : "The station refused this request.",
                                  "/", "Go to your start page");
        });
        srv.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
            replyError(res, 500, "the station could not answer; the error is in the server log");
        });

        // Pages and scripts: a fixed table.
        srv.Get(R"(/|/[A-Za-z0-9_.-]{1,40}|/vendor/[a-z]{1,10}\.(js|css))",
                [this](const httplib::Request& req, httplib::Response& res) {
                    if (req.path == "/") {
                        withCall(req, res, [&](Call& call) {
                            const auto s = authenticate(call);
                            res.set_redirect(s ? homeOf(s->user.role) : "/login.html", 303);
                        });
                        return;
                    }
                    const auto it = files.find(req.path);
                    if (it == files.end()) {
                        detail::replyPage(res, 404, "No such page", "There is no page at this address.", "/",
                                          "Go to your start page");
                        return;
                    }
                    const StaticFile& f = it->second;
                    if (f.needsSession) {
                        bool ok = false;
                        withCall(req, res, [&](Call& call) {
                            const auto s = authenticate(call);
                            if (!s) {
                                res.set_redirect("/login.html", 303);
                                return;
                            }
                            if (!f.roles.empty() &&
                                std::find(f.roles.begin(), f.roles.end(), s->user.role) == f.roles.end()) {
                                std::string needed;
                                for (size_t i = 0; i < f.roles.size(); ++i)
                                    needed +=
                                        (i == 0 ? "" : " or ") + std::string(workflow::roleName(f.roles[i]));
                                const std::string home = homeOf(s->user.role);
                                detail::replyPage(res, 403, "Not for your role",
                                                  "This page is for the " + needed +
                                                      " role. You are signed in as " + s->user.username +
                                                      " (" + std::string(workflow::roleName(s->user.role)) +
                                                      ").",
                                                  home.rfind("/login.html", 0) == 0 ? std::string() : home,
                                                  "Go to your start page");
                                return;
                            }
                            ok = true;
                        });
                        if (!ok)
                            return;
                    }
                    res.set_header("Cache-Control", "no-store");
                    res.set_content(f.body, f.type.c_str());
                });

        // Sign-in, sign-out, the session.
        srv.Post("/api/v1/login", [this](const httplib::Request& req, httplib::Response& res) {
            withCall(req, res, [&](Call& call) { login(call); });
        });
        srv.Post("/api/v1/logout", [this](const httplib::Request& req, httplib::Response& res) {
            withCall(req, res, [&](Call& call) {
                call.session = authenticate(call);
                if (!call.session) {
                    replyError(res, 401, "not signed in");
                    return;
                }
                if (!tokensEqual(req.get_header_value("X-CSRF-Token"), call.session->csrf)) {
                    replyError(res, 403, "missing or wrong CSRF token: reload the page");
                    return;
                }
                sessions.end(call.session->token);
                auditRow(call, call.user(), "remote.logout", call.user(), json{{"address", call.address}});
                res.set_header("Set-Cookie", sessionCookie("", true));
                detail::reply(res, 200, json{{"signed_out", true}});
            });
        });
        srv.Get("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) {
            withCall(req, res, [&](Call& call) {
                const auto s = authenticate(call);
                if (!s) {
                    replyError(res, 401, "not signed in");
                    return;
                }
                detail::reply(res, 200, sessionJson(*s, idleTimeout(call.db)));
            });
        });

        detail::RouteSink sink;
        sink.get = [this](const std::string& pattern, Access access, detail::RouteFn fn) {
            http->Get(pattern, [this, access, fn](const httplib::Request& req, httplib::Response& res) {
                route(req, res, access, false, fn);
            });
        };
        sink.post = [this](const std::string& pattern, Access access, detail::RouteFn fn) {
            http->Post(pattern, [this, access, fn](const httplib::Request& req, httplib::Response& res) {
                route(req, res, access, true, fn);
            });
        };
        detail::registerCheckRoutes(sink);
        detail::registerQualityRoutes(sink);
        detail::registerHl7Routes(sink);
        detail::registerOrderRoutes(sink);
        detail::registerFormularyRoutes(sink);
    }

    static json sessionJson(const WebSession& s, std::chrono::minutes idle) {
        return json{{"user", s.user.username},
                    {"display_name", s.user.displayName},
                    {"role", workflow::roleName(s.user.role)},
                    {"csrf", s.csrf},
                    {"home", homeOf(s.user.role)},
                    {"idle_minutes", idle.count()}};
    }

    void login(Call& call) {
        auto body = detail::jsonBody(call);
        if (!body)
            return;
        const auto username = detail::stringField(call, *body, "username", 64, true);
        if (!username)
            return;
        const auto password = detail::stringField(call, *body, "password", 256, true);
        if (!password)
            return;
        // Bursts refused earlier, now over: one row each, not one per refused request.
        for (const auto& burst : throttle->takeSummaries(call.now))
            auditRow(call, "system", "remote.login_throttled_summary", burst.address,
                     json{{"address", burst.address},
                          {"refused", burst.refused},
                          {"from", formatIsoUtc(burst.from)},
                          {"to", formatIsoUtc(burst.to)}});
        const auto verdict = throttle->begin(call.address, *username, call.now);
        if (verdict != LoginThrottle::Verdict::Allowed) {
            if (verdict == LoginThrottle::Verdict::RefusedFirst)
                auditRow(call, *username, "remote.login_throttled", *username,
                         json{{"address", call.address}});
            call.res.set_header("Retry-After", std::to_string(config.loginWindowSeconds));
            replyError(call.res, 429, "too many failed sign-ins from this address; wait and try again");
            return;
        }
        workflow::Authenticator auth(call.db, call.audit);
        auth.setClientAddress(call.address);
        auto user = auth.signInWithPassword(*username, *password, call.now);
        if (!user) {
            auditRow(call, *username, "remote.login_failed", *username,
                     json{{"address", call.address}, {"reason", user.error().text()}});
            replyError(call.res, 401, user.error().text());
            return;
        }
        throttle->succeeded(call.address, *username);
        const WebSession s = sessions.create(*user, call.address, call.now);
        auditRow(call, user->username, "remote.login", user->username,
                 json{{"address", call.address}, {"role", workflow::roleName(user->role)}});
        call.res.set_header("Set-Cookie", sessionCookie(s.token, false));
        detail::reply(call.res, 200, sessionJson(s, idleTimeout(call.db)));
    }
};

// [SECTION] Server

Server::Server(ServerConfig config) : m_impl(std::make_unique<Impl>(std::move(config))) {}

Server::~Server() {
    stop();
}

Status Server::start() {
    Impl& d = *m_impl;
    if (d.running)
        return Status::fail("the remote server is already running on " + url());
    if (!isIpAddress(d.config.listenAddress))
        return Status::fail("listen address '" + d.config.listenAddress +
                            "' is not an IP address (e.g. 127.0.0.1 or 0.0.0.0)");
    if (d.config.port < 0 || d.config.port > 65535)
        return Status::fail("port " + std::to_string(d.config.port) + " is out of range");
    if (d.config.plainHttp && !isLoopback(d.config.listenAddress))
        return Status::fail("plain HTTP is only allowed on a loopback address (tests); use HTTPS on " +
                            d.config.listenAddress);
    if (d.config.plainHttp && d.config.behindProxy)
        return Status::fail("choose one of plain HTTP for loopback tests and behind a proxy ([server] "
                            "behind_proxy, --behind-proxy), not both");
    if (d.config.behindProxy && !isLoopback(d.config.listenAddress))
        return Status::fail("behind a proxy ([server] behind_proxy = true, or --behind-proxy) admix serve "
                            "listens on a loopback address only, not " +
                            d.config.listenAddress +
                            ": set [server] listen_address (or --listen) to 127.0.0.1 and let nginx serve "
                            "the network (admix nginx-config)");
    if (d.config.dataDir.empty())
        return Status::fail("no data directory given");
    if (d.config.tlsCert.empty() != d.config.tlsKey.empty())
        return Status::fail(
            "give both --tls-cert and --tls-key, or neither (a self-signed certificate is then made)");
    try {
        store::prepareDataDir(d.config.dataDir);
        // Opening migrates the database once here, before requests open their own connections.
        store::Database db = d.open();
    } catch (const std::exception& e) {
        return Status::fail(std::string("cannot open the station database: ") + e.what());
    }
    const std::filesystem::path webDir = d.config.webDir.empty() ? core::assetPath("web") : d.config.webDir;
    d.files = loadStaticFiles(webDir);
    if (!d.files.count("/login.html"))
        return Status::fail("no web pages in " + webDir.string() + " (login.html missing)");
    d.throttle =
        std::make_unique<LoginThrottle>(std::max(1, d.config.loginFailuresPerAddress),
                                        std::chrono::seconds(std::max(1, d.config.loginWindowSeconds)));
    if (d.config.plainHttp) {
        d.http = std::make_unique<httplib::Server>();
        d.cookieName = "admix_session";
        d.certPath.clear();
    } else if (d.config.behindProxy) {
        // nginx terminates TLS with the site's certificate, or with the self-signed pair made here
        // (nginx's master process reads it as root).
        d.certPath = d.config.tlsCert;
        if (d.certPath.empty()) {
            auto made = ensureSelfSignedCertificate(d.config.dataDir / "remote" / "tls");
            if (!made)
                return made.error();
            d.certPath = made->cert;
        }
        d.http = std::make_unique<httplib::Server>();
        d.cookieName = "__Host-admix_session";
    } else {
        std::filesystem::path cert = d.config.tlsCert, key = d.config.tlsKey;
        if (cert.empty()) {
            auto made = ensureSelfSignedCertificate(d.config.dataDir / "remote" / "tls");
            if (!made)
                return made.error();
            cert = made->cert;
            key = made->key;
        }
        auto ssl = std::make_unique<httplib::SSLServer>(cert.c_str(), key.c_str());
        if (!ssl->is_valid())
            return Status::fail("cannot load the TLS certificate " + cert.string() + " with key " +
                                key.string());
        if (Status tls = restrictServerTls(ssl->ssl_context()); !tls)
            return tls;
        d.http = std::move(ssl);
        d.cookieName = "__Host-admix_session";
        d.certPath = cert;
    }
    d.registerRoutes();
    if (d.config.port == 0) {
        d.boundPort = d.http->bind_to_any_port(d.config.listenAddress);
        if (d.boundPort <= 0)
            return Status::fail("cannot listen on " + d.config.listenAddress);
    } else {
        if (!d.http->bind_to_port(d.config.listenAddress, d.config.port))
            return Status::fail("cannot listen on " + d.config.listenAddress + ":" +
                                std::to_string(d.config.port) + " (in use, or not allowed)");
        d.boundPort = d.config.port;
    }
    d.running = true;
    d.thread = std::thread([&d] {
        d.http->listen_after_bind();
        d.running = false;
    });
    // Wait (bounded) until the accept loop runs, so that stop() right after start() reaches it.
    for (int i = 0; i < 500 && !d.http->is_running() && d.running; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    if (!d.http->is_running()) {
        stop();
        return Status::fail("the remote server did not start listening on " + url());
    }
    return Status::success();
}

void Server::stop() {
    Impl& d = *m_impl;
    // httplib's stop() only acts once the accept loop runs: retry (bounded) until the thread ends.
    for (int i = 0; d.http && d.thread.joinable() && d.running && i < 500; ++i) {
        d.http->stop();
        std::this_thread::sleep_for(std::chrono::milliseconds(i == 0 ? 0 : 10));
    }
    if (d.http)
        d.http->stop();
    if (d.thread.joinable())
        d.thread.join();
    d.running = false;
}

bool Server::running() const {
    return m_impl->running;
}
int Server::port() const {
    return m_impl->boundPort;
}

std::string Server::url() const {
    const auto& c = m_impl->config;
    const bool v6 = c.listenAddress.find(':') != std::string::npos;
    return std::string(c.plainHttp || c.behindProxy ? "http" : "https") + "://" +
           (v6 ? "[" + c.listenAddress + "]" : c.listenAddress) + ":" + std::to_string(m_impl->boundPort);
}

std::filesystem::path Server::certificatePath() const {
    return m_impl->certPath;
}

} // namespace admix::remote

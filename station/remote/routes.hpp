// Internal to station/remote: what a route handler gets (the request, its session, its own
// connection to the station database) and the helpers every handler shares (JSON replies, input
// validation). Not installed; not for other layers.
#pragma once

#include "formulas/time.hpp"
#include "station/remote/sessions.hpp"
#include "station/store/audit_log.hpp"
#include "station/store/database.hpp"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace admix::remote::detail {

using nlohmann::json;

// One request: the session (absent only on public routes), the client address, and a connection to
// the station database opened for this request alone.
struct Call {
    const httplib::Request& req;
    httplib::Response& res;
    std::optional<WebSession> session;
    std::string address;
    store::Database db;
    store::AuditLog audit;
    std::filesystem::path dataDir;
    std::string stationName;
    TimePoint now;

    Call(const httplib::Request& request, httplib::Response& response, store::Database database)
        : req(request), res(response), db(std::move(database)), audit(db) {}
    Call(const Call&) = delete;
    Call& operator=(const Call&) = delete;

    [[nodiscard]] const std::string& user() const { return session->user.username; }
};

void reply(httplib::Response& res, int status, const json& body);
// Appends one audit row of the server's own (views, exports, refusals, sign-ins) in a BEGIN IMMEDIATE
// transaction, so that concurrent requests wait for each other instead of failing as busy.
void auditRow(Call& call, const std::string& actor, const std::string& action, const std::string& subject,
              const json& details);
void replyError(httplib::Response& res, int status, const std::string& message);

// Parses the request body as a JSON object; on failure replies 400 and returns nullopt.
std::optional<json> jsonBody(Call& call);
// A string field of a JSON body: present, a string, at most `maxLength` bytes, no control characters
// (line breaks allowed only when `multiline`). Empty after trimming counts as missing when `required`.
// On failure replies 400 naming the field and returns nullopt.
std::optional<std::string> stringField(Call& call, const json& body, const char* name, size_t maxLength,
                                       bool required, bool multiline = false);

// Query parameter checks: nullopt (and a 400 naming the parameter) when present but malformed.
bool validCode(std::string_view text);       // room / PEC code: [A-Za-z0-9_.-]{1,32}
bool validPrepNumber(std::string_view text); // [A-Za-z0-9-]{1,40}
std::optional<int> intParam(Call& call, const char* name, int low, int high, int fallback);
std::optional<std::string> codeParam(Call& call, const char* name);

std::string csvQuote(std::string_view field);
// A whole HTML page (for a browser asking for a page, never for the JSON API): a title, one message
// (escaped here) and an optional link.
void replyPage(httplib::Response& res, int status, const std::string& title, const std::string& message,
               const std::string& linkHref = {}, const std::string& linkText = {});

// Route tables of each area, registered by the server.
using RouteFn = std::function<void(Call&)>;
// Staff: pharmacists and technicians (views only; a change needs the pharmacist's own check).
enum class Access { Pharmacist, Quality, Staff };
struct RouteSink {
    std::function<void(const std::string& pattern, Access access, RouteFn fn)> get;
    std::function<void(const std::string& pattern, Access access, RouteFn fn)> post;
};
void registerCheckRoutes(const RouteSink& sink);
void registerQualityRoutes(const RouteSink& sink);
void registerHl7Routes(const RouteSink& sink);       // orders not matched (station/hl7)
void registerOrderRoutes(const RouteSink& sink);     // orders entered by a pharmacist
void registerFormularyRoutes(const RouteSink& sink); // the formulary: view, drafts, approval

} // namespace admix::remote::detail

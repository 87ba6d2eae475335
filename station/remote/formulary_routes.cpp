#include "station/remote/routes.hpp"
namespace admix::remote::detail {
void registerFormularyRoutes(const RouteSink&) {}
} // namespace admix::remote::detail

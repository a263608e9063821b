# The edge service under workerd, with no account and no network: `npm run build && npm run start:workerd`.
# Module lists come from dist/workerd-modules.capnp (scripts/workerd-modules.mjs), which resolves
# @tstar/core through its `workerd` export condition. Tests move the sockets with --socket-addr; "smoke"
# and "deadline" (the service with a 1 s body deadline) exist for the runtime tests.
using Workerd = import "/workerd/workerd.capnp";
using Modules = import "dist/workerd-modules.capnp";

const config :Workerd.Config = (
  services = [
    (name = "tstar", worker = (modules = Modules.service, compatibilityDate = "2025-09-01")),
    (name = "smoke", worker = (modules = Modules.smoke, compatibilityDate = "2025-09-01")),
    (name = "deadline", worker = (modules = Modules.deadline, compatibilityDate = "2025-09-01")),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:8787", http = (), service = "tstar"),
    (name = "smoke", address = "127.0.0.1:8788", http = (), service = "smoke"),
    (name = "deadline", address = "127.0.0.1:8789", http = (), service = "deadline"),
  ],
);

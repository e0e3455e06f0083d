import type { KitCallContext } from "@biometricflow/grpc-kit";
import type { SupervisorServiceImplementation } from "@biometricflow/proto";
import type { Supervisor } from "../supervisor.js";

/** SupervisorService: read-only, answered from the actors' current snapshots. */
export function supervisorService(
  supervisor: Pick<Supervisor, "status">,
): SupervisorServiceImplementation<KitCallContext> {
  return {
    async getSupervisorStatus() {
      return supervisor.status();
    },
  };
}

import {
  DeviceState,
  type CompleteCommandRequest,
  type DeviceAssignment,
  type DeviceCommand,
} from "@biometricflow/proto";
import { Inbox, type TestPlace } from "./helpers.js";

export interface FakeSupervisor {
  assignments: Inbox<DeviceAssignment>;
  commands: Inbox<DeviceCommand>;
  /** Cancel the Attach stream; resolves when it has ended. */
  stop(): Promise<void>;
}

/**
 * A device supervisor that attaches to the place and answers commands with `answer`
 * (undefined: leave the command unanswered). With `live`, it reports those of its assigned devices
 * LIVE, as a real supervisor does once a device is connected and caught up.
 */
export function fakeSupervisor(
  link: TestPlace["link"],
  supervisorId: string,
  answer: (c: DeviceCommand) => Partial<CompleteCommandRequest> | undefined = () => ({ ok: true }),
  live: (deviceId: string) => boolean = () => false,
): FakeSupervisor {
  const controller = new AbortController();
  const assignments = new Inbox<DeviceAssignment>();
  const commands = new Inbox<DeviceCommand>();
  const running = (async () => {
    for await (const m of link.attach({ supervisorId }, { signal: controller.signal })) {
      if (m.assignment) {
        for (const d of m.assignment.devices) {
          const deviceId = d.device!.id;
          if (live(deviceId))
            await link.reportDeviceStatus({ status: { deviceId, state: DeviceState.DEVICE_STATE_LIVE } });
        }
        assignments.push(m.assignment);
      }
      if (m.command) {
        commands.push(m.command);
        const result = answer(m.command);
        if (result) await link.completeCommand({ commandId: m.command.commandId, ...result });
      }
    }
  })().catch(() => undefined);
  return {
    assignments,
    commands,
    async stop() {
      controller.abort();
      await running;
    },
  };
}

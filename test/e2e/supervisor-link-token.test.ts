import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "../support/paths.js";
import { eventually } from "../support/poll.js";
import { expectExactlyOnce, startSite, stopSites, waitAllLive, type Site } from "../support/site.js";
import { supervisorProcess } from "../support/supervisor.js";

// A place with supervisorLink.token answers SupervisorLinkService (which hands out devices' comm
// keys) only to supervisors that send it: a wrong token gets nothing and is told what to fix; the
// right one runs the devices as usual.
jest.setTimeout(120_000);

const token = randomBytes(24).toString("hex");
const work = workDir("link-token");
let site: Site | undefined;
const supervisors: ServiceProcess[] = [];

beforeAll(async () => {
  site = await startSite({
    id: "link-token",
    dir: work.dir,
    devices: 2,
    records: 300,
    seed: 7,
    placeEnv: { PLACE_SUPERVISOR_LINK__TOKEN: token },
  });
});
afterAll(async () => {
  await Promise.all(supervisors.map((s) => s.stop()));
  if (site) await stopSites([site]);
  work.remove();
});

function supervisor(id: string, placeToken: string): ServiceProcess {
  const s = supervisorProcess({
    id,
    dir: work.dir,
    places: [site!.place.address],
    env: { SUPERVISOR_PLACE_TOKEN: placeToken },
  });
  supervisors.push(s);
  return s;
}

test("a supervisor with the wrong token is refused, and its log says which setting to fix", async () => {
  const wrong = supervisor("wrong-token", `${token}x`);
  const started = wrong.start().catch((err: Error) => err); // never READY: it cannot attach
  const log = path.join(work.dir, "supervisor-wrong-token.log");
  await eventually("the refusal in the supervisor's log", () => {
    const text = readFileSync(log, "utf8");
    return (
      /a wrong token for \/biometricflow\.v1\.SupervisorLinkService\/Attach/.test(text) &&
      /placeToken \(SUPERVISOR_PLACE_TOKEN\) must be this place's supervisorLink\.token/.test(text)
    );
  });
  // Nothing was handed to it, so nothing was pulled: the journal is still empty.
  expect((await site!.place.client.getPlace({})).headOffset).toBe(0);
  await wrong.stop();
  await started;
});

test("with the right token the devices are run and every punch arrives once", async () => {
  await supervisor("right-token", token).start();
  await waitAllLive(site!);
  await expectExactlyOnce(site!);
});

import type { ServiceProcess } from "@biometricflow/stack";
import { workDir } from "./paths.js";
import { startSite, stopSites, waitAllLive, type Site, type SiteOptions } from "./site.js";
import { supervisorProcess } from "./supervisor.js";

export interface SupervisedSite {
  site: Site;
  supervisor: ServiceProcess;
  stop(): Promise<void>;
}

/** One site (simulators + place) run by one supervisor, every device LIVE: the usual e2e start. */
export async function startSupervisedSite(o: Omit<SiteOptions, "dir">): Promise<SupervisedSite> {
  const work = workDir(o.id);
  let site: Site | undefined;
  let supervisor: ServiceProcess | undefined;
  const stop = async (): Promise<void> => {
    await supervisor?.stop();
    if (site) await stopSites([site]);
    work.remove();
  };
  try {
    site = await startSite({ ...o, dir: work.dir });
    supervisor = supervisorProcess({ dir: work.dir, places: [site.place.address] });
    await supervisor.start();
    await waitAllLive(site);
    return { site, supervisor, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

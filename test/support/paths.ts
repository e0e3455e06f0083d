import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

/** The repository root: the nearest folder above this file whose package.json is the monorepo's. */
function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const manifest = path.join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { workspaces?: unknown }).workspaces
    )
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`no monorepo package.json above ${from}`);
  }
}

export const repoRoot = findRoot(__dirname);

/** A fresh folder for one test file's journals, configs and logs; kept when E2E_KEEP=1. */
export function workDir(name: string): { dir: string; remove(): void } {
  const dir = mkdtempSync(path.join(tmpdir(), `bf-e2e-${name}-`));
  return {
    dir,
    remove: () => {
      if (process.env.E2E_KEEP !== "1") rmSync(dir, { recursive: true, force: true });
    },
  };
}

import { stat, statSync } from "node:fs";
import { resolve } from "node:path";

export interface WatchConfigOptions {
  file: string;
  /** Changes within this window (editors write, rename, touch) make one reload. */
  debounceMs: number;
  /** How often the file is looked at. */
  intervalMs: number;
  onChange(): void;
}

/** What tells one version of the file from another (following links); "" when it is missing. */
function versionOf(s: { ino: number; size: number; mtimeMs: number } | undefined): string {
  return s ? `${s.ino}:${s.size}:${s.mtimeMs}` : "";
}

/**
 * Call onChange once an edit of `file` has settled. The file's status is polled, not watched with
 * inotify: editors and config-map mounts replace the file (rename over it, or swap the `..data`
 * link it goes through), which ends a watch on the file itself, and a watch on its folder woke
 * the place for every write to its journal when the journal is in the same folder (hundreds a
 * second under load). The version at the call is the one changes are seen against. Returns a
 * function that stops watching.
 */
export function watchConfig(o: WatchConfigOptions): () => void {
  const path = resolve(o.file);
  let seen = versionOf(statSync(path, { throwIfNoEntry: false }));
  let debounce: NodeJS.Timeout | undefined;
  const poll = setInterval(
    () =>
      stat(path, (err, s) => {
        const now = versionOf(err ? undefined : s);
        if (now === seen) return;
        seen = now;
        clearTimeout(debounce);
        debounce = setTimeout(o.onChange, o.debounceMs);
      }),
    o.intervalMs,
  );
  poll.unref();
  return () => {
    clearInterval(poll);
    clearTimeout(debounce);
  };
}

import { watch, type FSWatcher } from "node:fs";
import { basename, dirname, resolve } from "node:path";

export interface WatchConfigOptions {
  file: string;
  /** Changes within this window (editors write, rename, touch) make one reload. */
  debounceMs: number;
  onChange(): void;
  onError(err: Error): void;
}

/**
 * Call onChange once an edit of `file` has settled. The folder is watched, not the file: editors
 * and config-map mounts replace the file (rename over it), which ends a watch on the file itself.
 * Returns a function that stops watching.
 */
export function watchConfig(o: WatchConfigOptions): () => void {
  const path = resolve(o.file);
  const name = basename(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, changed) => {
      // "..data": Kubernetes swaps a mounted config map's files through this link.
      const what = changed?.toString();
      if (what !== undefined && what !== name && !what.startsWith("..")) return;
      clearTimeout(timer);
      timer = setTimeout(o.onChange, o.debounceMs);
    });
    watcher.on("error", o.onError);
  } catch (err) {
    o.onError(err as Error);
  }
  return () => {
    clearTimeout(timer);
    watcher?.close();
  };
}

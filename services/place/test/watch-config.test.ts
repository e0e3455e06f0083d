// The config file watch, on real files: an edit in place, a file renamed over it (editors) and a
// config-map style swap of the link it goes through each make one call once they settle.
import { mkdirSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { watchConfig } from "../src/config-reload/watch-config.js";
import { tempDir } from "./helpers.js";

let tmp: ReturnType<typeof tempDir>;
let stop: () => void = () => undefined;
beforeEach(() => (tmp = tempDir()));
afterEach(() => {
  stop();
  tmp.remove();
});

/** Watch `file`; resolves `next()` at each call. */
function watching(file: string) {
  let calls = 0;
  let wake: (() => void) | undefined;
  stop = watchConfig({
    file,
    debounceMs: 20,
    intervalMs: 10,
    onChange: () => {
      calls++;
      wake?.();
    },
  });
  return {
    get calls() {
      return calls;
    },
    next: () => new Promise<void>((resolve) => (wake = resolve)),
  };
}

test("an edit of the file, then a file renamed over it, each make one call", async () => {
  const file = join(tmp.dir, "place.yaml");
  writeFileSync(file, "name: a\n");
  const w = watching(file);
  let next = w.next();
  writeFileSync(file, "name: b\n");
  writeFileSync(file, "name: bb\n"); // within the debounce: the same change
  await next;
  expect(w.calls).toBe(1);
  next = w.next();
  writeFileSync(join(tmp.dir, "place.yaml.tmp"), "name: c\n");
  renameSync(join(tmp.dir, "place.yaml.tmp"), file);
  await next;
  expect(w.calls).toBe(2);
});

test("a config map's swap of the ..data link the file goes through is a change", async () => {
  const dir = tmp.dir;
  for (const v of ["v1", "v2"]) {
    mkdirSync(join(dir, v));
    writeFileSync(join(dir, v, "place.yaml"), `name: ${v}\n`);
  }
  symlinkSync("v1", join(dir, "..data"));
  symlinkSync(join("..data", "place.yaml"), join(dir, "place.yaml"));
  const w = watching(join(dir, "place.yaml"));
  const next = w.next();
  symlinkSync("v2", join(dir, "..data_tmp"));
  renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
  await next;
  expect(w.calls).toBe(1);
});

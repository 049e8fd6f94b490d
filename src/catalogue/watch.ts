import { createHash } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

/** How long a burst of file events (an editor's write, then rename) is let settle before one reload. */
const SETTLE_MS = 250;

const digestOf = (path: string): string | undefined => {
  try {
    return createHash('sha256').update(readFileSync(path)).digest('hex');
  } catch {
    return undefined;
  }
};

/**
 * Calls `changed` once the file's content changes. The folder is watched rather than the file, so a
 * save by rename (editors) or a Kubernetes ConfigMap update (a symlink swapped in the folder) is seen;
 * events that leave the content as it was are ignored.
 */
export function watchCatalogue(path: string, changed: () => void): { close(): void } {
  let last = digestOf(path);
  let timer: NodeJS.Timeout | undefined;
  let watcher: FSWatcher | undefined;
  const name = basename(path);
  try {
    watcher = watch(dirname(path), { persistent: false }, (_event, file) => {
      if (file !== null && file !== name && !String(file).startsWith('..')) return;
      clearTimeout(timer);
      timer = setTimeout(() => {
        const now = digestOf(path);
        if (now === undefined || now === last) return;
        last = now;
        changed();
      }, SETTLE_MS);
      timer.unref();
    });
  } catch {
    // A folder that cannot be watched: SIGHUP still reloads.
  }
  return {
    close() {
      clearTimeout(timer);
      watcher?.close();
    },
  };
}

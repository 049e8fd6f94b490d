import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SinkSender } from './types.js';

/**
 * File sinks: the pull API's JSON, replaced atomically. It is written to a temporary file in the same
 * folder (mode 0600), flushed to disk, then renamed over the target, and the folder is flushed so the
 * rename survives a power cut: a reader sees the old file or the new one, never half of either, also
 * when the process is killed mid-write.
 */

const tempPrefix = (target: string) => `.${basename(target)}.`;
const TEMP_SUFFIX = '.reauth-tmp';

/** Writes `content` to `target` atomically with mode 0600. */
export function writeFileAtomically(target: string, content: string): void {
  const folder = dirname(target);
  mkdirSync(folder, { recursive: true, mode: 0o700 });
  removeStaleTemps(folder, target);
  const temp = join(folder, `${tempPrefix(target)}${process.pid}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`);
  const fd = openSync(temp, 'wx', 0o600);
  try {
    const data = Buffer.from(content, 'utf8');
    let written = 0;
    while (written < data.length) written += writeSync(fd, data, written, data.length - written);
    fsyncSync(fd);
  } catch (error) {
    closeSync(fd);
    unlinkSync(temp);
    throw error;
  }
  closeSync(fd);
  try {
    renameSync(temp, target);
  } catch (error) {
    unlinkSync(temp);
    throw error;
  }
  const dir = openSync(folder, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
}

/** Temporary files a killed writer left behind (never the target itself). */
function removeStaleTemps(folder: string, target: string): void {
  let names: string[];
  try {
    names = readdirSync(folder);
  } catch {
    return;
  }
  for (const name of names) {
    if (name.startsWith(tempPrefix(target)) && name.endsWith(TEMP_SUFFIX)) {
      try {
        unlinkSync(join(folder, name));
      } catch {
        // another writer's, or already gone
      }
    }
  }
}

export function createFileSender(): SinkSender<'file'> {
  return async (spec, message) => {
    if (!message.document) return { ok: true, note: 'nothing to write for this event' };
    try {
      writeFileAtomically(spec.path, `${JSON.stringify(message.document, null, 2)}\n`);
      return { ok: true };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'error';
      const needsAttention = ['EACCES', 'EPERM', 'EROFS', 'ENOTDIR', 'EISDIR', 'EEXIST'].includes(code);
      return {
        ok: false,
        error: `cannot write ${spec.path} (${code})${needsAttention ? ': check the folder exists and Reauth may write there' : ''}`,
        needsAttention,
      };
    }
  };
}

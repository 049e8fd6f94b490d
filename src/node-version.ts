/**
 * The oldest Node.js Reauth runs on (package.json `engines`). Every entry point imports this module
 * first, so an older Node stops here with one line — before any native module (better-sqlite3 13
 * crashes older Nodes with SIGSEGV and prints nothing) is loaded.
 */
export const OLDEST_NODE = '22.12.0';

/** The one line an entry point prints on a Node too old to run it, or undefined when `version` is new enough. */
export function nodeTooOld(version: string, oldest = OLDEST_NODE): string | undefined {
  const parts = (v: string) => v.replace(/^v/, '').split('.').map(Number);
  const [found, needed] = [parts(version), parts(oldest)];
  for (let i = 0; i < 3; i += 1) {
    const a = found[i] ?? 0;
    const b = needed[i] ?? 0;
    if (a !== b)
      return a > b
        ? undefined
        : `Reauth needs Node.js ${oldest} or later (24 LTS recommended); this is Node.js ${version.replace(/^v/, '')}. Install a newer Node, or run it through scripts/with-node.sh.`;
  }
  return undefined;
}

const problem = nodeTooOld(process.versions.node);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}

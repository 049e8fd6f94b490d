import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseCatalogue } from './parse.js';
import type { CatalogueResult } from './types.js';

/** Reads and validates the catalogue file; a missing or unreadable file is an error, not an empty catalogue. */
export function loadCatalogueFile(path: string): CatalogueResult {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return {
      ok: false,
      errors: [
        {
          message:
            code === 'ENOENT'
              ? `${path} does not exist. Copy integrations.example.yml to ${path} (or set INTEGRATIONS_FILE) and list your integrations.`
              : `${path} cannot be read (${code ?? 'unknown error'}).`,
        },
      ],
    };
  }
  return parseCatalogue(text, dirname(resolve(path)));
}

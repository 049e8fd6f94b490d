import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { CORE_SCHEMA, load } from 'js-yaml';
import { describe, expect, it } from 'vitest';

const manifest = load(readFileSync('manifest.yml', 'utf8'), { schema: CORE_SCHEMA }) as {
  features: { slash_commands: { command: string; url: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions?: { bot_events?: string[] } };
};

/** Scopes each Web API method needs (docs.slack.dev method pages). */
const SCOPES_OF: Record<string, string[]> = {
  'chat.postMessage': ['chat:write'],
  'chat.update': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'views.open': [],
  'views.update': [],
  'views.push': [],
  'views.publish': [],
  'usergroups.users.list': ['usergroups:read'],
  'users.info': ['users:read'],
  'conversations.info': ['channels:read'],
  // Public and private channels: alerts are posted to both.
  'conversations.history': ['channels:history', 'groups:history'],
  'auth.test': [],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return path.includes('sandbox') ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const source = sourceFiles('src')
  .map((f) => readFileSync(f, 'utf8'))
  .join('\n');

describe('manifest.yml', () => {
  it("is valid against Slack's manifest schema (v1)", () => {
    const schema = JSON.parse(
      readFileSync('test/fixtures/slack-manifest-schema/manifest.schema.1.0.0.json', 'utf8'),
    ) as object;
    const ajv = new Ajv({ allErrors: true, strict: false });
    const validate = ajv.compile(schema);
    const valid = validate(manifest);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('declares exactly the slash commands the code registers', () => {
    const registered = [...source.matchAll(/export const COMMAND = '([^']+)'/g)].map((m) => m[1]);
    expect(manifest.features.slash_commands.map((c) => c.command).sort()).toEqual(registered.sort());
  });

  it('subscribes to exactly the events the code listens to', () => {
    const listened = [...new Set([...source.matchAll(/app\.event\('([a-z_]+)'/g)].map((m) => m[1]))];
    expect((manifest.settings.event_subscriptions?.bot_events ?? []).sort()).toEqual(listened.sort());
  });

  it('asks for exactly the scopes of the Web API methods the code calls (and commands)', () => {
    const called = new Set(
      [
        ...source.matchAll(
          /\.slack\.((?:chat|views|usergroups|users|conversations|auth)\.[a-zA-Z]+(?:\.[a-zA-Z]+)?)\(/g,
        ),
      ].map((m) => m[1] ?? ''),
    );
    expect(called.size).toBeGreaterThan(3);
    for (const method of called) expect(SCOPES_OF, `scope table knows ${method}`).toHaveProperty([method]);
    const needed = new Set(['commands', ...[...called].flatMap((m) => SCOPES_OF[m] ?? [])]);
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual([...needed].sort());
  });
});

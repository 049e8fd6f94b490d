import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { CORE_SCHEMA, load } from 'js-yaml';
import { catalogueJsonSchema } from '../../../src/catalogue/schema.js';
import { parseCatalogue } from '../../../src/catalogue/parse.js';

const committed = () => readFileSync('schema/integrations.schema.json', 'utf8');
const validator = () => new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(committed()));
// The parser the product reads integrations.yml with (src/catalogue/parse.ts).
const yaml = (text: string): unknown => load(text, { schema: CORE_SCHEMA });

describe('the JSON Schema of integrations.yml', () => {
  it('is what the definitions generate (run `npm run schema` after changing src/catalogue/schema.ts)', () => {
    expect(committed()).toBe(`${JSON.stringify(catalogueJsonSchema(), null, 2)}\n`);
  });

  it('is what integrations.example.yml points editors at, and the example passes it', () => {
    const text = readFileSync('integrations.example.yml', 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./schema/integrations.schema.json');
    const validate = validator();
    expect(validate(yaml(text)), JSON.stringify(validate.errors)).toBe(true);
  });

  it.each([
    ['an unknown provider', '{ id: a, provider: jenkins, auth: pat }'],
    ['an auth type the provider has not', '{ id: a, provider: gitlab, auth: oauth }'],
    ['a bad id', '{ id: Jira_Acme, provider: gitlab, auth: pat }'],
    ['a field the provider does not use', '{ id: a, provider: gitlab, auth: pat, organization: acme }'],
    ['a missing required field', '{ id: a, provider: azure_devops, auth: pat, service: repos }'],
    ['a credential in the file', '{ id: a, provider: gitlab, auth: pat, token: glpat-x }'],
    ['a channel name instead of its id', '{ id: a, provider: gitlab, auth: pat, channel: "#alerts" }'],
  ])('flags %s, as the parser does', (_what, entry) => {
    const text = `integrations:\n  - ${entry}\n`;
    expect(validator()(yaml(text))).toBe(false);
    expect(parseCatalogue(text).ok).toBe(false);
  });
});

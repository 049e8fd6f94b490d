// `npm run schema`: writes schema/integrations.schema.json, the JSON Schema of integrations.yml that
// editors use, from the definitions the parser checks with (src/catalogue/schema.ts; built to dist/).
// test/unit/catalogue/schema.test.ts fails when the committed file is not what this writes.
import { writeFileSync } from 'node:fs';
import { catalogueJsonSchema } from '../dist/src/catalogue/schema.js';

writeFileSync('schema/integrations.schema.json', `${JSON.stringify(catalogueJsonSchema(), null, 2)}\n`);
process.stdout.write('wrote schema/integrations.schema.json\n');

// Writes lambda-perf.schema.json, the JSON Schema of the configuration file, from the one schema
// the gate validates with. A test fails when the committed file is stale.
import { writeFileSync } from 'node:fs';
import { configJsonSchema } from '../src/config/schema.js';

writeFileSync('lambda-perf.schema.json', `${JSON.stringify(configJsonSchema(), null, 2)}\n`);

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ValidateFunction } from 'ajv';

// CommonJS packages: under NodeNext the default import is module.exports, whose `default` is the export.
const AjvDraft04 = ajvDraft04.default;
const addFormats = ajvFormats.default;

/** The official SARIF 2.1.0 schema (draft-04), as shipped by @microsoft/jest-sarif. */
export function sarifValidator(): ValidateFunction {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('@microsoft/jest-sarif/package.json'));
  const schema = JSON.parse(readFileSync(join(root, 'lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8')) as Record<string, unknown>;
  // The schema has a pattern that is not a valid `u`-flag regexp, hence unicodeRegExp: false.
  const ajv = new AjvDraft04({ allErrors: true, strict: false, unicodeRegExp: false });
  addFormats(ajv);
  return ajv.compile(schema);
}

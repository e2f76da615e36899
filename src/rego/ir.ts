// The IR handed to the wasm runtime: JSON, embedded as a data segment and decoded once at
// instantiation by src/rego/runtime/assembly/ir.ts. Operands: a number is a frame slot;
// ["c", v] a constant; ["a", ...] / ["o", k, v, ...] / ["s", ...] composites; ["i"] input; ["d"] data.
// Statements are arrays led by an opcode (see OP). Numbers keep their literal text (RawNumber) so
// big integers and decimals survive into the module unchanged.

export class RawNumber {
  constructor(readonly text: string) {}
}

export type IrValue = null | boolean | string | RawNumber | number | IrValue[] | { [k: string]: IrValue };

export const OP = {
  unify: 1, scan: 2, dot: 3, call: 4, callFunc: 5, rule: 6, vdoc: 7, not: 8, compr: 9, every: 10,
  with: 11, test: 12, print: 13,
} as const;

export const RULE_KIND = { complete: 0, set: 1, object: 2, func: 3, multi: 4 } as const;

export type Operand = number | IrValue[];

export interface IrRule {
  kind: number;
  name: string;
  path: string[];
  loc: string;
  defs: IrDef[];
  default?: IrDef;
  /** Object rules: `default p[<constant>] := v`, each used when no definition gives its key. */
  key_defaults?: IrDef[];
}

export interface IrDef {
  n: number;
  args: Operand[];
  body: IrValue[];
  key: Operand[];
  value?: Operand;
  else?: IrDef;
}

export interface IrQuery {
  n: number;
  body: IrValue[];
  outs: [string, number][];
}

export interface IrProgram {
  rules: IrRule[];
  trees: [string[], IrValue, number][];
  queries: IrQuery[];
  entrypoints: Record<string, number>;
  builtins: string[];
  strict: boolean;
}

function quote(s: string): string { return JSON.stringify(s); }

export function stringifyIr(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (v instanceof RawNumber) return v.text;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (Array.isArray(v)) return '[' + v.map(stringifyIr).join(',') + ']';
  const parts: string[] = [];
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
    if (x === undefined) continue;
    parts.push(quote(k) + ':' + stringifyIr(x));
  }
  return '{' + parts.join(',') + '}';
}

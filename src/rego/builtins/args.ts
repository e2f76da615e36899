// Argument checks and errors shared by every host builtin. A builtin given a bad argument throws a
// HostBuiltinError: the call is then undefined in OPA's default mode and an error in strict mode.

import { RegoNumber, RegoSet } from './sets.js';

export type Json = unknown;
export type Impl = (...args: Json[]) => Json;
export interface HostBuiltin { arity: number; fn: Impl }

export class HostBuiltinError extends Error {
  constructor(readonly code: 'eval_type_error' | 'eval_builtin_error', name: string, msg: string) {
    super(`${code}: ${name}: ${msg}`);
  }
}

export const typeError = (name: string, msg: string): never => { throw new HostBuiltinError('eval_type_error', name, msg); };
export const builtinError = (name: string, msg: string): never => { throw new HostBuiltinError('eval_builtin_error', name, msg); };

export function typeName(v: Json): string {
  if (v === null) return 'null';
  if (v instanceof RegoSet) return 'set';
  if (v instanceof RegoNumber) return 'number';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'object') return 'object';
  if (typeof v === 'boolean') return 'boolean';
  return typeof v;
}

export function str(name: string, v: Json, i: number): string {
  if (typeof v !== 'string') typeError(name, `operand ${i} must be string but got ${typeName(v)}`);
  return v as string;
}
export function numArg(name: string, v: Json, i: number): number {
  if (typeof v !== 'number') typeError(name, `operand ${i} must be number but got ${typeName(v)}`);
  return v as number;
}
export function intArg(name: string, v: Json, i: number): number {
  const n = numArg(name, v, i);
  if (!Number.isInteger(n)) typeError(name, `operand ${i} must be integer number but got floating-point number`);
  return n;
}
export function obj(name: string, v: Json, i: number): Record<string, Json> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) typeError(name, `operand ${i} must be object but got ${typeName(v)}`);
  return v as Record<string, Json>;
}
/** A string, or an array/set (a JSON array here) of strings. */
export function strs(name: string, v: Json, i: number): string[] {
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v)) typeError(name, `operand ${i} must be one of {string, set, array} but got ${typeName(v)}`);
  return (v as Json[]).map((x) => str(name, x, i));
}

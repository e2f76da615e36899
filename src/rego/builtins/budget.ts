// Memory a host builtin may allocate for one result (issue 20 item 14).
//
// Host builtins build strings and objects in the JS heap, outside the module's 256 MiB memory cap.
// Every result is copied into the module's memory, where the bump allocator keeps it until the
// evaluation ends, so what host builtins return over a whole evaluation is already charged to that
// cap (the module aborts with eval_memory_limit_error). What the cap cannot see is a single call
// building a huge value before the copy: `replace` or `strings.replace_n` multiplying a string, or a
// template loop, can reach V8's ~1 GiB string limit (and several times that in transient copies)
// before anything is checked. So each call is limited too, below what the copy itself would need:
// builtins that multiply their input check the size before building it, and every result is
// measured before it is handed back.
import { RegoError } from '../errors.js';

/** Largest result (UTF-16 units of its strings plus a small cost per value) one host call may return. */
export const HOST_RESULT_LIMIT = 64 * 1024 * 1024;

export class HostMemoryLimitError extends RegoError {
  constructor(name: string, size: number) {
    super('eval_memory_limit_error', `${name}: result of ${size > HOST_RESULT_LIMIT * 1.05 ? mib(size) : `${size} bytes`} exceeds the ${mib(HOST_RESULT_LIMIT)} a builtin may allocate per call`);
  }
}

function mib(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1).replace(/\.0$/, '')} MiB` : `${n} bytes`;
}

/** Refuses a result of `size` before it is built. */
export function reserve(name: string, size: number): void {
  if (size > HOST_RESULT_LIMIT) throw new HostMemoryLimitError(name, size);
}

/**
 * The size of a result, counted until it passes the limit (so a huge value costs no more than the
 * limit to measure). Scalars and containers cost 8; strings their length.
 */
export function resultSize(v: unknown, limit = HOST_RESULT_LIMIT): number {
  let total = 0;
  const stack: unknown[] = [v];
  while (stack.length > 0 && total <= limit) {
    const x = stack.pop();
    if (typeof x === 'string') total += x.length + 8;
    else if (x instanceof ArrayBuffer) total += x.byteLength;
    else if (Array.isArray(x)) { total += 8; for (const e of x) stack.push(e); }
    else if (x !== null && typeof x === 'object') {
      total += 8;
      for (const [k, e] of Object.entries(x)) { total += k.length; stack.push(e); }
    } else total += 8;
  }
  return total;
}

/** V8's own limits ("Invalid string length", a failed ArrayBuffer allocation) mean the same thing. */
export function isHostAllocationFailure(e: unknown): boolean {
  return e instanceof RangeError && /Invalid string length|Invalid array length|Array buffer allocation failed/.test(e.message);
}

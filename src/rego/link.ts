// Linker: precompiled runtime .wasm + policy IR -> policy module. The IR goes into a new active
// data segment placed after the runtime's static data, and an 8-byte header at IR_HEADER tells the
// runtime where it is. Only the data, datacount and memory-import sections are rewritten.
import { readFileSync, existsSync } from 'node:fs';
import { packagePath } from '../assets.js';
import { RegoError } from './errors.js';

const IR_HEADER = 16;
const PAGE = 65536;
/** opa-wasm's loadPolicy() supplies 5 pages by default; larger IR needs a larger `initial`. */
export const SDK_DEFAULT_PAGES = 5;

// The root tsconfig has no DOM lib; Node provides WebAssembly at run time.
declare const WebAssembly: {
  Memory: new (d: { initial: number }) => object;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (m: object, imports: object) => { exports: Record<string, unknown> };
};

let runtimeCache: Uint8Array | undefined;
let heapBaseCache: number | undefined;

/** __heap_base of the runtime, read once per process from a throwaway instance. */
function runtimeHeapBase(rt: Uint8Array): number {
  if (heapBaseCache !== undefined) return heapBaseCache;
  const memory = new WebAssembly.Memory({ initial: 5 });
  const trap = (): never => { throw new RegoError('internal_error', 'runtime called an import while linking'); };
  const instance = new WebAssembly.Instance(new WebAssembly.Module(rt), {
    env: { memory, opa_abort: trap, opa_println: trap, opa_builtin0: trap, opa_builtin1: trap, opa_builtin2: trap, opa_builtin3: trap, opa_builtin4: trap },
  });
  heapBaseCache = (instance.exports.meshguard_heap_base as () => number)();
  return heapBaseCache;
}

export function runtimeWasm(): Uint8Array {
  if (runtimeCache) return runtimeCache;
  // Tests running from src/ use the built copy too.
  const found = packagePath('dist/rego/runtime.wasm');
  if (!existsSync(found)) throw new RegoError('internal_error', `rego runtime not built (looked for ${found}); run npm run build`);
  runtimeCache = new Uint8Array(readFileSync(found));
  return runtimeCache;
}

function readU32(b: Uint8Array, pos: number): [number, number] {
  let r = 0, shift = 0, p = pos;
  for (;;) {
    const x = b[p++]!;
    r += (x & 0x7f) * 2 ** shift;
    shift += 7;
    if (!(x & 0x80)) break;
  }
  return [r, p];
}

function u32(n: number): number[] {
  const out: number[] = [];
  do {
    let x = n & 0x7f;
    n = Math.floor(n / 128);
    if (n) x |= 0x80;
    out.push(x);
  } while (n);
  return out;
}

function i32const(n: number): number[] {
  // signed LEB128 of a non-negative i32
  const out: number[] = [];
  for (;;) {
    const x = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(x & 0x40))) { out.push(x); break; }
    out.push(x | 0x80);
  }
  return out;
}

interface Section { id: number; body: Uint8Array }

function sections(wasm: Uint8Array): Section[] {
  const out: Section[] = [];
  let p = 8;
  while (p < wasm.length) {
    const id = wasm[p]!;
    const [len, q] = readU32(wasm, p + 1);
    out.push({ id, body: wasm.subarray(q, q + len) });
    p = q + len;
  }
  return out;
}

/** End address of the runtime's static data (max offset + size over active segments). */
function dataEnd(body: Uint8Array): number {
  let [count, p] = readU32(body, 0);
  let end = 0;
  while (count-- > 0) {
    const [flags, p1] = readU32(body, p);
    p = p1;
    let offset = 0;
    if (flags === 0 || flags === 2) {
      if (flags === 2) p = readU32(body, p)[1];
      if (body[p] !== 0x41) throw new RegoError('internal_error', 'unexpected data segment offset expression');
      // signed LEB
      let r = 0, shift = 0, x = 0;
      p++;
      do { x = body[p++]!; r |= (x & 0x7f) << shift; shift += 7; } while (x & 0x80);
      offset = r;
      p++; // end opcode 0x0b
    }
    const [size, p2] = readU32(body, p);
    p = p2 + size;
    end = Math.max(end, offset + size);
  }
  return end;
}

type Part = number[] | Uint8Array;

function concat(parts: Part[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

function section(id: number, body: Part[]): Part[] {
  const len = body.reduce((a, p) => a + p.length, 0);
  return [[id, ...u32(len)], ...body];
}

function segment(offset: number, bytes: Uint8Array): Part[] {
  return [[0, 0x41, ...i32const(offset), 0x0b, ...u32(bytes.length)], bytes];
}

function rewriteMemoryImport(body: Uint8Array, minPages: number): number[] {
  let [count, p] = readU32(body, 0);
  const out: number[] = [...u32(count)];
  while (count-- > 0) {
    const start = p;
    const [ml, a] = readU32(body, p); p = a + ml;
    const [fl, c] = readU32(body, p); p = c + fl;
    const kind = body[p++]!;
    if (kind === 2) {
      for (const x of body.subarray(start, p)) out.push(x);
      const flags = body[p++]!;
      const [min, d] = readU32(body, p); p = d;
      let max: number | undefined;
      if (flags & 1) { const [mx, e] = readU32(body, p); p = e; max = mx; }
      out.push(flags, ...u32(Math.max(min, minPages)));
      if (max !== undefined) out.push(...u32(Math.max(max, minPages)));
      continue;
    }
    // function (typeidx), table (reftype + limits), global (valtype + mut)
    if (kind === 0) p = readU32(body, p)[1];
    else if (kind === 1) { p++; const fl2 = body[p++]!; p = readU32(body, p)[1]; if (fl2 & 1) p = readU32(body, p)[1]; }
    else if (kind === 3) p += 2;
    for (const x of body.subarray(start, p)) out.push(x);
  }
  return out;
}

export interface LinkResult { wasm: Uint8Array; memoryPages: number }

export function link(irJson: string): LinkResult {
  const rt = runtimeWasm();
  const ir = new TextEncoder().encode(irJson);
  const secs = sections(rt);
  const data = secs.find((s) => s.id === 11);
  const base = Math.ceil(Math.max(1024, data ? dataEnd(data.body) : 0, runtimeHeapBase(rt)) / 16) * 16;
  const header = new Uint8Array(8);
  new DataView(header.buffer).setUint32(0, base, true);
  new DataView(header.buffer).setUint32(4, ir.length, true);
  const pages = Math.ceil((base + ir.length + 64 * 1024) / PAGE);
  const out: Part[] = [rt.subarray(0, 8)];
  for (const s of secs) {
    if (s.id === 2) { out.push(...section(2, [rewriteMemoryImport(s.body, pages)])); continue; }
    if (s.id === 12) { const [n] = readU32(s.body, 0); out.push(...section(12, [u32(n + 2)])); continue; }
    if (s.id === 11) {
      const [n, p] = readU32(s.body, 0);
      out.push(...section(11, [u32(n + 2), s.body.subarray(p), ...segment(IR_HEADER, header), ...segment(base, ir)]));
      continue;
    }
    out.push(...section(s.id, [s.body]));
  }
  return { wasm: concat(out), memoryPages: pages };
}

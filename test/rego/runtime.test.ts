// The AssemblyScript runtime through its raw ABI exports (no SDK): JSON round trips, value dumps,
// heap pointer semantics, opa_eval's value format.
import { describe, expect, it } from 'vitest';
import { compilePolicyDetailed } from '../../src/rego/index.js';

interface Exports {
  opa_malloc(n: number): number;
  opa_json_parse(p: number, n: number): number;
  opa_json_dump(v: number): number;
  opa_value_parse(p: number, n: number): number;
  opa_value_dump(v: number): number;
  opa_heap_ptr_get(): number;
  opa_heap_ptr_set(p: number): void;
  opa_eval(r: number, ep: number, data: number, input: number, len: number, heap: number, format: number): number;
  builtins(): number;
  opa_wasm_abi_version: WebAssembly.Global;
  opa_wasm_abi_minor_version: WebAssembly.Global;
}

async function instantiate(source: string, entrypoints: string[]): Promise<{ x: Exports; memory: WebAssembly.Memory }> {
  const c = await compilePolicyDetailed([{ path: 'r.rego', source }], { entrypoints });
  const memory = new WebAssembly.Memory({ initial: Math.max(5, c.memoryPages) });
  const fail = (): never => { throw new Error('unexpected import call'); };
  const { instance } = await WebAssembly.instantiate(c.wasm, {
    env: { memory, opa_abort: fail, opa_println: fail, opa_builtin0: fail, opa_builtin1: fail, opa_builtin2: fail, opa_builtin3: fail, opa_builtin4: fail },
  });
  return { x: instance.exports as unknown as Exports, memory };
}

function write(x: Exports, memory: WebAssembly.Memory, s: string): [number, number] {
  const bytes = new TextEncoder().encode(s);
  const p = x.opa_malloc(bytes.length);
  new Uint8Array(memory.buffer).set(bytes, p);
  return [p, bytes.length];
}

function read(memory: WebAssembly.Memory, p: number): string {
  const b = new Uint8Array(memory.buffer);
  let e = p;
  while (b[e] !== 0) e++;
  return new TextDecoder().decode(b.subarray(p, e));
}

describe('runtime ABI', () => {
  it('declares ABI 1.2', async () => {
    const { x } = await instantiate('package p\nq := 1\n', ['p/q']);
    expect(x.opa_wasm_abi_version.value).toBe(1);
    expect(x.opa_wasm_abi_minor_version.value).toBe(2);
  });

  it('round-trips JSON keeping number text, unicode and key order canonical', async () => {
    const { x, memory } = await instantiate('package p\nq := 1\n', ['p/q']);
    x.builtins();
    const [p, n] = write(x, memory, '{"b":[1.50,12345678901234567890123],"a":"h\\u00e9 \\ud83d\\ude00","c":null}');
    const v = x.opa_json_parse(p, n);
    expect(v).not.toBe(0);
    expect(read(memory, x.opa_json_dump(v))).toBe('{"a":"hé 😀","b":[1.50,12345678901234567890123],"c":null}');
    const [bad, bn] = write(x, memory, '{"a":');
    expect(x.opa_json_parse(bad, bn)).toBe(0);
  });

  it('frees everything above a heap mark', async () => {
    const { x } = await instantiate('package p\nq := 1\n', ['p/q']);
    x.builtins();
    const mark = x.opa_heap_ptr_get();
    x.opa_malloc(1000);
    expect(x.opa_heap_ptr_get()).toBeGreaterThan(mark);
    x.opa_heap_ptr_set(mark);
    expect(x.opa_heap_ptr_get()).toBe(mark);
  });

  it("reads Rego's value syntax (sets, non-string keys, trailing commas) for values and for opa_eval's input, as opa_value_parse does in OPA", async () => {
    const { x, memory } = await instantiate('package p\nq := input.foo[{1}][1]\nr := input.k[2]\n', ['p/q', 'p/r']);
    x.builtins();
    const [p, n] = write(x, memory, '{"s": {2, "a", {1}}, "e": set(), 3: [true]}');
    const v = x.opa_value_parse(p, n);
    expect(v).not.toBe(0);
    expect(read(memory, x.opa_value_dump(v))).toBe('{3:[true],"e":set(),"s":{2,"a",{1}}}');
    const [dp, dn] = write(x, memory, '{}');
    const data = x.opa_json_parse(dp, dn);
    const [tp, tn] = write(x, memory, '{"a": [1, 2,], "b": {3,}, }');
    expect(read(memory, x.opa_value_dump(x.opa_value_parse(tp, tn)))).toBe('{"a":[1,2],"b":{3}}');
    const [ip, il] = write(x, memory, '{"foo": {{1}}, "k": {2: "two"}}');
    const heap = x.opa_heap_ptr_get();
    expect(read(memory, x.opa_eval(0, 0, data, ip, il, heap, 0))).toBe('[{"result":1}]');
    expect(read(memory, x.opa_eval(0, 1, data, ip, il, heap, 0))).toBe('[{"result":"two"}]');
    // A brace that is neither object nor set is still an error; opa_json_parse (and json.unmarshal) stay strict JSON.
    const [bp, bn] = write(x, memory, '{"a" 1}');
    expect(x.opa_value_parse(bp, bn)).toBe(0);
    for (const notJson of ['{1}', '[1,]', '{"a": 1,}', '{1: 2}', 'set()']) {
      const [jp, jn] = write(x, memory, notJson);
      expect(x.opa_json_parse(jp, jn), notJson).toBe(0);
    }
  });

  it('opa_eval dumps sets in value form on request', async () => {
    const { x, memory } = await instantiate('package p\nq := {3, 1, 2}\n', ['p/q']);
    x.builtins();
    const [dp, dn] = write(x, memory, '{}');
    const data = x.opa_json_parse(dp, dn);
    const heap = x.opa_heap_ptr_get();
    expect(read(memory, x.opa_eval(0, 0, data, 0, 0, heap, 0))).toBe('[{"result":[1,2,3]}]');
    expect(read(memory, x.opa_eval(0, 0, data, 0, 0, heap, 1))).toBe('{{"result":{1,2,3}}}');
  });
});

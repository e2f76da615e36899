// Bump allocator used as the AssemblyScript runtime. Its pointer *is* the OPA heap pointer:
// opa_heap_ptr_set(mark) frees everything allocated after `mark`, which is how the SDK resets
// per-evaluation garbage. Nothing is ever freed individually.

// The linker writes [irPtr u32, irLen u32] at this address (below --memoryBase).
export const IR_HEADER: usize = 16;
// Bounded memory: a malicious policy hits this instead of exhausting the host (256 MiB).
const MAX_PAGES: i32 = 4096;

let heapTop: usize = 0;

@inline function align16(p: usize): usize { return (p + 15) & ~(<usize>15); }

export function heapStart(): usize {
  const irEnd = <usize>load<u32>(IR_HEADER) + <usize>load<u32>(IR_HEADER + 4);
  return align16(max<usize>(__heap_base, irEnd) + 16);
}

export function heapGet(): usize {
  if (heapTop == 0) heapTop = heapStart();
  return heapTop;
}

export function heapSet(p: usize): void { heapTop = p; }

@external("env", "opa_abort")
declare function opa_abort(addr: usize): void;

function oom(): void {
  // Write the message below the heap start region we own (the IR header area is 0..1023).
  const msg = "eval_memory_limit_error: memory limit exceeded";
  const p: usize = 128;
  for (let i = 0; i < msg.length; i++) store<u8>(p + <usize>i, <u8>msg.charCodeAt(i));
  store<u8>(p + <usize>msg.length, 0);
  opa_abort(p);
  unreachable();
}

function grow(end: usize): void {
  const have = <usize>memory.size() << 16;
  if (end <= have) return;
  const need = <i32>((end - have + 0xffff) >>> 16);
  const cur = memory.size();
  if (cur + need > MAX_PAGES) oom();
  const want = min(max(cur, need), MAX_PAGES - cur);
  if (memory.grow(want) < 0) {
    if (memory.grow(need) < 0) oom();
  }
}

// Block layout mirrors AssemblyScript's expectations: BLOCK (mmInfo) + OBJECT header (16 bytes).
const BLOCK_OVERHEAD: usize = 4;
const OBJECT_OVERHEAD: usize = 16;

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (heapTop == 0) heapTop = heapStart();
  const block = heapTop;
  const ptr = align16(block + BLOCK_OVERHEAD + 12) ;
  const end = align16(ptr + size);
  grow(end);
  store<u32>(ptr - BLOCK_OVERHEAD, <u32>(end - ptr));
  heapTop = end;
  // Memory below a reset heap pointer is reused, and AssemblyScript assumes fresh allocations are
  // zeroed (it skips storing zero field initialisers), so clear it.
  memory.fill(ptr, 0, end - ptr);
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  const old = <usize>load<u32>(ptr - BLOCK_OVERHEAD);
  if (size <= old) return ptr;
  if (ptr + old == heapTop) {
    const end = align16(ptr + size);
    grow(end);
    memory.fill(ptr + old, 0, end - ptr - old);
    store<u32>(ptr - BLOCK_OVERHEAD, <u32>(end - ptr));
    heapTop = end;
    return ptr;
  }
  const np = __alloc(max<usize>(size, old << 1));
  memory.copy(np, ptr, old);
  return np;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {}

// @ts-ignore: decorator
@unsafe @global
export function __reset(): void {}

// @ts-ignore: decorator
@unsafe @global
export function __new(size: usize, id: u32): usize {
  const ptr = __alloc(OBJECT_OVERHEAD + size);
  // OBJECT header: mmInfo(4, before ptr) gcInfo gcInfo2 rtId rtSize
  store<u32>(ptr, 0);
  store<u32>(ptr + 4, 0);
  store<u32>(ptr + 8, id);
  store<u32>(ptr + 12, <u32>size);
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@unsafe @global
export function __renew(oldPtr: usize, size: usize): usize {
  const np = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size);
  store<u32>(np + 12, <u32>size);
  return np + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize { return ptr; }

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}

// The AssemblyScript runtime hooks (passed to asc as --runtime): a bump allocator over heap.ts.
// Nothing is ever freed individually.
import { heapTop, heapStart, grow, align8, setTop } from "./heap";

// Block layout mirrors AssemblyScript's expectations: BLOCK (mmInfo) + OBJECT header (16 bytes).
const BLOCK_OVERHEAD: usize = 4;
const OBJECT_OVERHEAD: usize = 16;

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (heapTop == 0) setTop(heapStart());
  // 8-byte alignment is all any field needs (f64); memory comes zeroed (see heapSet).
  const ptr = align8(heapTop + BLOCK_OVERHEAD);
  const end = align8(ptr + size);
  grow(end);
  store<u32>(ptr - BLOCK_OVERHEAD, <u32>(end - ptr));
  setTop(end);
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  const old = <usize>load<u32>(ptr - BLOCK_OVERHEAD);
  if (size <= old) return ptr;
  if (ptr + old == heapTop) {
    const end = align8(ptr + size);
    grow(end);
    store<u32>(ptr - BLOCK_OVERHEAD, <u32>(end - ptr));
    setTop(end);
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

// The heap: one bump pointer that *is* the OPA heap pointer. opa_heap_ptr_set(mark) frees
// everything allocated after `mark`, which is how the SDK resets per-evaluation garbage.

// The linker writes [irPtr u32, irLen u32] at this address (below --memoryBase).
export const IR_HEADER: usize = 16;
// Bounded memory: a malicious policy hits this instead of exhausting the host (256 MiB).
const MAX_PAGES: i32 = 4096;

export let heapTop: usize = 0;

@inline export function align16(p: usize): usize { return (p + 15) & ~(<usize>15); }
@inline export function align8(p: usize): usize { return (p + 7) & ~(<usize>7); }

export function heapStart(): usize {
  const irEnd = <usize>load<u32>(IR_HEADER) + <usize>load<u32>(IR_HEADER + 4);
  return align16(max<usize>(__heap_base, irEnd) + 16);
}

export function heapGet(): usize {
  if (heapTop == 0) heapTop = heapStart();
  return heapTop;
}

// Everything the heap has handed out below this address may be dirty; above it memory is zero.
// Resetting the heap clears the dirty range in one bulk fill, so allocations never clear memory
// themselves (AssemblyScript assumes fresh allocations are zeroed: it skips zero initialisers).
let dirtyTop: usize = 0;

export function heapSet(p: usize): void {
  if (p < dirtyTop) memory.fill(p, 0, dirtyTop - p);
  // Below a pointer the host sets lies whatever the host wrote there (the input): count it as dirty.
  dirtyTop = p;
  heapTop = p;
}

@external("env", "opa_abort")
declare function opa_abort(addr: usize): void;

export function oom(): void {
  // Write the message below the heap start region we own (the IR header area is 0..1023).
  const msg = "eval_memory_limit_error: memory limit exceeded";
  const p: usize = 128;
  for (let i = 0; i < msg.length; i++) store<u8>(p + <usize>i, <u8>msg.charCodeAt(i));
  store<u8>(p + <usize>msg.length, 0);
  opa_abort(p);
  unreachable();
}

// Memory never shrinks, so a size seen once stays valid (the host may grow it too).
let known: usize = 0;

export function grow(end: usize): void {
  if (end <= known) return;
  const have = <usize>memory.size() << 16;
  known = have;
  if (end <= have) return;
  const need = <i32>((end - have + 0xffff) >>> 16);
  const cur = memory.size();
  if (cur + need > MAX_PAGES) oom();
  const want = min(max(cur, need), MAX_PAGES - cur);
  if (memory.grow(want) < 0) {
    if (memory.grow(need) < 0) oom();
  }
}


export function setTop(p: usize): void {
  heapTop = p;
  if (p > dirtyTop) dirtyTop = p;
}

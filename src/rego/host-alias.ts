/** Prefix under which host builtins shadowed by opa-wasm's own JS builtins are imported. */
export const HOST_ALIAS_PREFIX_LOCAL = 'meshguard.';
/** The host printer a module that calls print() imports (see runtime/assembly/builtins.ts, hostPrint). */
export const PRINT_HOST = 'meshguard.print';

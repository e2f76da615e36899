/** Prefix under which host builtins shadowed by opa-wasm's own JS builtins are imported. */
export const HOST_ALIAS_PREFIX_LOCAL = 'meshguard.';

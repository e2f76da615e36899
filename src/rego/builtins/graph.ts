// graph.reachable and graph.reachable_paths. Node ids arrive as JSON: an object key is always a
// string, so a non-string node is looked up by its JSON text (as the module dumps such keys).
import { typeError, typeName, type HostBuiltin, type Json } from './args.js';

type Graph = Record<string, Json>;

function graphArg(name: string, g: Json): Graph {
  if (g === null || typeof g !== 'object' || Array.isArray(g)) typeError(name, `operand 1 must be object but got ${typeName(g)}`);
  return g as Graph;
}
function nodesArg(name: string, v: Json): Json[] {
  if (!Array.isArray(v)) typeError(name, `operand 2 must be one of {array, set} but got ${typeName(v)}`);
  return v as Json[];
}
const keyOf = (n: Json): string => (typeof n === 'string' ? n : JSON.stringify(n));

/** The neighbours of a node, or undefined when the graph does not have it. */
function edges(g: Graph, n: Json): Json[] | undefined {
  if (!Object.hasOwn(g, keyOf(n))) return undefined;
  const e = g[keyOf(n)];
  return Array.isArray(e) ? e : [];
}

export const GRAPH_BUILTINS: Record<string, HostBuiltin> = {
  'graph.reachable': { arity: 2, fn: (gv, iv) => {
    const g = graphArg('graph.reachable', gv);
    const queue = [...nodesArg('graph.reachable', iv)];
    const reached = new Map<string, Json>();
    while (queue.length) {
      const n = queue.shift();
      if (reached.has(keyOf(n))) continue;
      const e = edges(g, n);
      if (e === undefined) continue;
      reached.set(keyOf(n), n);
      queue.push(...e);
    }
    return [...reached.values()];
  } },
  'graph.reachable_paths': { arity: 2, fn: (gv, iv) => {
    const g = graphArg('graph.reachable_paths', gv);
    const paths = new Map<string, Json[]>();
    // A path ends at a node without outgoing edges, where the next step would revisit a node of the path,
    // or before an edge to a node the graph does not have (OPA's paths leave such a node out: `"three": [""]`).
    const walk = (path: Json[]): void => {
      const next = (edges(g, path[path.length - 1]) ?? []).filter((n) => !path.some((p) => keyOf(p) === keyOf(n)));
      if (next.length === 0) { paths.set(JSON.stringify(path), path); return; }
      for (const n of next) {
        if (edges(g, n) === undefined) paths.set(JSON.stringify(path), path);
        else walk([...path, n]);
      }
    };
    for (const start of nodesArg('graph.reachable_paths', iv)) if (edges(g, start) !== undefined) walk([start]);
    return [...paths.values()];
  } },
};

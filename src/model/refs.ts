import type { JsonPath, RelatedResource, Resource, ResourceRef } from './types.js';

/** The identity findings carry and messages name: apiVersion, kind, namespace (if namespaced), name. */
export function refOf(resource: Resource): ResourceRef {
  return {
    apiVersion: resource.apiVersion,
    kind: resource.kind,
    ...(resource.namespace !== undefined ? { namespace: resource.namespace } : {}),
    name: resource.name,
  };
}

/** RFC 6901 JSON pointer of a path. */
export function toJsonPointer(path: JsonPath): string {
  return path.map((s) => `/${String(s).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

/** The path of an RFC 6901 JSON pointer; all-digit segments are array indices. */
export function fromJsonPointer(pointer: string): JsonPath {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

/** A related resource with the position of its document (its `metadata.name`), for a reviewer to jump to. */
export function relatedAt(resource: Resource): RelatedResource {
  const { file, line, column } = resource.source.locate(['metadata', 'name']);
  return { ...refOf(resource), file: file ?? resource.source.file, line, column };
}

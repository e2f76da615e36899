import { describe, expect, it } from 'vitest';
import { toAjvSchema } from '../../src/model/schema/crd.js';
import { compareMinor, isRemovedIn } from '../../src/model/schema/deprecations.js';
import { closest, describeErrors, dotted, toPath } from '../../src/model/schema/errors.js';
import { withoutNulls } from '../../src/model/schema/validate.js';

describe('ajv error paths and wording', () => {
  it('turns pointers into paths, numbers only for array indexes', () => {
    const data = { spec: { portLevelMtls: { '8080': { mode: 'x' } }, ports: [{ port: 1 }], 'a/b': 1 } };
    expect(toPath('/spec/portLevelMtls/8080/mode', data)).toEqual(['spec', 'portLevelMtls', '8080', 'mode']);
    expect(toPath('/spec/ports/0/port', data)).toEqual(['spec', 'ports', 0, 'port']);
    expect(toPath('/spec/a~1b', data)).toEqual(['spec', 'a/b']);
    expect(toPath('', data)).toEqual([]);
  });

  it('words type errors with the value and the likely fix', () => {
    const data = { spec: { args: [null, 'x'], replicas: '3', env: 8080 } };
    const error = (instancePath: string, type: string | string[]) => ({ instancePath, keyword: 'type', params: { type }, schemaPath: '#/type' });
    expect(describeErrors([error('/spec/args/0', 'string'), error('/spec/replicas', 'integer'), error('/spec/env', 'string')], data, 'Deployment').map((p) => p.message)).toEqual([
      'spec.args[0] must be a string, got null',
      "spec.replicas must be an integer, got string '3' (remove the quotes)",
      'spec.env must be a string, got integer 8080 (quote it: "8080")',
    ]);
  });

  it('prints paths as kubectl does', () => {
    expect(dotted(['spec', 'containers', 0, 'env', 1, 'value'])).toBe('spec.containers[0].env[1].value');
    expect(dotted(['metadata', 'annotations', 'sidecar.istio.io/inject'])).toBe('metadata.annotations["sidecar.istio.io/inject"]');
  });

  it('suggests the field a typo meant, and nothing for a stranger', () => {
    const fields = ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds'];
    expect(closest('replica', fields)).toBe('replicas');
    expect(closest('Replicas', fields)).toBe('replicas');
    expect(closest('selcetor', fields)).toBe('selector'); // transposition
    expect(closest('templates', fields)).toBe('template');
    expect(closest('image', fields)).toBeUndefined();
    expect(closest('ab', ['a', 'abc'])).toBeUndefined(); // too short to guess
  });

  it('suggests what the full distance matrix suggests, on generated near misses', () => {
    // The plain optimal string alignment distance and the choice made with it: the oracle for the bounded walk.
    const distance = (a: string, b: string): number => {
      const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
      for (let i = 1; i <= a.length; i++) {
        for (let j = 1; j <= b.length; j++) {
          d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
          if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
      }
      return d[a.length]![b.length]!;
    };
    const oracle = (field: string, candidates: string[]): string | undefined => {
      const lower = field.toLowerCase();
      const same = candidates.find((c) => c.toLowerCase() === lower);
      if (same) return same;
      let best: string | undefined;
      let bound = Math.min(2, Math.floor(field.length / 3));
      for (const c of candidates) {
        if (Math.abs(c.length - field.length) > bound) continue;
        const found = distance(lower, c.toLowerCase());
        if (found <= bound && (best === undefined || found < bound)) [best, bound] = [c, found];
      }
      return best;
    };
    let seed = 17;
    const random = (n: number): number => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed % n);
    const word = (): string => Array.from({ length: 1 + random(14) }, () => 'abcdeSTxy'[random(9)]).join('');
    const mutate = (w: string): string => {
      const at = random(w.length + 1);
      const edits = [w.slice(0, at) + w.slice(at + 1), w.slice(0, at) + 'q' + w.slice(at), w.slice(0, at) + 'x' + w.slice(at + 1), at + 1 < w.length ? w.slice(0, at) + w[at + 1] + w[at] + w.slice(at + 2) : w.toUpperCase()];
      return edits[random(edits.length)]!;
    };
    let suggested = 0;
    for (let n = 0; n < 3000; n++) {
      const candidates = Array.from({ length: 1 + random(40) }, word);
      let field = candidates[random(candidates.length)]!;
      for (let k = random(4); k > 0; k--) field = mutate(field);
      const expected = oracle(field, candidates);
      expect(closest(field, candidates), `${field} in ${candidates.join(',')}`).toBe(expected);
      if (expected !== undefined) suggested++;
    }
    expect(suggested).toBeGreaterThan(500);
  });
});

describe('null stripping', () => {
  it('drops null-valued keys without touching null-free objects or array positions', () => {
    const clean = { a: { b: [1, 2] } };
    expect(withoutNulls(clean)).toBe(clean);
    const dirty = { metadata: { creationTimestamp: null, name: 'x' }, list: [{ a: null }, null], keep: { c: 1 } };
    const result = withoutNulls(dirty);
    expect(result).toEqual({ metadata: { name: 'x' }, list: [{}, null], keep: { c: 1 } });
    expect(result.keep).toBe(dirty.keep);
    expect(dirty.metadata.creationTimestamp).toBeNull(); // the shared object is never mutated
    // Keys keep their order (messages list fields in document order), inherited properties are not own keys.
    const ordered = withoutNulls({ z: 1, gone: null, a: { y: null, b: 2 }, m: [3] });
    expect(Object.keys(ordered)).toEqual(['z', 'a', 'm']);
    expect(ordered.a).toEqual({ b: 2 });
    const inherited = Object.assign(Object.create({ hidden: null }) as Record<string, unknown>, { own: 1 });
    expect(withoutNulls(inherited)).toBe(inherited);
  });
});

describe('CRD structural schema conversion', () => {
  it('closes objects with properties, keeps maps and preserved fields open', () => {
    const schema = toAjvSchema(
      {
        type: 'object',
        properties: {
          spec: {
            type: 'object',
            properties: {
              port: { 'x-kubernetes-int-or-string': true, type: 'integer' },
              free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              open: { type: 'object', properties: { a: { type: 'string' } }, 'x-kubernetes-preserve-unknown-fields': true },
              map: { type: 'object', additionalProperties: { type: 'string' } },
              bound: { type: 'integer', minimum: 0, exclusiveMinimum: true, format: 'int32' },
              re2: { type: 'string', pattern: '(?i)^abc$' },
              embedded: { type: 'object', 'x-kubernetes-embedded-resource': true, properties: { spec: { type: 'object' } } },
              either: { type: 'string', oneOf: [{ pattern: 'a' }, { pattern: 'b' }] },
            },
          },
        },
      },
      true,
    );
    const spec = (schema.properties as Record<string, Record<string, unknown>>).spec!;
    const props = spec.properties as Record<string, Record<string, unknown>>;
    expect(schema.additionalProperties).toBe(false);
    expect((schema.properties as Record<string, unknown>).metadata).toEqual({ $ref: 'k8s#/$defs/V1ObjectMeta' });
    expect(spec.additionalProperties).toBe(false);
    expect(props.port).toEqual({ type: ['integer', 'string'] });
    expect(props.free).toEqual({ type: 'object' });
    expect(props.open?.additionalProperties).toBeUndefined();
    expect(props.map).toEqual({ type: 'object', additionalProperties: { type: 'string' } });
    expect(props.bound).toEqual({ type: 'integer', exclusiveMinimum: 0 });
    expect(props.re2).toEqual({ type: 'string' });
    expect(Object.keys(props.embedded?.properties as object).sort()).toEqual(['apiVersion', 'kind', 'metadata', 'spec']);
    expect(props.either).toEqual({ type: 'string' });
  });
});

describe('deprecation table', () => {
  it('compares minor versions numerically', () => {
    expect(compareMinor('1.9', '1.16')).toBeLessThan(0);
    expect(compareMinor('1.25', '1.25')).toBe(0);
    expect(isRemovedIn('policy/v1beta1', 'PodDisruptionBudget', '1.25')).toBe(true);
    expect(isRemovedIn('policy/v1beta1', 'PodDisruptionBudget', '1.24')).toBe(false);
    expect(isRemovedIn('autoscaling/v2beta2', 'HorizontalPodAutoscaler', '1.26')).toBe(true);
    expect(isRemovedIn('apps/v1', 'Deployment', '1.36')).toBe(false);
  });
});

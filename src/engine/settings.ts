import { Ajv } from 'ajv';
import { configErrorAt } from '../config/load.js';
import { closest } from '../model/suggest.js';
import type { MeshguardConfig } from '../config/types.js';
import type { RuleMeta, Severity } from '../model/types.js';

export interface EffectiveRuleSetting {
  enabled: boolean;
  /** Replaces the rule's (and each finding's) severity when the configuration sets one. */
  severityOverride?: Severity;
  options: Record<string, unknown>;
}

// Created on first use: constructing Ajv compiles its meta-schemas, a cost most runs need not pay.
let ajv: Ajv | undefined;

/**
 * Resolve `rules:` from the configuration against the known rules. An unknown rule id or options that
 * do not match the rule's schema make the configuration unusable (exit 2), like a typo in ESLint's config.
 */
export function resolveRuleSettings(config: MeshguardConfig, metas: readonly RuleMeta[], configFile = '.meshguard.yaml'): Map<string, EffectiveRuleSetting> {
  const byId = new Map(metas.map((m) => [m.id, m]));
  for (const id of Object.keys(config.rules)) {
    if (byId.has(id)) continue;
    const guess = closest(id, [...byId.keys()]);
    throw configErrorAt(config, ['rules', id], `unknown rule '${id}' in 'rules'${guess ? ` (did you mean '${guess}'?)` : ''}; \`meshguard rules\` lists them`, configFile);
  }
  const settings = new Map<string, EffectiveRuleSetting>();
  for (const meta of metas) {
    const setting = config.rules[meta.id];
    const options = setting?.options ?? {};
    // Options are validated when given; rules apply their own defaults (no schema compile per run).
    if (meta.optionsSchema && setting?.options) {
      const validate = (ajv ??= new Ajv({ allErrors: false, strict: false })).compile(meta.optionsSchema);
      if (!validate(options)) {
        const error = validate.errors?.[0];
        const inOptions = (error?.instancePath ?? '').split('/').filter((s) => s !== '').map((s) => (/^\d+$/.test(s) ? Number(s) : s));
        const unknown = error?.keyword === 'additionalProperties' ? String(error.params.additionalProperty) : undefined;
        const at = ['rules', meta.id, 'options', ...inOptions, ...(unknown ? [unknown] : [])];
        const key = at.join('.');
        const known = Object.keys((meta.optionsSchema.properties as Record<string, unknown> | undefined) ?? {});
        const message = unknown
          ? `unknown option '${unknown}' in '${key.slice(0, key.length - unknown.length - 1)}'${known.length > 0 ? ` (rule ${meta.id} takes ${known.join(', ')})` : ''}`
          : `'${key}' ${error?.message ?? 'is invalid'}`;
        throw configErrorAt(config, at, message, configFile);
      }
    } else if (setting?.options && Object.keys(setting.options).length > 0) {
      throw configErrorAt(config, ['rules', meta.id, 'options'], `'rules.${meta.id}.options': rule ${meta.id} takes no options`, configFile);
    }
    const severity = setting?.severity;
    settings.set(meta.id, {
      enabled: severity !== 'off',
      ...(severity && severity !== 'off' ? { severityOverride: severity } : {}),
      options,
    });
  }
  return settings;
}

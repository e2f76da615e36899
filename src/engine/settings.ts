import { Ajv } from 'ajv';
import { ConfigError } from '../config/load.js';
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
    if (!byId.has(id)) throw new ConfigError(`rules: unknown rule '${id}' (see \`meshguard rules\`)`, configFile);
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
        throw new ConfigError(`rules.${meta.id}.options${error?.instancePath.replace(/\//g, '.') ?? ''} ${error?.message ?? 'is invalid'}`, configFile);
      }
    } else if (setting?.options && Object.keys(setting.options).length > 0) {
      throw new ConfigError(`rules.${meta.id}: this rule takes no options`, configFile);
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

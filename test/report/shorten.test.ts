import { describe, expect, it } from 'vitest';
import { shortenMiddle } from '../../src/report/common.js';

describe('shortenMiddle (admission warnings)', () => {
  const message =
    '[hpa-sidecar-skew] target 70% of 350m total incl. 100m proxy (istio-proxy) on Deployment payments/payments-api = scales at 58%–98% of app CPU ' +
    '(145m–245m of 250m), depending on how busy the proxy is; use `type: ContainerResource` with `containerResource: {name: cpu, container: api}` (at /spec/metrics/0)';

  it('keeps the rule id at the start and the fix at the end', () => {
    const short = shortenMiddle(message, 120);
    expect([...short].length).toBeLessThanOrEqual(120);
    expect(short.startsWith('[hpa-sidecar-skew] target 70%')).toBe(true);
    expect(short).toContain(' … ');
    expect(short.endsWith('{name: cpu, container: api}` (at /spec/metrics/0)')).toBe(true);
  });

  it('leaves text that fits alone', () => {
    expect(shortenMiddle('[waiver] short', 256)).toBe('[waiver] short');
    expect([...shortenMiddle(message, 256)].length).toBeLessThanOrEqual(256);
  });
});

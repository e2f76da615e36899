/**
 * Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource), parsed exactly.
 *
 * A quantity is `<sign><digits>[.<digits>]<suffix>` where the suffix is a binary SI unit (Ki..Ei), a
 * decimal SI unit (n, u, m, "", k, M, G, T, P, E) or a decimal exponent (e3, E-2). Amounts are kept as
 * bigint milli-units (millicores for CPU, thousandths of a byte for memory) and rounded up like
 * Quantity.MilliValue(), so sums and comparisons never suffer from floating point.
 */

export type QuantityResult = { ok: true; milli: bigint } | { ok: false; error: string };

const BINARY: Readonly<Record<string, bigint>> = {
  Ki: 1n << 10n,
  Mi: 1n << 20n,
  Gi: 1n << 30n,
  Ti: 1n << 40n,
  Pi: 1n << 50n,
  Ei: 1n << 60n,
};

/** Powers of ten of the decimal SI suffixes. `E` alone is exa; `E3` is an exponent. */
const DECIMAL: Readonly<Record<string, number>> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

const QUANTITY = /^([+-]?)(\d+(?:\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|[numkMGTPE])?$/;

/** Quantities beyond int64 units (~9.2E) cannot be represented by Kubernetes' Value(); treat them as invalid. */
const MAX_MILLI = ((1n << 63n) - 1n) * 1000n;

/**
 * Parse a quantity as written in a manifest. YAML numbers (`cpu: 0.5`, `cpu: 2`) are accepted too, as
 * the API server accepts them. Never throws: a bad quantity is a value to report.
 */
export function parseQuantity(value: unknown): QuantityResult {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return { ok: false, error: `'${value}' is not a number` };
    // Number's own text is exact for what YAML can write (no binary fraction noise below 1e21).
    return parseQuantity(String(value).replace(/e\+/, 'e'));
  }
  if (typeof value !== 'string') return { ok: false, error: `expected a quantity string, got ${value === null ? 'null' : typeof value}` };
  // The same few strings (100m, 128Mi, the mesh's proxy defaults) are parsed for every workload of every
  // admission request, and bigint arithmetic is not free. Bounded: a stream of distinct strings only
  // restarts the cache.
  const cached = parsedQuantities.get(value);
  if (cached) return cached;
  if (parsedQuantities.size >= MAX_CACHED_QUANTITIES) parsedQuantities.clear();
  const parsed = Object.freeze(parseQuantityText(value));
  parsedQuantities.set(value, parsed);
  return parsed;
}

const parsedQuantities = new Map<string, QuantityResult>();
const MAX_CACHED_QUANTITIES = 4096;

function parseQuantityText(value: string): QuantityResult {
  const text = value.trim();
  const match = QUANTITY.exec(text);
  if (!match) return { ok: false, error: `'${value}' is not a Kubernetes quantity (e.g. 100m, 0.5, 128Mi, 1G)` };
  const [, sign = '', number = '', suffix = ''] = match;
  const [whole = '', fraction = ''] = number.split('.');
  // The number as an integer numerator over 10^fraction.length.
  let numerator = BigInt((whole === '' ? '0' : whole) + fraction);
  let denominator = 10n ** BigInt(fraction.length);
  numerator *= 1000n; // to milli-units

  if (suffix in BINARY) {
    numerator *= BINARY[suffix]!;
  } else {
    const exponent = suffix in DECIMAL ? DECIMAL[suffix]! : Number(suffix.slice(1));
    if (Math.abs(exponent) > 40) return { ok: false, error: `'${value}' is out of range` };
    if (exponent >= 0) numerator *= 10n ** BigInt(exponent);
    else denominator *= 10n ** BigInt(-exponent);
  }
  let milli = numerator / denominator;
  if (milli * denominator !== numerator) milli += 1n; // round up, like Quantity.MilliValue()
  if (milli > MAX_MILLI) return { ok: false, error: `'${value}' is out of range` };
  return { ok: true, milli: sign === '-' ? -milli : milli };
}

/** CPU in the unit people write: `250m`, `2`, `1.5`. */
export function formatCpu(milli: bigint): string {
  if (milli % 1000n !== 0n) return `${milli}m`;
  return `${milli / 1000n}`;
}

/** Memory in the largest binary unit that divides it exactly (`128Mi`, `1536Mi`, `1Gi`), else bytes. */
export function formatMemory(milli: bigint): string {
  const bytes = (milli + 999n) / 1000n;
  for (const unit of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const) {
    const size = BINARY[unit]!;
    if (bytes !== 0n && bytes % size === 0n) return `${bytes / size}${unit}`;
  }
  // Not a whole number of binary units: show it in Mi with two decimals rather than a raw byte count.
  if (bytes >= BINARY.Mi!) return `${(Number(bytes) / Number(BINARY.Mi)).toFixed(2)}Mi`;
  return `${bytes}`;
}

/** Format an amount of a compute resource the way the manifests write it. */
export function formatAmount(resource: 'cpu' | 'memory', milli: bigint): string {
  return resource === 'cpu' ? formatCpu(milli) : formatMemory(milli);
}

/**
 * A formatter for amounts that appear side by side in one message, in one unit chosen for all of them:
 * `need 3500m ... allows 2000m; 1000m of it` reads at a glance, `need 3500m ... allows 2; 1 of it` does not.
 * CPU is in cores when every amount is whole, else millicores; memory in the largest binary unit that
 * divides every amount exactly.
 */
export function amountFormatter(resource: 'cpu' | 'memory', amounts: readonly bigint[]): (milli: bigint) => string {
  const nonZero = amounts.filter((a) => a !== 0n);
  if (resource === 'cpu') {
    const whole = nonZero.every((a) => a % 1000n === 0n);
    return (milli) => (whole && milli % 1000n === 0n ? `${milli / 1000n}` : `${milli}m`);
  }
  const bytesOf = (milli: bigint): bigint => (milli + 999n) / 1000n;
  const unit = (['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki'] as const).find((u) => nonZero.length > 0 && nonZero.every((a) => bytesOf(a) % BINARY[u]! === 0n));
  return (milli) => (unit && bytesOf(milli) % BINARY[unit]! === 0n ? `${bytesOf(milli) / BINARY[unit]!}${unit}` : formatMemory(milli));
}

/**
 * Float64 references for the issue-16 pieces (surrogate sign, SIREN/WINNER,
 * mixture of experts, Hessians), written from the papers' formulas (never
 * from src/). Tensors are flat row-major arrays plus their sizes.
 */

/** Surrogate derivatives of sign as stated in the SurrogateSign docs (float64). */
export function surrogateRef(x: number, kind: 'sigmoid' | 'erf' | 'triangle', beta: number): number {
  if (kind === 'sigmoid') {
    const s = 1 / (1 + Math.exp(-beta * x));
    return 2 * beta * s * (1 - s);
  }
  if (kind === 'erf') return (2 * beta / Math.sqrt(Math.PI)) * Math.exp(-beta * beta * x * x);
  return beta * Math.max(0, 1 - (beta * Math.abs(x)) / 2);
}

/** ∫ f over [lo, hi] by the composite Simpson rule with n (even) panels. */
export function simpson(f: (x: number) => number, lo: number, hi: number, n = 20000): number {
  const h = (hi - lo) / n;
  let s = f(lo) + f(hi);
  for (let i = 1; i < n; i++) s += (i % 2 === 1 ? 4 : 2) * f(lo + i * h);
  return (s * h) / 3;
}

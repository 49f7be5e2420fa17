/**
 * Float64 references for the KAN interpretability tools, written from pykan
 * (KindXiaoming/pykan @ ecde4ec `kan/MultKAN.py` `attribute`; `kan/utils.py`
 * `fit_params`). Never imports src/.
 */

/** Unbiased standard deviation (torch.std). */
export function std(v: number[]): number {
  const m = v.reduce((a, b) => a + b, 0) / v.length;
  return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1));
}

/**
 * pykan attribute() for a chain without mult nodes, from per-layer edge values
 * phi[l][n][i][o] (samples n). Returns edge scores [l][i][o] and node scores [l][j].
 */
export function attributionReference(phi: number[][][][]): {edges: number[][][]; nodes: number[][]} {
  const L = phi.length;
  const edgeStd = phi.map(p => p[0].map((_, i) => p[0][0].map((_, o) => std(p.map(r => r[i][o])))));
  const nodeStd = phi.map(p => p[0][0].map((_, o) => std(p.map(r => r.reduce((s, e) => s + e[o], 0)))));
  const nOut = phi[L - 1][0][0].length;
  // Q[q][j]: score of node j for query q.
  let q: number[][] = [];
  for (let a = 0; a < nOut; a++) q.push(Array.from({length: nOut}, (_, j) => (a === j ? 1 : 0)));
  const nodes: number[][] = new Array(L + 1);
  const edges: number[][][] = new Array(L);
  const avg = (rows: number[][]) => rows[0].map((_, j) => rows.reduce((s, r) => s + r[j], 0) / rows.length);
  nodes[L] = avg(q);
  for (let l = L - 1; l >= 0; l--) {
    const I = edgeStd[l].length;
    const O = nodeStd[l].length;
    const perQ = q.map(row => edgeStd[l].map(r => r.map((e, o) => (e * row[o]) / (nodeStd[l][o] + 1e-4))));
    edges[l] = Array.from({length: I}, (_, i) =>
      Array.from({length: O}, (_, o) => perQ.reduce((s, m) => s + m[i][o], 0) / perQ.length),
    );
    q = perQ.map(m => m.map(r => r.reduce((s, v) => s + v, 0)));
    nodes[l] = avg(q);
  }
  return {edges, nodes};
}

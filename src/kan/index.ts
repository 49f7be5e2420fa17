// tfa.kan: interpretability tools for B-spline KANs (pykan parity). Re-exports only.
export {edgeActivations} from './edges';
export type {EdgePlan, SymbolicEdge} from './edges';
export {extendedKnots} from './grid_extension';
export {refine, resetOptimizer} from './refine';
export {edgeScores} from './scores';
export type {KanScores} from './scores';
export {prune} from './prune';
export type {PruneLayerReport, PruneOptions, PruneResult, RemovedEdge} from './prune';
export {SYMBOLIC_FUNCTIONS, symbolicFunction} from './symbolic_library';
export type {SymbolicFunction, SymbolicFunctionName} from './symbolic_library';
export {SymbolicKAN, symbolicKAN} from './symbolic_kan';
export type {EdgeMode, SymbolicAffine, SymbolicKANArgs} from './symbolic_kan';
export {toSymbolic} from './convert';
export {autoSymbolic, fitParams, fixSymbolic, suggestSymbolic} from './symbolic_fit';
export type {
  AutoSymbolicEdge,
  AutoSymbolicOptions,
  FitParamsOptions,
  SuggestSymbolicOptions,
  SymbolicFit,
  SymbolicSuggestion,
} from './symbolic_fit';
export {formula} from './formula';
export type {FormulaAtom, FormulaExpr, FormulaOptions, KanFormula} from './formula';
export {sparsityForward} from './sparsity';
export type {SparsityForward, SparsityOptions} from './sparsity';
export {refitSymbolic} from './symbolic_refit';
export type {RefitSymbolicOptions, RefitSymbolicResult} from './symbolic_refit';

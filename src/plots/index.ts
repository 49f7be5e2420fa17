// Public surface of tfa.plots: re-exports only.
export {metricCurves, parseJsonLines} from './curves';
export type {CurveSource, MetricCurvesOptions} from './curves';
export {kanEdges, kanFunctions} from './kan';
export type {KanEdges, KanFunctionsOptions} from './kan';
export {readRecords, saveSvg} from './save';
export {spectrumPlot} from './spectrum';
export type {SpectrumPlotOptions} from './spectrum';
export {layerReport} from './layer_report';
export type {LayerReportOptions} from './layer_report';

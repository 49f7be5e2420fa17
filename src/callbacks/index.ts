// Public surface of tfa.callbacks: re-exports only.
export {ActivationKurtosisMonitor, activationKurtosisMonitor} from './activation_kurtosis_monitor';
export type {ActivationKurtosisMonitorArgs} from './activation_kurtosis_monitor';
export type {MetricRecord, RecordSinkArgs} from './common';
export {CsvLogger, csvLogger} from './csv_logger';
export type {CsvLoggerArgs} from './csv_logger';
export {DseMonitor, dseMonitor} from './dse_monitor';
export type {DseMonitorArgs} from './dse_monitor';
export {KanGridUpdate, kanGridUpdate} from './kan_grid_update';
export type {KanGridUpdateArgs} from './kan_grid_update';
export {SpectralTruncation, spectralTruncation} from './spectral_truncation';
export type {SpectralProbeRow, SpectralTruncationArgs, TruncationPoint} from './spectral_truncation';
export {WeightSpectrumMonitor, weightSpectrumMonitor} from './weight_spectrum_monitor';
export type {LayerSpectrum, WeightSpectrumMonitorArgs} from './weight_spectrum_monitor';
export {SharpnessMonitor, sharpnessMonitor} from './sharpness_monitor';
export type {SharpnessMonitorArgs} from './sharpness_monitor';
export {TemperatureSchedule, gateStatistics, temperatureSchedule} from './temperature_schedule';
export type {TemperatureScheduleArgs} from './temperature_schedule';

// Public surface of tfa.layers: re-exports only.
export * from './kan';
export * from './crrelu';
export * from './delta_activation';
export * from './nested_dropout';
export * from './single_scale_rms_norm';
export * from './ftwt_gate';
export * from './ftwt_flops';
export * from './surrogate_sign';
export * from './moe';
export * from './sine';
export * from './embedding_projection';

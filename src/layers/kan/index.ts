// KAN layer variants: re-exports only.
export {};

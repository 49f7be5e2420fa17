/** The ledger rows, in table order. */
import {afkanRow} from './afkan';
import type {ClaimExperiment} from './common';
import {crreluConvRow, crreluRow} from './crrelu';
import {deltaRow, muonRow} from './delta_muon';
import {dseRow} from './dse';
import {ftwtRow} from './ftwt';
import {kanVsMlp} from './kan_vs_mlp';
import {malignantTailRow} from './malignant_tail';
import {nestedDropoutRow} from './nested_dropout';
import {ospRow} from './osp';
import {skanRow} from './skan';
import {spectraRow} from './spectra';

export const EXPERIMENTS: ClaimExperiment[] = [
  kanVsMlp,
  afkanRow,
  skanRow,
  crreluRow,
  crreluConvRow,
  ospRow,
  nestedDropoutRow,
  malignantTailRow,
  dseRow,
  spectraRow,
  ftwtRow,
  deltaRow,
  muonRow,
];

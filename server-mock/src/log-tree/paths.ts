/** Where the transparency log's resources are mounted (spec/21 §5; advertised in the capability). */
export const TLOG_PATH = '/sealfold-log';

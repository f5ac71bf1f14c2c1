export { UnsupportedQuestionTypesError } from './aiken.js';
export { EXPORT_FORMATS, formatLabel, isExportFormat, renderExport, type ExportFile, type ExportFormat } from './formats.js';
export { ExportQuestionSchema, kindOf, type ExportQuestion, type ExportQuiz } from './types.js';

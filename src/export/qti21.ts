import { strToU8, zipSync } from 'fflate';
import { create } from 'xmlbuilder2';
import { cleanText, xmlSafe } from './text.js';
import { correctIndexes, kindOf, letter, type ExportQuestion, type ExportQuiz } from './types.js';

const QTI_NS = 'http://www.imsglobal.org/xsd/imsqti_v2p1';
const QTI_XSD = 'http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1p2.xsd';
const CP_NS = 'http://www.imsglobal.org/xsd/imscp_v1p1';
const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
const MATCH_CORRECT = 'http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct';

/** One file of the package, by its path inside the zip. */
export interface QtiFile {
  path: string;
  xml: string;
}

function itemId(index: number): string {
  return `Q${index + 1}`;
}

/** A title attribute: one line of clean text. */
function title(text: string): string {
  return xmlSafe(cleanText(text).replace(/\s+/g, ' ').trim().slice(0, 200));
}

/**
 * One `assessmentItem`: a `choiceInteraction` (maxChoices 1, or N for multiple-answer), the key as
 * `correctResponse`, scored by the standard `match_correct` template. The explanation is a
 * `rubricBlock` for scorers and tutors, which the template needs no outcome for.
 */
export function qtiItem(q: ExportQuestion, index: number): string {
  const multiple = kindOf(q) === 'multiple';
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const item = doc.ele(QTI_NS, 'assessmentItem', {
    'xmlns:xsi': XSI_NS,
    'xsi:schemaLocation': `${QTI_NS} ${QTI_XSD}`,
    identifier: itemId(index),
    title: title(q.question) || itemId(index),
    adaptive: 'false',
    timeDependent: 'false',
  });
  const response = item.ele('responseDeclaration', {
    identifier: 'RESPONSE',
    cardinality: multiple ? 'multiple' : 'single',
    baseType: 'identifier',
  });
  const correct = response.ele('correctResponse');
  for (const i of correctIndexes(q)) correct.ele('value').txt(letter(i));
  item
    .ele('outcomeDeclaration', { identifier: 'SCORE', cardinality: 'single', baseType: 'float' })
    .ele('defaultValue')
    .ele('value')
    .txt('0');
  const body = item.ele('itemBody');
  body.ele('rubricBlock', { view: 'scorer tutor' }).ele('p').txt(xmlSafe(q.explanation));
  const interaction = body.ele('choiceInteraction', {
    responseIdentifier: 'RESPONSE',
    shuffle: 'false',
    maxChoices: String(multiple ? q.options.length : 1),
  });
  interaction.ele('prompt').txt(xmlSafe(q.question));
  q.options.forEach((option, i) => interaction.ele('simpleChoice', { identifier: letter(i) }).txt(xmlSafe(option)));
  item.ele('responseProcessing', { template: MATCH_CORRECT });
  return doc.end({ prettyPrint: true });
}

/** The `assessmentTest` that references every item in order, in one linear part and section. */
export function qtiTest(quiz: ExportQuiz, itemPaths: readonly string[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const test = doc.ele(QTI_NS, 'assessmentTest', {
    'xmlns:xsi': XSI_NS,
    'xsi:schemaLocation': `${QTI_NS} ${QTI_XSD}`,
    identifier: 'TEST',
    title: title(quiz.topic) || 'Quiz',
  });
  const section = test
    .ele('testPart', { identifier: 'PART1', navigationMode: 'linear', submissionMode: 'individual' })
    .ele('assessmentSection', { identifier: 'SECTION1', title: title(quiz.topic) || 'Quiz', visible: 'true' });
  itemPaths.forEach((href, i) => section.ele('assessmentItemRef', { identifier: itemId(i), href: `../${href}` }));
  return doc.end({ prettyPrint: true });
}

function manifest(testPath: string, itemPaths: readonly string[]): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8' });
  const root = doc.ele(CP_NS, 'manifest', { identifier: 'MANIFEST' });
  const meta = root.ele('metadata');
  meta.ele('schema').txt('QTIv2.1 Package');
  meta.ele('schemaversion').txt('1.0.0');
  root.ele('organizations');
  const resources = root.ele('resources');
  const testRes = resources.ele('resource', { identifier: 'RES-TEST', type: 'imsqti_test_xmlv2p1', href: testPath });
  testRes.ele('file', { href: testPath });
  itemPaths.forEach((_, i) => testRes.ele('dependency', { identifierref: `RES-${itemId(i)}` }));
  itemPaths.forEach((href, i) => {
    resources.ele('resource', { identifier: `RES-${itemId(i)}`, type: 'imsqti_item_xmlv2p1', href }).ele('file', { href });
  });
  return doc.end({ prettyPrint: true });
}

/** Every file of the package, before zipping: the manifest, the test, one item per question. */
export function qtiFiles(quiz: ExportQuiz): QtiFile[] {
  const itemPaths = quiz.questions.map((_, i) => `items/${itemId(i)}.xml`);
  const testPath = 'tests/test.xml';
  return [
    { path: 'imsmanifest.xml', xml: manifest(testPath, itemPaths) },
    { path: testPath, xml: qtiTest(quiz, itemPaths) },
    ...quiz.questions.map((q, i) => ({ path: itemPaths[i] ?? '', xml: qtiItem(q, i) })),
  ];
}

/** The IMS content package as zip bytes; a fixed timestamp keeps equal quizzes byte-equal. */
export function toQti21(quiz: ExportQuiz): Uint8Array {
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  const mtime = new Date('2000-01-01T00:00:00Z');
  for (const file of qtiFiles(quiz)) entries[file.path] = [strToU8(file.xml), { mtime }];
  return zipSync(entries, { level: 6 });
}

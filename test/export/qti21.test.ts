import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser } from 'fast-xml-parser';
import { strFromU8, unzipSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { toQti21 } from '../../src/export/qti21.js';
import { correctIndexes, kindOf, letter } from '../../src/export/types.js';
import { expected, hostileQuiz } from './hostile.js';

/** The official QTI 2.1 XSD lives in the workplace's shared folder, beside the repository. */
const XSD = fileURLToPath(new URL('../../../shared/qti-2.1/imsqti_v2p1p2.xsd', import.meta.url));
const HAVE_XSD = existsSync(XSD);
if (!HAVE_XSD && process.env.CI) throw new Error(`QTI XSD missing at ${XSD}: CI must validate exports against it`);
if (!HAVE_XSD) console.warn(`QTI schema validation skipped: no ${XSD} (CI always runs it).`);

const parser = new XMLParser({
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ['simpleChoice', 'value', 'resource', 'dependency', 'assessmentItemRef'].includes(name),
});

const quiz = hostileQuiz();
const files = unzipSync(toQti21(quiz));
const text = (path: string): string => {
  const bytes = files[path];
  if (!bytes) throw new Error(`${path} missing from the package`);
  return strFromU8(bytes);
};
const work = mkdtempSync(join(tmpdir(), 'qti-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('QTI 2.1 content package', () => {
  it('holds a manifest, one test and one item per question, all listed as resources', () => {
    const names = Object.keys(files).sort();
    expect(names).toEqual(['imsmanifest.xml', 'tests/test.xml', ...quiz.questions.map((_, i) => `items/Q${i + 1}.xml`)].sort());
    const manifest = parser.parse(text('imsmanifest.xml')) as {
      manifest: { resources: { resource: { '@_type': string; '@_href': string; dependency?: unknown[] }[] } };
    };
    const resources = manifest.manifest.resources.resource;
    expect(resources.filter((r) => r['@_type'] === 'imsqti_item_xmlv2p1').map((r) => r['@_href'])).toEqual(
      quiz.questions.map((_, i) => `items/Q${i + 1}.xml`),
    );
    const test = resources.find((r) => r['@_type'] === 'imsqti_test_xmlv2p1');
    expect(test?.['@_href']).toBe('tests/test.xml');
    expect(test?.dependency).toHaveLength(quiz.questions.length);
    const assessment = parser.parse(text('tests/test.xml')) as {
      assessmentTest: { testPart: { assessmentSection: { assessmentItemRef: { '@_href': string }[] } } };
    };
    expect(assessment.assessmentTest.testPart.assessmentSection.assessmentItemRef.map((r) => r['@_href'])).toEqual(
      quiz.questions.map((_, i) => `../items/Q${i + 1}.xml`),
    );
  });

  it('keeps each item\'s prompt, choices, cardinality and key', () => {
    quiz.questions.forEach((q, i) => {
      const item = (parser.parse(text(`items/Q${i + 1}.xml`)) as { assessmentItem: unknown }).assessmentItem as {
        responseDeclaration: { '@_cardinality': string; correctResponse: { value: string[] } };
        itemBody: { rubricBlock: { p: string }; choiceInteraction: { '@_maxChoices': string; prompt: string; simpleChoice: { '#text': string; '@_identifier': string }[] } };
        responseProcessing: { '@_template': string };
      };
      const multiple = kindOf(q) === 'multiple';
      expect(item.responseDeclaration['@_cardinality']).toBe(multiple ? 'multiple' : 'single');
      expect(item.responseDeclaration.correctResponse.value).toEqual(correctIndexes(q).map(letter));
      const interaction = item.itemBody.choiceInteraction;
      expect(interaction['@_maxChoices']).toBe(String(multiple ? q.options.length : 1));
      expect(interaction.prompt.trim()).toBe(expected(q.question));
      expect(interaction.simpleChoice.map((c) => c['#text'].trim())).toEqual(q.options.map(expected));
      expect(item.itemBody.rubricBlock.p.trim()).toBe(expected(q.explanation));
      expect(item.responseProcessing['@_template']).toBe('http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct');
    });
  });

  it.skipIf(!HAVE_XSD)('validates every item and the test against the official QTI 2.1 XSD (xmllint)', () => {
    const paths = Object.keys(files).filter((p) => p !== 'imsmanifest.xml');
    for (const p of paths) {
      const file = join(work, p);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, files[p] ?? new Uint8Array());
    }
    const run = () => execFileSync('xmllint', ['--noout', '--schema', XSD, ...paths.map((p) => join(work, p))], { encoding: 'utf8', stdio: 'pipe' });
    expect(run).not.toThrow();
  });
});

/**
 * The demo batches the shipped fixtures can serve offline, and the scripted "model" that answered
 * them when they were recorded. The recorder (demo-fixtures.ts), the replay test and the README
 * all read this one list, so what is documented is what is recorded.
 */
import type { ScriptFn, ScriptedReply } from '../model/scripted-server.js';
import { answerText, readAsk, withVerifier, type DemoQuestion } from './demo-model.js';
import { DEMO_SOURCE_ID, EVIDENCE_TOPIC, MULTIPLE_TOPIC, TRUE_FALSE_TOPIC, groundedReply } from './demo-grounded.js';

export interface DemoBatch {
  name: string;
  /** The request exactly as a client sends it; defaults fill in the rest. */
  request: { topic?: string; count: number; sourceId?: string; type?: 'multiple' | 'true_false' };
  outcome: string;
}

export const DEMO_BATCHES = {
  success: {
    name: 'first-try success over two chunks',
    request: { topic: 'The water cycle', count: 8 },
    outcome: 'succeeded: chunks of 5 and 3 answered correctly at once; assemble spreads the answers (the model put them all at B)',
  },
  repair: {
    name: 'targeted repair',
    request: { topic: 'The solar system', count: 5 },
    outcome:
      'succeeded after one repair: questions[1] had a meta-option and questions[3] an out-of-range answer; the repair asked for those two only',
  },
  refusal: {
    name: 'refusal',
    request: { topic: "Getting into a neighbour's locked house", count: 3 },
    outcome: 'failed at once: the chunk is dead-lettered with reason refusal after one call',
  },
  exhausted: {
    name: 'attempts exhausted, then DLQ replay',
    request: { topic: 'Medieval Baltic trade law', count: 3 },
    outcome:
      'failed: three answers in a row break a rule, the chunk is dead-lettered with reason validation; replaying it from the DLQ continues the repair conversation and the batch succeeds',
  },
  sourced: {
    name: 'questions from a source, each with evidence',
    request: { sourceId: DEMO_SOURCE_ID, count: 5 },
    outcome: `succeeded at once over fixtures/documents/honeybees.md (after \`quizforge sources add\` it is ${DEMO_SOURCE_ID}): every question quotes its section; the topic defaults to the title`,
  },
  evidence: {
    name: 'evidence repair',
    request: { sourceId: DEMO_SOURCE_ID, topic: EVIDENCE_TOPIC, count: 3 },
    outcome: 'succeeded after one repair: questions[1] quoted a sentence the document never says (evidence_not_found); the repair asked for that one only',
  },
  multiple: {
    name: 'multiple-answer questions',
    request: { topic: MULTIPLE_TOPIC, count: 4, type: 'multiple' },
    outcome: 'succeeded at once: each question has correctAnswers (one to three of four options)',
  },
  wrongKey: {
    name: 'a wrong key caught by verification',
    request: { topic: 'Everyday chemistry', count: 3 },
    outcome:
      'succeeded after one repair: the model keyed questions[1] to "Oxygen"; the verification call answered "Nitrogen" (answer_disputed), the repair fixed the key, and the repaired question was verified again',
  },
  trueFalse: {
    name: 'true/false statements',
    request: { topic: TRUE_FALSE_TOPIC, count: 4, type: 'true_false' },
    outcome: 'succeeded at once: the prompt assigned positions 0 and 2 true, 1 and 3 false, and the answer kept to that plan',
  },
} as const satisfies Record<string, DemoBatch>;

const q = (question: string, options: string[], correctAnswer: number, explanation: string): DemoQuestion => ({
  question,
  options,
  correctAnswer,
  explanation,
});

const WATER_CYCLE: DemoQuestion[] = [
  q('What process turns liquid water from oceans and lakes into water vapour?', ['Condensation', 'Evaporation', 'Precipitation', 'Infiltration'], 1, 'Evaporation is the change of liquid water into vapour, driven mainly by the sun’s heat.'),
  q('What forms when water vapour in the air cools and becomes tiny droplets?', ['Groundwater', 'Clouds', 'Glaciers', 'Aquifers'], 1, 'Cooling vapour condenses on dust particles into droplets, and masses of droplets are clouds.'),
  q('Which term describes water falling from clouds as rain, snow, sleet or hail?', ['Transpiration', 'Precipitation', 'Sublimation', 'Runoff'], 1, 'Precipitation is any form of water that falls from clouds to the ground.'),
  q('What do we call the release of water vapour from the leaves of plants?', ['Percolation', 'Transpiration', 'Condensation', 'Deposition'], 1, 'Plants draw water up from their roots and release vapour through pores in their leaves: transpiration.'),
  q('What is the main source of energy that drives the water cycle?', ['The Earth’s core', 'The Sun', 'The Moon’s gravity', 'Ocean currents'], 1, 'Solar energy heats water so it evaporates; the whole cycle runs on that input.'),
  q('Where is most of the Earth’s liquid fresh water stored?', ['In rivers', 'Underground, as groundwater', 'In the atmosphere', 'In lakes'], 1, 'Excluding ice, the great majority of liquid fresh water lies underground in aquifers.'),
  q('What is surface runoff?', ['Water soaking into soil', 'Water flowing over land into streams', 'Vapour rising from leaves', 'Ice turning directly into vapour'], 1, 'Runoff is precipitation that flows over the land surface instead of soaking in.'),
  q('What process turns ice directly into water vapour without melting first?', ['Condensation', 'Sublimation', 'Infiltration', 'Precipitation'], 1, 'Sublimation is the direct change from solid to gas, common on dry, sunny, windy glaciers.'),
];

const SOLAR_FIRST: unknown[] = [
  q('Which planet is closest to the Sun?', ['Venus', 'Mercury', 'Earth', 'Mars'], 1, 'Mercury orbits closest to the Sun, at about 58 million km on average.'),
  q('Which planet is known for its prominent ring system?', ['Jupiter', 'Saturn', 'Uranus', 'All of the above'], 1, 'Saturn’s rings are by far the most prominent, though other giants have faint rings.'),
  q('What is the largest planet in the solar system?', ['Saturn', 'Jupiter', 'Neptune', 'Earth'], 1, 'Jupiter is more than twice as massive as all the other planets combined.'),
  q('Which planet is called the Red Planet?', ['Venus', 'Mars', 'Mercury', 'Jupiter'], 4, 'Iron oxide dust on its surface gives Mars its reddish colour.'),
  q('What is at the centre of the solar system?', ['The Earth', 'The Sun', 'Jupiter', 'The Moon'], 1, 'The Sun holds about 99.8% of the solar system’s mass and everything orbits it.'),
];

const SOLAR_REPAIRS: Record<number, DemoQuestion> = {
  1: q('Which planet has the most extensive and visible ring system?', ['Jupiter', 'Saturn', 'Uranus', 'Neptune'], 1, 'All four giants have rings, but Saturn’s are the brightest and broadest.'),
  3: q('Which planet is called the Red Planet?', ['Venus', 'Mars', 'Mercury', 'Jupiter'], 1, 'Iron oxide dust on its surface gives Mars its reddish colour.'),
};

const BALTIC_FIRST: DemoQuestion[] = [
  q('Which city was the leading member of the Hanseatic League?', ['Riga', 'Lübeck', 'Bergen', 'Novgorod'], 1, 'Lübeck hosted the League’s diets and its law was adopted by many Baltic towns.'),
  q('Under which law code were many Baltic towns founded, Lübeck law or Magdeburg law?', ['Magdeburg law', 'Lübeck law', 'Roman law', 'Canon law'], 1, 'Coastal towns such as Reval and Danzig received Lübeck law.'),
  q('What was a Kontor in the Hanseatic trade network?', ['A ship type', 'A foreign trading post', 'A tax collector', 'A guild court'], 1, 'Kontore were the League’s major trading posts abroad, such as Bergen, London, Bruges and Novgorod.'),
];

const BALTIC_RETRIES: DemoQuestion[] = [
  q('Which of these was a Hanseatic Kontor?', ['The Steelyard in London', 'The Steelyard in London ', 'The Peterhof', 'Bruges'], 0, 'The Steelyard was the Hanseatic Kontor in London.'),
  q('Which of these was a Hanseatic Kontor?', ['The Steelyard in London', 'Venice', 'Genoa', 'None of the above'], 0, 'The Steelyard was the Hanseatic Kontor in London.'),
];

const BALTIC_AFTER_REPLAY = q('Where was the Hanseatic Kontor known as the Peterhof?', ['Bergen', 'Novgorod', 'London', 'Bruges'], 1, 'The Peterhof was the League’s trading post in Novgorod, its gateway to Russian furs and wax.');

const CHEMISTRY_FIRST: DemoQuestion[] = [
  q('Which element has the chemical symbol Fe?', ['Fluorine', 'Iron', 'Lead', 'Tin'], 1, 'Fe comes from ferrum, the Latin word for iron.'),
  q('Which gas makes up most of the Earth’s atmosphere?', ['Oxygen', 'Nitrogen', 'Carbon dioxide', 'Argon'], 0, 'Oxygen makes up most of the air we breathe.'),
  q('How many protons does a carbon atom have?', ['Four', 'Six', 'Eight', 'Twelve'], 1, 'Carbon is element number 6: every carbon atom has six protons.'),
];

const CHEMISTRY_REPAIRS: Record<number, DemoQuestion> = {
  1: q('Which gas makes up most of the Earth’s atmosphere?', ['Oxygen', 'Nitrogen', 'Carbon dioxide', 'Argon'], 1, 'Nitrogen is about 78% of dry air; oxygen is about 21%.'),
};

/** What the demo verifier knows better than the demo model: the truth behind the wrong key. */
const VERIFIER_TRUTH = new Map<string, readonly string[]>([['Which gas makes up most of the Earth’s atmosphere?', ['Nitrogen']]]);

/**
 * What the demo "model" answers; each topic's replies advance with each request it receives for it.
 * Verification calls are answered by an honest solver (`withVerifier`) that knows the keys the
 * model gave, except where `VERIFIER_TRUTH` knows better.
 */
export function demoScript(): ScriptFn {
  return withVerifier(demoModel(), VERIFIER_TRUTH);
}

function demoModel(): ScriptFn {
  const seen = new Map<string, number>();
  return ({ body }): ScriptedReply => {
    const ask = readAsk(body);
    const n = (seen.get(ask.topic) ?? 0) + 1;
    seen.set(ask.topic, n);
    const usage = { promptTokens: 180 + 40 * body.messages.length, completionTokens: 90 * ask.count };
    switch (ask.topic) {
      case DEMO_BATCHES.success.request.topic:
        return { content: answerText(ask.count === 5 ? WATER_CYCLE.slice(0, 5) : WATER_CYCLE.slice(5)), usage };
      case DEMO_BATCHES.repair.request.topic:
        if (!ask.repair) return { content: `\`\`\`json\n${JSON.stringify({ questions: SOLAR_FIRST }, null, 2)}\n\`\`\``, usage };
        return { content: answerText(ask.failing.map((pos) => SOLAR_REPAIRS[pos])), usage };
      case DEMO_BATCHES.refusal.request.topic:
        return { refusal: 'I can’t help with getting into someone else’s home without their permission.' };
      case DEMO_BATCHES.exhausted.request.topic: {
        if (!ask.repair) {
          // Position 1 gives its answer away: "Lübeck law" appears in the question.
          return { content: answerText(BALTIC_FIRST), usage };
        }
        const retry = BALTIC_RETRIES[n - 2];
        return { content: answerText([retry ?? BALTIC_AFTER_REPLAY]), usage };
      }
      case DEMO_BATCHES.wrongKey.request.topic:
        return { content: answerText(ask.repair ? ask.failing.map((pos) => CHEMISTRY_REPAIRS[pos]) : CHEMISTRY_FIRST), usage };
      default:
        return groundedReply(ask, usage) ?? { status: 404, error: { message: `the demo model knows no topic ${JSON.stringify(ask.topic)}`, type: 'invalid_request_error' } };
    }
  };
}

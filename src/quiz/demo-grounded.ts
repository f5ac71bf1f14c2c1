/**
 * The demo "model" answers for the source-grounded and typed demo batches (demo-scenarios.ts lists
 * them). The grounded ones quote `fixtures/documents/honeybees.md` verbatim; the evidence-repair
 * scenario first quotes a sentence the document never says.
 */
import type { ScriptedReply } from '../model/scripted-server.js';
import { answerText, type QuizAsk } from './demo-model.js';

/** The shipped demo document; its source id follows from its bytes (see `sourceIdFor`). */
export const DEMO_DOCUMENT = 'fixtures/documents/honeybees.md';
export const DEMO_SOURCE_ID = 'src_36c178bcf4a365bbb441f612';
export const DEMO_SOURCE_TITLE = 'How honeybees make honey';
export const EVIDENCE_TOPIC = 'Honeybee foraging';
export const MULTIPLE_TOPIC = 'Primary colours of light';
export const TRUE_FALSE_TOPIC = 'The human skeleton';

const grounded = (question: string, options: string[], correctAnswer: number, explanation: string, sectionId: string, quote: string) => ({
  question,
  options,
  correctAnswer,
  explanation,
  evidence: { quote, sectionId },
});

const HONEY: unknown[] = [
  grounded('How many queens does a honeybee colony have?', ['One', 'Two', 'Five', 'About a hundred'], 0, 'The colony has a single queen, who lays all the eggs.', 's1', 'A honeybee colony has one queen, a few hundred male drones and tens of thousands of female worker bees.'),
  grounded('Which bees of a colony fly out to collect food?', ['The youngest workers', 'The oldest workers', 'The drones', 'The queen'], 1, 'Workers change jobs as they age; the oldest become foragers.', 's1', 'the oldest become foragers that fly out to collect food'),
  grounded('What does pollen supply to the colony?', ['Sugar for energy', 'Protein for the larvae', 'Wax for the comb', 'Water for cooling'], 1, 'Nectar becomes honey; pollen supplies the protein the larvae need.', 's2', 'pollen, which supplies the protein the larvae need'),
  grounded('In the waggle dance, what does the length of the waggle run show?', ['The direction of the flowers', 'How far away the flowers are', 'How much nectar there is', 'The time of day'], 1, 'The angle shows the direction; the length of the run shows the distance.', 's2', 'the length of the waggle run shows how far away they are'),
  grounded('Below about what water content does honey stop fermenting?', ['Five percent', 'Eighteen percent', 'Forty percent', 'Sixty percent'], 1, 'Bees dry the nectar until it holds less than about eighteen percent water, then cap the cell.', 's3', 'When the honey holds less than about eighteen percent water it no longer ferments'),
];

const DANCE = (quote: string) =>
  grounded('What does the angle of the waggle dance on the comb show?', ['How far away the flowers are', 'The direction of the flowers relative to the sun', 'How many bees should follow', 'The colour of the flowers'], 1, 'The angle of the dance gives the direction of the flowers relative to the sun.', 's2', quote);

const FORAGING_FIRST: unknown[] = [
  grounded('Where does a forager carry nectar home?', ['In her mouth', 'In a special honey stomach', 'In pollen baskets on her legs', 'Under her wings'], 1, 'Nectar travels in a honey stomach, separate from the stomach she digests food with.', 's2', 'A forager carries nectar home in a special honey stomach'),
  // Plausible, but the document never says it: evidence_not_found → a targeted repair of this one.
  DANCE('The dance angle tells the other bees which way to fly.'),
  grounded('What do house bees add to nectar to split its sucrose?', ['Wax', 'Enzymes', 'Pollen', 'Water'], 1, 'House bees add enzymes that split sucrose into simpler sugars.', 's3', 'younger house bees, who add enzymes that split its sucrose into simpler sugars'),
];

const FORAGING_REPAIR = DANCE('The angle of the dance on the comb shows the direction of the flowers relative to the sun');

const multiple = (question: string, options: string[], correctAnswers: number[], explanation: string) => ({ type: 'multiple', question, options, correctAnswers, explanation });

const COLOURS: unknown[] = [
  multiple('Which of these are primary colours of light? Select all that apply.', ['Red', 'Green', 'Yellow', 'Purple'], [0, 1], 'The additive primaries are red, green and blue.'),
  multiple('Which of these make their colours by mixing red, green and blue light? Select all that apply.', ['A phone screen', 'A printed poster', 'A television screen', 'A painted wall'], [0, 2], 'Screens glow in the three primaries of light; prints and paint reflect light through pigments.'),
  multiple('Which of these combinations of light give white? Select all that apply.', ['Red, green and blue', 'Yellow and blue', 'Red and green', 'Cyan and red'], [0, 1, 3], 'All three primaries, or a colour and its complement, add up to white.'),
  multiple('Which of these colours of light has the longest wavelength? Select all that apply.', ['Red', 'Blue', 'Violet', 'Green'], [0], 'Red light has the longest wavelength of the visible spectrum, about 700 nm.'),
];

const tf = (question: string, correctAnswer: number, explanation: string) => ({ type: 'true_false', question, options: ['True', 'False'], correctAnswer, explanation });

// The truth plan alternates from true: positions 0 and 2 true, 1 and 3 false.
const SKELETON: unknown[] = [
  tf('An adult human skeleton has 206 bones.', 0, 'Most adults have 206 bones once the bones of childhood have fused.'),
  tf('The femur is the smallest bone in the human body.', 1, 'The femur is the longest bone; the smallest is the stapes in the middle ear.'),
  tf('The skull protects the brain.', 0, 'The cranial bones of the skull enclose and protect the brain.'),
  tf('Babies are born with fewer bones than adults have.', 1, 'Babies have about 270 bones; many fuse as they grow, leaving 206.'),
];

/** The reply for one of these demo topics, or null for a topic they do not know. */
export function groundedReply(ask: QuizAsk, usage: { promptTokens: number; completionTokens: number }): ScriptedReply | null {
  switch (ask.topic) {
    case DEMO_SOURCE_TITLE:
      return { content: answerText(HONEY.slice(0, ask.count)), usage };
    case EVIDENCE_TOPIC:
      return { content: answerText(ask.repair ? ask.failing.map(() => FORAGING_REPAIR) : FORAGING_FIRST), usage };
    case MULTIPLE_TOPIC:
      return { content: answerText(COLOURS.slice(0, ask.count)), usage };
    case TRUE_FALSE_TOPIC:
      return { content: answerText(SKELETON.slice(0, ask.count)), usage };
    default:
      return null;
  }
}

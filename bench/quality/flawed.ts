import type { FlawCode } from '../../src/quiz/validate/flaws/index.js';
import type { CorpusItem } from './types.js';

const f = (id: string, flaws: FlawCode[], question: string, options: string[], correctAnswer: number): CorpusItem => ({ id, flaws, question, options, correctAnswer });

/** Items written with one known flaw each (the label), eight per rule. */
export const FLAWED: CorpusItem[] = [
  // The key is conspicuously the longest option.
  f('l1', ['longest_key'], 'Why do seasons occur on Earth?', ['Distance to the Sun', 'Because the Earth’s axis is tilted relative to its orbit', 'Solar flares', 'Ocean tides'], 1),
  f('l2', ['longest_key'], 'What is inflation?', ['A tax', 'A general rise in prices across an economy over time', 'A bank', 'A loan'], 1),
  f('l3', ['longest_key'], 'What did the Magna Carta establish?', ['A navy', 'Limits on royal power and certain rights for free men', 'A church', 'A census'], 1),
  f('l4', ['longest_key'], 'What is a prime number?', ['An even number', 'A whole number greater than 1 divisible only by 1 and itself', 'A fraction', 'A square'], 1),
  f('l5', ['longest_key'], 'What causes thunder?', ['Clouds colliding', 'Rapid expansion of air heated by a lightning discharge', 'Rain falling', 'Wind'], 1),
  f('l6', ['longest_key'], 'What does a compiler do?', ['Runs tests', 'Translates source code into machine code before it runs', 'Edits files', 'Sends email'], 1),
  f('l7', ['longest_key'], 'What is osmosis?', ['Cell division', 'Movement of water across a semi-permeable membrane toward higher solute', 'Breathing', 'Digestion'], 1),
  f('l8', ['longest_key'], 'What was the Marshall Plan?', ['A war', 'An American programme of economic aid to rebuild Western Europe after 1945', 'A treaty', 'A map'], 1),
  // The stem ends with an article only the key fits.
  f('a1', ['grammar_article_cue'], 'A tool used to measure angles is called an', ['ruler', 'protractor', 'compass', 'inclinometer'], 3),
  f('a2', ['grammar_article_cue'], 'The organ that pumps blood through the body is a', ['intestine', 'artery', 'heart', 'aorta'], 2),
  f('a3', ['grammar_article_cue'], 'A word that describes a noun is an', ['verb', 'adjective', 'pronoun', 'preposition'], 1),
  f('a4', ['grammar_article_cue'], 'Mount Fuji is an example of a', ['island', 'ocean', 'volcano', 'estuary'], 2),
  f('a5', ['grammar_article_cue'], 'An animal that eats only plants is an', ['carnivore', 'herbivore', 'omnivore', 'predator'], 2),
  f('a6', ['grammar_article_cue'], 'A six-sided polygon is a', ['octagon', 'hexagon', 'icosagon', 'ellipse'], 1),
  f('a7', ['grammar_article_cue'], 'Gold is an example of an', ['gas', 'compound', 'element', 'mixture'], 2),
  f('a8', ['grammar_article_cue'], 'A scientist who studies fossils is a', ['astronomer', 'palaeontologist', 'entomologist', 'oceanographer'], 1),
  // Only the key agrees in number with the stem.
  f('n1', ['grammar_number_cue', 'option_contained'], 'The primary colours of light are', ['red', 'red, green and blue', 'yellow', 'magenta'], 1),
  f('n2', ['grammar_number_cue'], 'The noble gases helium and neon are', ['a metal', 'inert elements', 'a compound', 'an acid'], 1),
  f('n3', ['grammar_number_cue'], 'The largest planet in the solar system is', ['Saturn and Uranus', 'Jupiter', 'Neptune and Mars', 'the inner planets'], 1),
  f('n4', ['grammar_number_cue'], 'The building blocks of proteins are', ['a sugar', 'amino acids', 'a lipid', 'a vitamin'], 1),
  f('n5', ['grammar_number_cue'], 'The gas that plants absorb for photosynthesis is', ['oxygen and nitrogen', 'carbon dioxide', 'hydrogen and helium', 'noble gases'], 1),
  f('n6', ['grammar_number_cue'], 'The bones that protect the lungs are', ['the skull', 'the ribs', 'the pelvis', 'the femur'], 1),
  f('n7', ['grammar_number_cue'], 'The capital of Australia is', ['Sydney and Melbourne', 'Canberra', 'the states', 'Perth and Darwin'], 1),
  f('n8', ['grammar_number_cue'], 'The subatomic particles found in the nucleus are', ['an electron', 'protons and neutrons', 'a photon', 'a quark'], 1),
  // A negative stem that is not emphasised.
  f('x1', ['negative_stem_unemphasised'], 'Which of these is not a mammal?', ['Whale', 'Shark', 'Bat', 'Dolphin'], 1),
  f('x2', ['negative_stem_unemphasised'], 'All of these are primary colours of paint except which?', ['Red', 'Blue', 'Green', 'Yellow'], 2),
  f('x3', ['negative_stem_unemphasised'], 'Which planet does not have a moon?', ['Earth', 'Mars', 'Venus', 'Jupiter'], 2),
  f('x4', ['negative_stem_unemphasised'], 'Which of these metals is least reactive?', ['Sodium', 'Gold', 'Potassium', 'Calcium'], 1),
  f('x5', ['negative_stem_unemphasised'], 'Which language is Not a Romance language?', ['Italian', 'Portuguese', 'German', 'Romanian'], 2),
  f('x6', ['negative_stem_unemphasised'], 'Which animal cannot fly?', ['Eagle', 'Penguin', 'Sparrow', 'Bat'], 1),
  f('x7', ['negative_stem_unemphasised'], 'Which of the following countries is not in South America?', ['Peru', 'Chile', 'Mexico', 'Bolivia'], 2),
  f('x8', ['negative_stem_unemphasised'], 'Every one of these is a prime number Except which one?', ['2', '3', '9', '11'], 2),
  // Absolute words only in distractors.
  f('b1', ['absolute_in_distractors'], 'What happens to most metals when they are heated?', ['They always melt at once', 'They expand', 'They never change', 'They become magnetic'], 1),
  f('b2', ['absolute_in_distractors'], 'How does regular exercise affect the heart?', ['It strengthens the cardiac muscle', 'It never has any effect', 'It always weakens it', 'It stops it'], 0),
  f('b3', ['absolute_in_distractors'], 'How do antibiotics work against infections?', ['They kill every virus', 'They target bacteria', 'They cure all diseases', 'They boost mood'], 1),
  f('b4', ['absolute_in_distractors'], 'What is true of igneous rocks?', ['They form from cooled magma or lava', 'They only form in oceans', 'They are completely made of fossils', 'They are soft'], 0),
  f('b5', ['absolute_in_distractors'], 'What is a feature of democracies?', ['Citizens vote in elections', 'The army must rule', 'Only kings decide', 'Nobody votes'], 0),
  f('b6', ['absolute_in_distractors'], 'How does caffeine usually affect alertness?', ['It makes people more awake', 'It is entirely harmless', 'It makes everyone sleep', 'It never works'], 0),
  f('b7', ['absolute_in_distractors'], 'What do unit tests check?', ['Small pieces of code in isolation', 'All production traffic', 'Every user’s opinion', 'The network'], 0),
  f('b8', ['absolute_in_distractors'], 'What can be said about the speed of sound in air?', ['It depends on the temperature', 'It is always constant', 'It is invariably faster than light', 'It is zero'], 0),
  // One option contains another.
  f('o1', ['option_contained'], 'Which city is the capital of France?', ['Paris', 'Paris, Texas', 'Lyon', 'Marseille'], 0),
  f('o2', ['option_contained'], 'Which organ produces insulin?', ['Pancreas', 'Liver', 'Liver and pancreas', 'Kidney'], 0),
  f('o3', ['option_contained'], 'Which colour results from mixing blue and yellow paint?', ['Green', 'Dark green', 'Orange', 'Purple'], 0),
  f('o4', ['option_contained'], 'Which war ended in 1945?', ['World War II', 'The Korean War', 'World War', 'The Vietnam War'], 0),
  f('o5', ['option_contained'], 'Which instrument has 88 keys?', ['Piano', 'Grand piano', 'Violin', 'Flute'], 0),
  f('o6', ['option_contained'], 'Which planet is known as the Red Planet?', ['Mars', 'Venus', 'Mars and Venus', 'Jupiter'], 0),
  f('o7', ['option_contained'], 'Which sea lies between Europe and Africa?', ['Mediterranean Sea', 'Red Sea', 'Black Sea', 'Mediterranean'], 0),
  f('o8', ['option_contained'], 'Which data type stores whole numbers in most languages?', ['Integer', 'Unsigned integer', 'String', 'Boolean'], 0),
  // The key repeats a distinctive stem word no distractor shares.
  f('k1', ['key_repeats_stem_word'], 'Which process releases energy from glucose in cellular respiration?', ['Photosynthesis', 'Cellular oxidation', 'Transpiration', 'Osmosis'], 1),
  f('k2', ['key_repeats_stem_word'], 'Which kind of energy is held by a stretched spring?', ['Kinetic', 'Elastic energy', 'Thermal', 'Nuclear'], 1),
  f('k3', ['key_repeats_stem_word'], 'Which economic system relies on a free market?', ['Command economy', 'Market economy', 'Feudalism', 'Barter'], 1),
  f('k4', ['key_repeats_stem_word'], 'Which device converts alternating current into direct current?', ['Transformer', 'Current rectifier', 'Capacitor', 'Inductor'], 1),
  f('k5', ['key_repeats_stem_word'], 'What kind of tissue makes up the skeleton?', ['Nervous', 'Skeleton bone', 'Blood', 'Muscle'], 1),
  f('k6', ['key_repeats_stem_word'], 'Which type of government is ruled by a monarch?', ['Republic', 'Monarchy led by a monarch', 'Oligarchy', 'Theocracy'], 1),
  f('k7', ['key_repeats_stem_word'], 'Which gland produces the hormone insulin?', ['Thyroid', 'Insulin-secreting pancreas', 'Adrenal', 'Pituitary'], 1),
  f('k8', ['key_repeats_stem_word'], 'What type of triangle has three equal sides?', ['Scalene', 'Equilateral triangle', 'Isosceles', 'Right'], 1),
  // Implausible distractors a program can see.
  f('p1', ['implausible_distractor'], 'Which gas do humans exhale the most of compared with what they inhale?', ['Carbon dioxide', 'N/A', 'Argon', 'Neon'], 0),
  f('p2', ['implausible_distractor'], 'Who discovered penicillin?', ['Alexander Fleming', 'Option B', 'Option C', 'Option D'], 0),
  f('p3', ['implausible_distractor'], 'What is the largest organ of the human body?', ['Skin', '???', 'Liver', 'Lungs'], 0),
  f('p4', ['implausible_distractor'], 'Which city hosts the United Nations headquarters?', ['New York', 'Geneva', 'TBD', 'Vienna'], 0),
  f('p5', ['implausible_distractor'], 'Which alloy is made of copper and tin?', ['Bronze', 'Brass', '-', 'Steel'], 0),
  f('p6', ['implausible_distractor'], 'Which scientist formulated the laws of motion?', ['Isaac Newton', 'Wrong answer', 'Galileo Galilei', 'Johannes Kepler'], 0),
  f('p7', ['implausible_distractor'], 'What is the main language of Brazil?', ['Portuguese', 'Distractor 1', 'Distractor 2', 'Spanish'], 0),
  f('p8', ['implausible_distractor'], 'Which planet has the Great Red Spot?', ['Jupiter', 'Saturn', 'xxxx', 'Neptune'], 0),
];

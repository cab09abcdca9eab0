// Owns the `questions` section (issue 5): the catalogue of security questions, how many a user
// answers to turn the layer on, how many a login asks, and the shortest answer accepted.
// Impossible combinations are refused here, at the key an operator would change.

import { z } from 'zod';

/** The shipped catalogue: questions whose answers a person keeps for life and rarely publishes. */
export const DEFAULT_QUESTIONS = [
  { id: 'first-pet', text: 'What was the name of your first pet?' },
  { id: 'childhood-street', text: 'What was the name of the street you grew up on?' },
  { id: 'first-school', text: 'What was the name of your first school?' },
  { id: 'childhood-friend', text: 'What was the first name of your best friend as a child?' },
  { id: 'first-concert', text: 'What was the first concert you went to?' },
  { id: 'first-car', text: 'What was the make and model of your first car?' },
  { id: 'parents-meeting', text: 'In what town did your parents meet?' },
  { id: 'childhood-hero', text: 'Who was your childhood hero?' },
] as const;

/** Question ids appear in form field names and store records: short, lower-case, stable. */
export const QUESTION_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

const question = z.strictObject({
  id: z
    .string()
    .regex(QUESTION_ID, 'must be 1-40 characters of a-z, 0-9 and "-" (it names stored answers: never rename one)')
    .describe('Stable id; answers are stored under it.'),
  text: z.string().trim().min(5).max(200).describe('The question as the user reads it.'),
});

export const questionsSchema = z
  .strictObject({
    catalogue: z
      .array(question)
      .min(1)
      .meta({ type: 'list of { id, text }' })
      .default(DEFAULT_QUESTIONS.map((entry) => ({ ...entry })))
      .describe(
        'The questions offered, each { id, text }. Removing one a user answered can leave them with too few to be asked (a reset fixes it).',
      ),
    required: z.number().int().min(1).default(5).describe('Answers a user gives to turn security questions on.'),
    asked: z.number().int().min(1).default(2).describe('Questions asked at each login (all must be right).'),
    min_answer_length: z
      .number()
      .int()
      .min(1)
      .max(50)
      .default(3)
      .describe('Shortest answer accepted at enrollment, in characters after normalisation.'),
  })
  .prefault({})
  .superRefine((section, ctx) => {
    const seen = { id: new Map<string, number>(), text: new Map<string, number>() };
    section.catalogue.forEach((entry, index) => {
      for (const key of ['id', 'text'] as const) {
        const value = key === 'text' ? entry.text.toLowerCase() : entry.id;
        const first = seen[key].get(value);
        if (first !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['catalogue', index, key],
            message: `duplicates catalogue[${first}].${key}`,
          });
        } else seen[key].set(value, index);
      }
    });
    if (section.required > section.catalogue.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['required'],
        message: `must be at most the catalogue's ${section.catalogue.length} questions, got ${section.required}`,
      });
    }
    if (section.asked > section.required) {
      ctx.addIssue({
        code: 'custom',
        path: ['asked'],
        message: `must be at most required (${section.required}), got ${section.asked}`,
      });
    }
  })
  .describe(
    'Security questions, the alternative second step (weaker than TOTP: a knowledge check). A user answers `required` of the catalogue; a login asks `asked` of them.',
  );

export type QuestionsSettings = z.output<typeof questionsSchema>;

// @ts-check
// A scheme's eligibility questions and what they make of a client's answers (FTModel's
// Eligibility.swift), so that the new-dossier form asks the questions the server checks and shows
// the verdict before anything is sent. Checked against Tests/vectors/eligibility.json, like Swift.
//
// Answers are texts: "oui"/"non", a whole number in digits, or one of the choices.

/**
 * @typedef {{anyOf?: string[] | null, atLeast?: number | null, atMost?: number | null}} Condition
 * @typedef {{question: string, condition: Condition}} Dependency
 * @typedef {{key: string, text: string, kind: "yes_no" | "number" | "choice", choices?: string[] | null,
 *   askedWhen?: Dependency | null, requirement?: Condition | null, refusal?: string | null}} Question
 * @typedef {{eligible: true} | {eligible: false, reasons: string[]} | {problem: {question: string, message: string, missing: boolean}}} Verdict
 */

/** `Eligibility.maximumAnswers`. */
export const MAXIMUM_ANSWERS = 50;

/** `Condition.holds(for:)`. @param {Condition} condition @param {string} answer */
export function holds(condition, answer) {
  if (condition.anyOf && !condition.anyOf.includes(answer)) return false;
  const atLeast = condition.atLeast ?? null;
  const atMost = condition.atMost ?? null;
  if (atLeast !== null || atMost !== null) {
    if (!/^-?[0-9]{1,18}$/.test(answer)) return false;
    const number = Number(answer);
    if (atLeast !== null && number < atLeast) return false;
    if (atMost !== null && number > atMost) return false;
  }
  return true;
}

/** `EligibilityQuestion.accepts`. @param {Question} question @param {string} answer */
export function accepts(question, answer) {
  switch (question.kind) {
    case "yes_no":
      return answer === "oui" || answer === "non";
    case "number":
      return /^[0-9]{1,15}$/.test(answer);
    case "choice":
      return (question.choices ?? []).includes(answer);
  }
}

/**
 * The questions asked given the answers so far (`Eligibility.asked`).
 * @param {Question[]} questions @param {Record<string, string>} answers @returns {Question[]}
 */
export function asked(questions, answers) {
  /** @type {Question[]} */
  const result = [];
  const keys = new Set();
  for (const question of questions) {
    const dependency = question.askedWhen;
    if (dependency) {
      const earlier = Object.hasOwn(answers, dependency.question) ? answers[dependency.question] : undefined;
      if (!keys.has(dependency.question) || earlier === undefined || !holds(dependency.condition, earlier)) continue;
    }
    result.push(question);
    keys.add(question.key);
  }
  return result;
}

/** Swift's `String <`: by UTF-8 bytes, which code points order alike. @param {string} a @param {string} b */
const byCodePoint = (a, b) => {
  const x = [...a].map((c) => /** @type {number} */ (c.codePointAt(0)));
  const y = [...b].map((c) => /** @type {number} */ (c.codePointAt(0)));
  for (let i = 0; i < Math.min(x.length, y.length); i += 1) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
};

/**
 * The verdict on complete answers, or the first problem (`Eligibility.decide`).
 * @param {Question[]} questions @param {Record<string, string>} answers @returns {Verdict}
 */
export function decide(questions, answers) {
  const shown = asked(questions, answers);
  const keys = new Set(shown.map((question) => question.key));
  for (const key of Object.keys(answers).sort(byCodePoint)) {
    if (keys.has(key)) continue;
    const known = questions.some((question) => question.key === key);
    return {
      problem: {
        question: key, missing: false,
        message: known ? "cette question ne se pose pas avec les réponses précédentes" : `ce dispositif ne pose pas de question « ${[...key].slice(0, 40).join("")} »`,
      },
    };
  }
  /** @type {string[]} */
  const reasons = [];
  for (const question of shown) {
    const answer = Object.hasOwn(answers, question.key) ? answers[question.key] : undefined;
    if (answer === undefined) {
      return { problem: { question: question.key, missing: true, message: `réponse manquante : « ${question.text} »` } };
    }
    if (!accepts(question, answer)) {
      const expected = question.kind === "yes_no" ? "« oui » ou « non »" : question.kind === "number" ? "un nombre entier positif" : "l’un des choix proposés";
      return { problem: { question: question.key, missing: false, message: `la réponse à « ${question.text} » doit être ${expected}` } };
    }
    if (question.requirement && !holds(question.requirement, answer)) {
      reasons.push(question.refusal ?? `Réponse incompatible avec le dispositif : « ${question.text} »`);
    }
  }
  return reasons.length === 0 ? { eligible: true } : { eligible: false, reasons };
}

/**
 * Answers sent as a JSON object of texts (`Eligibility.answers(fromJSON:)`), or `null`.
 * @param {string} text @returns {Record<string, string> | null}
 */
export function answersFromJSON(text) {
  let object;
  try {
    object = JSON.parse(text);
  } catch {
    return null;
  }
  if (object === null || typeof object !== "object" || Array.isArray(object)) return null;
  const entries = Object.entries(object);
  if (entries.length > MAXIMUM_ANSWERS) return null;
  /** @type {Record<string, string>} */
  const answers = {};
  for (const [key, value] of entries) {
    if (typeof value !== "string" || new TextEncoder().encode(value).length > 200) return null;
    answers[key] = value;
  }
  return answers;
}

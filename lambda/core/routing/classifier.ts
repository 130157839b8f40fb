/**
 * Routing: the tier decision: the rules (v0) and the trained classifier (v1)
 * over prompt features, the token estimate, and the chain of models a decision
 * picks, with the reasons for it.
 *
 * Tier classification, v0: deterministic rules over cheap prompt features.
 *
 * Under-routing (a hard request sent to a cheap model) is the costly error,
 * over-routing only costs money, so every rule errs upwards: the tier is the
 * highest any rule asks for. Classifier v1 (`trained-classifier.ts`) routes
 * by default and reads these rules' findings as signals and floors;
 * `classifier.model: "rules"` in the policy routes by them alone.
 */
import type { ChatMessage } from '../model/message';
import type { Tier } from '../../policy/schema';
import { estimateTokens } from './token-estimate';
import { conversationText, latestRequest, latestRequestIndex, requestText, workState } from './agent-turn';

export interface PromptView {
  readonly messages: readonly ChatMessage[];
  /** The output budget the request asked for, if any. */
  readonly maxTokens: number | undefined;
  /** How many tools the request offers the model. @default 0 */
  readonly toolCount?: number | undefined;
}

export interface TierVerdict {
  readonly tier: Tier;
  /** Short ASCII phrases that explain the tier, strongest first. */
  readonly reasons: readonly string[];
}

export type PromptClassifier = (prompt: PromptView) => TierVerdict;

const LONG_CONTEXT_TOKENS = 8000;
const SHORT_PROMPT_TOKENS = 400;
const TINY_OUTPUT_TOKENS = 16;

interface Rule {
  readonly tier: Tier;
  readonly label: string;
  /** Matched against the lower-cased text unless case-sensitive: lower-casing once is faster than a case-insensitive regex. */
  readonly pattern: RegExp;
  readonly caseSensitive?: true;
}

/** Each rule fires on its first match; the matched words become the reason. */
const RULES: readonly Rule[] = [
  {
    tier: 3,
    label: 'high-stakes: medical',
    pattern:
      /\b(diagnos\w*|symptoms?|dosages?|prescri\w+|medications?|side effects?|contraindicat\w+|overdose|chest pain|pregnan\w+|tumou?r|cancer|insulin|antibiotics?|surgery|patients?|clinical|physician|disease|infection|syndrome|virus|vaccin\w+|artery|blood pressure|mg\/kg)\b/,
  },
  {
    tier: 3,
    label: 'high-stakes: legal',
    pattern:
      /\b(lawsuit|sue|liabilit\w+|attorney|lawyer|contract clause|breach of contract|tenant|landlord|evict\w*|defamation|copyright infringement|custody|court|legal advice|indemnif\w+|gdpr|hipaa|defendant|plaintiff|statute|constitutional|prosecut\w+|negligen\w+|felony|jury|hearsay|testimony)\b/,
  },
  {
    tier: 3,
    label: 'high-stakes: financial',
    pattern:
      /\b(invest\w*|portfolio|retirement|401\(?k\)?|mortgage|tax(es|ation| return| deduct\w*)?|loan|securities|stock options?|capital gains|bankrupt\w*|audit\w*|accounting|depreciation|gaap)\b/,
  },
  {
    tier: 3,
    label: 'high-stakes: security',
    pattern:
      /\b(vulnerabilit\w+|exploit\w*|cve-\d+|xss|sql injection|csrf|penetration test\w*|privilege escalation|malware|ransomware|encryption keys?|threat model\w*|attacker|password|authentication)\b/,
  },
  { tier: 2, label: 'code', caseSensitive: true, pattern: /```|\b(def|function|class|import|return|const|public static|SELECT \w+ FROM)\b[^\n]{0,80}[({:;=]/ },
  {
    tier: 2,
    label: 'code task',
    pattern:
      /\b(write|implement|debug|refactor|fix|optimi[sz]e|review)\b[^.?!\n]{0,60}\b(code|function|script|program|class|method|query|regex|algorithm|bug|api|endpoint)s?\b|\b(python|javascript|typescript|java|c\+\+|rust|golang|sql|bash)\b/,
  },
  {
    tier: 2,
    label: 'math',
    pattern:
      /\b(prove|proof|theorem|integral|derivative|equation|solve for|probability|eigen\w*|matrix|lemma|polynomial|calculate|compute)\b|\d\s*[-+*/^=]\s*\d|\$[^$\n]{1,80}\$|\\(frac|sum|int)\b/,
  },
  {
    tier: 2,
    label: 'word problem',
    pattern: /\bhow (many|much|long|far|old)\b[^?]{0,400}\?|\d[^\d]{1,120}\d[^\d]{1,120}\d[^?]{0,200}\?/,
  },
  {
    tier: 2,
    label: 'multi-step reasoning',
    pattern:
      /\b(step[- ]by[- ]step|think carefully|reason(ing)? through|trade-?offs?|pros and cons|compare and contrast|design an?|architect\w*|root cause|analy[sz]e|evaluate|critique|plan for|strategy)\b/,
  },
];

/** Verbs that start a trivial task: extraction, formatting, simple classification. */
const TRIVIAL_TASK =
  /^\s*(please\s+)?(extract|classify|categori[sz]e|label|tag|format|reformat|convert|translate|correct|fix (the )?(spelling|grammar|typos?)|spell[- ]check|capitali[sz]e|summari[sz]e (this|the following) in one (line|sentence)|list the (keywords|entities|names)|is (this|the following) (positive|negative|spam))\b/i;
const SHORT_ANSWER = /\b(yes or no|true or false|one word|single word|only the (label|category|answer)|respond with (only|just))\b/i;
/** Matched against the lower-cased text. */
const LONG_ANSWER =
  /\b(\d{3,5})[- ]words?\b|\b(write|draft|compose|produce)\b[^.?!\n]{0,40}\b(essay|report|article|whitepaper|chapter|detailed (guide|explanation)|comprehensive)\b/;

/** One rule that fired: the tier it asks for, its label (`code`, `high-stakes: medical`, ...) and what it saw. */
export interface RuleFinding {
  readonly tier: Tier;
  readonly label: string;
  readonly reason: string;
}

/**
 * Every rule that fires on a prompt, strongest first: v0's verdict, and
 * classifier v1's signals and floors. The text rules read `text`: by default
 * a short system prompt and the latest human request ({@link requestText}).
 *
 * The output budget a client asks for is not a signal of a long answer:
 * clients send the same large `max_tokens` on every call (Claude Code 128,000,
 * the SDKs' examples 1,024 to 4,096). Only a tiny one is read, as a sign of a
 * one-word answer. In an agent's session (tools offered), long context counts
 * the conversation people and the model wrote, not the tool results and the
 * client's preamble, and an edit to a code file since the request is a floor.
 */
export function ruleFindings({ messages, maxTokens, toolCount = 0 }: PromptView, text = requestText(messages)): RuleFinding[] {
  const latest = latestRequestIndex(messages);
  const tokens = toolCount > 0 ? estimateTokens([{ content: conversationText(messages) }]) : estimateTokens(messages);
  const found: RuleFinding[] = [];
  const add = (tier: Tier, label: string, detail: string) => found.push({ tier, label, reason: `${label} (${detail})` });

  const lower = text.toLowerCase();
  // Lower-casing keeps the length for nearly all text; then a match is quoted as written.
  const quoted = (match: RegExpExecArray, haystack: string) =>
    quote(haystack === lower && lower.length === text.length ? text.slice(match.index, match.index + match[0].length) : match[0]);
  for (const rule of RULES) {
    const haystack = rule.caseSensitive ? text : lower;
    const match = rule.pattern.exec(haystack);
    if (match) add(rule.tier, rule.label, quoted(match, haystack));
  }
  if (tokens > LONG_CONTEXT_TOKENS) add(2, 'long context', `~${tokens} tokens`);
  // An agent's turn: the model must pick a tool and fill its schema, which the trivial tier's models do unreliably.
  if (toolCount > 0) {
    add(1, 'tools offered', String(toolCount));
    const work = workState(messages, latest);
    if (work.editedCode !== undefined) add(2, 'agent editing code', quote(work.editedCode));
    else if (work.toolResults > 0) add(1, 'agent working', `${work.toolResults} tool result${work.toolResults === 1 ? '' : 's'}${work.lastFailed ? ', the last failed' : ''}`);
  }
  const longAnswer = LONG_ANSWER.exec(lower);
  if (longAnswer && (longAnswer[1] === undefined || Number(longAnswer[1]) >= 500)) add(2, 'long output requested', quoted(longAnswer, lower));

  if (found.length > 0) return found.sort((a, b) => b.tier - a.tier);
  if (tokens <= SHORT_PROMPT_TOKENS) {
    const trivial = TRIVIAL_TASK.exec(latestRequest(messages, latest)) ?? SHORT_ANSWER.exec(text);
    if (trivial) return [{ tier: 0, label: 'trivial task', reason: `trivial task (${quote(trivial[0])})` }];
    if (maxTokens !== undefined && maxTokens <= TINY_OUTPUT_TOKENS) {
      return [{ tier: 0, label: 'tiny output requested', reason: `tiny output requested (max_tokens ${maxTokens})` }];
    }
  }
  return [];
}

export const classifyPrompt: PromptClassifier = (view) => {
  const found = ruleFindings(view);
  if (found.length === 0) return { tier: 1, reasons: ['standard request: no complexity or high-stakes signal'] };
  return { tier: found[0]!.tier, reasons: found.map((entry) => entry.reason) };
};

/** Reasons travel in an HTTP header: printable ASCII only, and short. */
function quote(matched: string): string {
  const clean = matched.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return `"${clean.length > 24 ? `${clean.slice(0, 24)}...` : clean}"`;
}

/**
 * Tier classification, v0: deterministic rules over cheap prompt features.
 *
 * Under-routing (a hard request sent to a cheap model) is the costly error,
 * over-routing only costs money, so every rule errs upwards: the tier is the
 * highest any rule asks for. A trained model can replace {@link classifyPrompt}
 * behind the same {@link PromptClassifier} signature.
 */
import type { ChatMessage } from './chat-request';
import type { Tier } from './policy';
import { estimateTokens } from './token-estimate';

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
const LONG_OUTPUT_TOKENS = 2000;
const SHORT_PROMPT_TOKENS = 400;
const TINY_OUTPUT_TOKENS = 16;

interface Rule {
  readonly tier: Tier;
  readonly label: string;
  readonly pattern: RegExp;
}

/** Each rule fires on its first match; the matched words become the reason. */
const RULES: readonly Rule[] = [
  {
    tier: 3,
    label: 'high-stakes: medical',
    pattern:
      /\b(diagnos\w*|symptoms?|dosages?|prescri\w+|medications?|side effects?|contraindicat\w+|overdose|chest pain|pregnan\w+|tumou?r|cancer|insulin|antibiotics?|surgery|patients?|clinical|physician|disease|infection|syndrome|virus|vaccin\w+|artery|blood pressure|mg\/kg)\b/i,
  },
  {
    tier: 3,
    label: 'high-stakes: legal',
    pattern:
      /\b(lawsuit|sue|liabilit\w+|attorney|lawyer|contract clause|breach of contract|tenant|landlord|evict\w*|defamation|copyright infringement|custody|court|legal advice|indemnif\w+|gdpr|hipaa|defendant|plaintiff|statute|constitutional|prosecut\w+|negligen\w+|felony|jury|hearsay|testimony)\b/i,
  },
  {
    tier: 3,
    label: 'high-stakes: financial',
    pattern:
      /\b(invest\w*|portfolio|retirement|401\(?k\)?|mortgage|tax(es|ation| return| deduct\w*)?|loan|securities|stock options?|capital gains|bankrupt\w*|audit\w*|accounting|depreciation|gaap)\b/i,
  },
  {
    tier: 3,
    label: 'high-stakes: security',
    pattern:
      /\b(vulnerabilit\w+|exploit\w*|cve-\d+|xss|sql injection|csrf|penetration test\w*|privilege escalation|malware|ransomware|encryption keys?|threat model\w*|attacker|password|authentication)\b/i,
  },
  { tier: 2, label: 'code', pattern: /```|\b(def|function|class|import|return|const|public static|SELECT \w+ FROM)\b[^\n]{0,80}[({:;=]/ },
  {
    tier: 2,
    label: 'code task',
    pattern:
      /\b(write|implement|debug|refactor|fix|optimi[sz]e|review)\b[^.?!\n]{0,60}\b(code|function|script|program|class|method|query|regex|algorithm|bug|api|endpoint)s?\b|\b(python|javascript|typescript|java|c\+\+|rust|golang|sql|bash)\b/i,
  },
  {
    tier: 2,
    label: 'math',
    pattern:
      /\b(prove|proof|theorem|integral|derivative|equation|solve for|probability|eigen\w*|matrix|lemma|polynomial|calculate|compute)\b|\d\s*[-+*/^=]\s*\d|\$[^$\n]{1,80}\$|\\(frac|sum|int)\b/i,
  },
  {
    tier: 2,
    label: 'word problem',
    pattern: /\bhow (many|much|long|far|old)\b[^?]{0,400}\?|\d[^\d]{1,120}\d[^\d]{1,120}\d[^?]{0,200}\?/i,
  },
  {
    tier: 2,
    label: 'multi-step reasoning',
    pattern:
      /\b(step[- ]by[- ]step|think carefully|reason(ing)? through|trade-?offs?|pros and cons|compare and contrast|design an?|architect\w*|root cause|analy[sz]e|evaluate|critique|plan for|strategy)\b/i,
  },
];

/** Verbs that start a trivial task: extraction, formatting, simple classification. */
const TRIVIAL_TASK =
  /^\s*(please\s+)?(extract|classify|categori[sz]e|label|tag|format|reformat|convert|translate|correct|fix (the )?(spelling|grammar|typos?)|spell[- ]check|capitali[sz]e|summari[sz]e (this|the following) in one (line|sentence)|list the (keywords|entities|names)|is (this|the following) (positive|negative|spam))\b/i;
const SHORT_ANSWER = /\b(yes or no|true or false|one word|single word|only the (label|category|answer)|respond with (only|just))\b/i;
const LONG_ANSWER =
  /\b(\d{3,5})[- ]words?\b|\b(write|draft|compose|produce)\b[^.?!\n]{0,40}\b(essay|report|article|whitepaper|chapter|detailed (guide|explanation)|comprehensive)\b/i;

export const classifyPrompt: PromptClassifier = ({ messages, maxTokens, toolCount = 0 }) => {
  const tokens = estimateTokens(messages);
  const text = scannedText(messages);
  const found: { tier: Tier; reason: string }[] = [];

  for (const rule of RULES) {
    const match = rule.pattern.exec(text);
    if (match) found.push({ tier: rule.tier, reason: `${rule.label} (${quote(match[0])})` });
  }
  if (tokens > LONG_CONTEXT_TOKENS) found.push({ tier: 2, reason: `long context (~${tokens} tokens)` });
  if (maxTokens !== undefined && maxTokens >= LONG_OUTPUT_TOKENS) {
    found.push({ tier: 2, reason: `long output requested (max_tokens ${maxTokens})` });
  }
  // An agent's turn: the model must pick a tool and fill its schema, which the trivial tier's models do unreliably.
  if (toolCount > 0) found.push({ tier: 1, reason: `tools offered (${toolCount})` });
  const longAnswer = LONG_ANSWER.exec(text);
  if (longAnswer && (longAnswer[1] === undefined || Number(longAnswer[1]) >= 500)) {
    found.push({ tier: 2, reason: `long output requested (${quote(longAnswer[0])})` });
  }

  if (found.length > 0) {
    found.sort((a, b) => b.tier - a.tier);
    return { tier: found[0]!.tier, reasons: found.map((entry) => entry.reason) };
  }
  if (tokens <= SHORT_PROMPT_TOKENS) {
    const trivial = TRIVIAL_TASK.exec(lastUserText(messages)) ?? SHORT_ANSWER.exec(text);
    if (trivial) return { tier: 0, reasons: [`trivial task (${quote(trivial[0])})`] };
    if (maxTokens !== undefined && maxTokens <= TINY_OUTPUT_TOKENS) {
      return { tier: 0, reasons: [`tiny output requested (max_tokens ${maxTokens})`] };
    }
  }
  return { tier: 1, reasons: ['standard request: no complexity or high-stakes signal'] };
};

/** System prompts and the latest user turn carry the task; older turns are context. Classifier v1 reads the same. */
export function scannedText(messages: readonly ChatMessage[]): string {
  const parts: string[] = [];
  for (const message of messages) if (message.role === 'system') parts.push(message.content);
  parts.push(lastUserText(messages));
  return parts.join('\n');
}

function lastUserText(messages: readonly ChatMessage[]): string {
  for (let index = messages.length - 1; index >= 0; index -= 1) {
    if (messages[index]!.role === 'user') return messages[index]!.content;
  }
  return '';
}

/** Reasons travel in an HTTP header: printable ASCII only, and short. */
function quote(matched: string): string {
  const clean = matched.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return `"${clean.length > 24 ? `${clean.slice(0, 24)}...` : clean}"`;
}

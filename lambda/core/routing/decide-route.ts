/**
 * Which tier, and which ordered chain of models, serves a request. Signals in
 * order of strength: a model named by id, an explicit tier, a named route, the
 * caller's default, then the prompt classifier (v1 at the policy's or the
 * route's thresholds). Every decision carries reasons.
 */
import { claudeModelFor, claudeNameOfModel, parseClaudeName } from './claude-names';
import type { ChatRequest } from '../model/chat-request';
import { worstCaseAttemptCost, formatUsd } from '../accounting/money';
import { classifyPrompt, type PromptView } from './classifier';
import { isRemoteImage } from '../content/images';
import { CallerError } from '../base/errors';
import type { ClassifierThresholds, ModelSpec, Policy } from '../../policy/policy';
import { TIERS, type Capability, type Tier } from '../../policy/schema';
import { classifyTrained, type TierScores } from './trained-classifier';
import { estimateTokens, maxInputTokens } from './token-estimate';

export type DecisionSource = 'model' | 'explicit' | 'route' | 'caller' | 'classifier';

export interface RoutingSignals {
  /** Value of the `x-switchyard-tier` header. */
  readonly tierHeader: string | undefined;
  /** Value of the `x-switchyard-route` header. */
  readonly routeHeader: string | undefined;
  readonly callerId: string;
}

export interface RoutingDecision {
  /** `null` when the caller named a model: no tier was chosen. */
  readonly tier: Tier | null;
  readonly source: DecisionSource;
  readonly reasons: readonly string[];
  readonly route: string | null;
  /** Candidates in the order they will be tried. */
  readonly chain: readonly ModelSpec[];
  /** A typical count of the prompt's tokens: what context windows are checked against. */
  readonly inputTokenEstimate: number;
  /** A count the prompt cannot exceed: what worst-case costs are priced on. */
  readonly inputTokenBound: number;
  /** The output budget sent to providers (clamped per model on each call). */
  readonly maxTokens: number;
  /** Mark the prompt prefix for caching, on the models that support it: the route's or the tier's setting. */
  readonly cachePrompt: boolean;
  /** Classifier v1's probabilities, when it decided the tier. */
  readonly scores: TierScores | null;
  /** How the session's memory shaped the tier, when the request named a session and the classifier decided. */
  readonly affinity?: Affinity | undefined;
}

/** How affinity shaped a decision, for `/v1/route` and the reasons. */
export interface Affinity {
  readonly session: string;
  readonly from: string;
  /** The tier the session held before this request, if it had one. */
  readonly held: Tier | null;
  /** `kept`: the session's tier decided; `raised`: this request's decision was higher; `new`: the first decision. */
  readonly outcome: 'kept' | 'raised' | 'new';
}

export const VIRTUAL_MODELS = ['auto', 'tier-0', 'tier-1', 'tier-2', 'tier-3'] as const;
const TIER_TEXT = /^[0-3]$/;

export function decideRoute(request: ChatRequest, signals: RoutingSignals, policy: Policy): RoutingDecision {
  const inputTokenEstimate = estimateTokens(request.messages, request.tools);
  const inputTokenBound = maxInputTokens(request.messages, request.tools);
  const maxTokens = request.maxTokens ?? policy.limits.defaultMaxTokens;
  const decide = (tier: Tier | null, source: DecisionSource, reasons: readonly string[], route: string | null = null, scores: TierScores | null = null) => ({
    tier,
    scores,
    source,
    reasons,
    route,
    chain: tier === null ? [] : policy.tiers[tier],
    inputTokenEstimate,
    inputTokenBound,
    maxTokens,
    cachePrompt:
      request.cachePrompt === true || ((route === null ? undefined : policy.routes[route]?.promptCache) ?? (tier !== null && policy.promptCacheTiers.has(tier))),
  });

  const route = signals.routeHeader !== undefined && Object.hasOwn(policy.routes, signals.routeHeader) ? policy.routes[signals.routeHeader] : undefined;
  const model = resolveAlias(request.model, policy, route?.aliases);
  // A Claude name no alias covers names the policy's model of that family and version.
  const claude = policy.models.has(model) || model !== request.model ? undefined : claudeModelFor(model, policy.models.values());
  if (claude) return { ...decide(null, 'model', [claudeReason(request.model, claude)]), chain: [claude] };
  const named = policy.models.get(model);
  if (named?.type === 'embedding') {
    throw new CallerError('invalid_request', `"${quoted(request.model)}" is an embedding model: send it to POST /v1/embeddings, or name a chat model.`, 'model');
  }
  if (named) {
    const reason = model === request.model ? `model "${named.id}" requested by name` : `model "${quoted(request.model)}" is an alias of ${named.id}`;
    return { ...decide(null, 'model', [reason]), chain: [named] };
  }
  if (!(VIRTUAL_MODELS as readonly string[]).includes(model)) {
    const valid = [...VIRTUAL_MODELS, ...policy.models.keys(), ...Object.keys(policy.aliases)].join(', ');
    throw new CallerError(
      'model_not_found',
      `The model "${quoted(request.model)}" does not exist on this gateway. Valid models: ${valid}.`,
      'model',
    );
  }
  if (model !== 'auto') {
    const alias = model === request.model ? '' : ` (alias "${quoted(request.model)}")`;
    return decide(Number(model.slice(-1)) as Tier, 'explicit', [`model "${model}" requested${alias}`]);
  }
  if (signals.tierHeader !== undefined) {
    return decide(parseTier(signals.tierHeader, 'x-switchyard-tier header'), 'explicit', ['x-switchyard-tier header']);
  }
  const metadataTier = request.metadata['tier'];
  if (metadataTier !== undefined) {
    return decide(parseTier(metadataTier, 'metadata.tier'), 'explicit', ['metadata.tier']);
  }
  if (signals.routeHeader !== undefined) {
    const route = Object.hasOwn(policy.routes, signals.routeHeader) ? policy.routes[signals.routeHeader] : undefined;
    if (!route) {
      const names = Object.keys(policy.routes);
      throw new CallerError(
        'invalid_request',
        `The route "${signals.routeHeader}" in x-switchyard-route is not configured. Configured routes: ${names.join(', ') || 'none'}.`,
        'x-switchyard-route',
      );
    }
    if (route.tier !== undefined) return decide(route.tier, 'route', [`route "${signals.routeHeader}"`], signals.routeHeader);
    const verdict = classify(request, policy, route.thresholds);
    return decide(verdict.tier, 'classifier', [`route "${signals.routeHeader}" classifies`, ...verdict.reasons], signals.routeHeader, verdict.scores);
  }
  const caller = Object.hasOwn(policy.callers, signals.callerId) ? policy.callers[signals.callerId] : undefined;
  if (caller) return decide(caller.defaultTier, 'caller', [`default tier of caller ${signals.callerId}`]);
  const verdict = classify(request, policy);
  return decide(verdict.tier, 'classifier', verdict.reasons, null, verdict.scores);
}

/** The policy's classifier on a request: v1 at the policy's thresholds, overridden by a route's; or v0's rules, which give no scores. */
function classify(request: ChatRequest, policy: Policy, routeThresholds: ClassifierThresholds = {}) {
  return classifyWithPolicy({ messages: request.messages, maxTokens: request.maxTokens, toolCount: request.tools.length }, policy, routeThresholds);
}

/** The tier the gateway's classifier gives a prompt under `policy`: what `auto` routes by, and what the cost audit tags with. */
export function classifyWithPolicy(view: PromptView, policy: Pick<Policy, 'classifier'>, routeThresholds: ClassifierThresholds = {}) {
  if (policy.classifier.model === 'rules') return { ...classifyPrompt(view), scores: null };
  return classifyTrained(view, { ...definedOnly(policy.classifier.thresholds), ...definedOnly(routeThresholds) });
}

const definedOnly = (thresholds: ClassifierThresholds) => Object.fromEntries(Object.entries(thresholds).filter(([, value]) => value !== undefined));

function claudeReason(name: string, model: ModelSpec): string {
  const wanted = parseClaudeName(name)!;
  const served = claudeNameOfModel(model)!;
  const exact = wanted.version.length > 0 && wanted.version.join('.') === served.version.join('.');
  return exact
    ? `model "${quoted(name)}" is Claude ${wanted.family} ${served.version.join('.')}: ${model.id}`
    : `model "${quoted(name)}": the newest Claude ${wanted.family} in the policy, ${model.id}`;
}

/**
 * What a model name a client sent stands for: the route's aliases first, then
 * the policy's; in each, an exact alias first, then the longest family pattern
 * that matches. A name no alias covers stands for itself.
 */
export function resolveAlias(name: string, policy: Pick<Policy, 'aliases'>, routeAliases?: Readonly<Record<string, string>>): string {
  for (const aliases of [routeAliases ?? {}, policy.aliases]) {
    if (Object.hasOwn(aliases, name)) return aliases[name]!;
    let best: string | undefined;
    for (const pattern of Object.keys(aliases)) {
      if (pattern.endsWith('*') && name.startsWith(pattern.slice(0, -1)) && (best === undefined || pattern.length > best.length)) best = pattern;
    }
    if (best !== undefined) return aliases[best]!;
  }
  return name;
}

function parseTier(text: string, where: string): Tier {
  const trimmed = text.trim();
  if (!TIER_TEXT.test(trimmed)) {
    throw new CallerError('invalid_request', `The ${where} is "${quoted(text)}"; it must be 0, 1, 2 or 3.`, where);
  }
  return TIERS[Number(trimmed)]!;
}

/** What a caller sent, short enough to quote back in an error. */
function quoted(text: string, limit = 64): string {
  return text.length > limit ? `${text.slice(0, limit)}... (${text.length} characters)` : text;
}

/** Something a request needs of a model, and the parameter that needs it. */
interface Need {
  readonly label: string;
  readonly param: string;
  readonly has: (model: ModelSpec) => boolean;
  readonly fix: string;
}

const needCapability = (capability: Capability, param: string): Need => ({
  label: `the "${capability}" capability`,
  param,
  has: (model) => model.capabilities.has(capability),
  fix: `add "capabilities": ["${capability}"] to a model in the policy that supports it`,
});

/** What the request needs beyond text: JSON output, tools (offered, or in the history), images, images by URL. */
function needsOf(request: Pick<ChatRequest, 'responseFormat' | 'tools' | 'messages'>): Need[] {
  const needs: Need[] = [];
  if (request.responseFormat.type !== 'text') needs.push(needCapability('json', 'response_format'));
  const toolIndex = request.messages.findIndex((message) => message.toolCalls !== undefined || message.toolCallId !== undefined);
  if (request.tools.length > 0 || toolIndex >= 0) needs.push(needCapability('tools', request.tools.length > 0 ? 'tools' : `messages[${toolIndex}]`));
  if (request.responseFormat.type !== 'text' && request.tools.length > 0) {
    needs.push({
      label: 'JSON output and tools in one request (Bedrock makes JSON output with a forced tool of its own)',
      param: 'response_format',
      has: (model) => model.providerKind !== 'bedrock',
      fix: 'send "response_format" and "tools" in separate requests',
    });
  }
  const images = request.messages.flatMap((message, index) =>
    (message.parts ?? []).flatMap((part, partIndex) => (part.type === 'image' ? [{ at: `messages[${index}].content[${partIndex}]`, image: part.image }] : [])),
  );
  if (images.length > 0) needs.push(needCapability('vision', images[0]!.at));
  const remote = images.find(({ image }) => isRemoteImage(image));
  if (remote) {
    needs.push({
      label: 'a provider that fetches image URLs (Bedrock takes image bytes only)',
      param: `${remote.at}.image_url.url`,
      has: (model) => model.providerKind !== 'bedrock',
      fix: 'send the image as a base64 data URL (data:image/png;base64,...) instead',
    });
  }
  return needs;
}

/**
 * Drops the candidates that lack something the request needs (a capability
 * such as tools, vision or JSON output), saying so in the reasons.
 * @throws CallerError (400) naming what is missing when no candidate has it
 */
export function fitCapabilities(decision: RoutingDecision, request: Pick<ChatRequest, 'responseFormat' | 'tools' | 'messages'>): RoutingDecision {
  let fitted = decision;
  for (const need of needsOf(request)) {
    const able = fitted.chain.filter(need.has);
    if (able.length === fitted.chain.length) continue;
    if (able.length === 0) {
      throw new CallerError(
        'unsupported_parameter',
        `"${need.param}" needs a model with ${need.label}, and none of the candidates (${fitted.chain.map((model) => model.id).join(', ')}) ` +
          `has it. Ask for a tier or model that has it, or ${need.fix}.`,
        need.param,
      );
    }
    const skipped = fitted.chain.filter((model) => !able.includes(model)).map((model) => model.id);
    fitted = { ...fitted, chain: able, reasons: [...fitted.reasons, `skipped without ${need.label}: ${skipped.join(', ')}`] };
  }
  return fitted;
}

/**
 * Drops the candidates whose context window cannot hold the prompt, saying so
 * in the reasons, before any is called.
 * @throws CallerError `context_length_exceeded` (400) when no candidate can
 */
export function fitContextWindows(decision: RoutingDecision): RoutingDecision {
  const fits = (model: ModelSpec) => model.contextWindow > decision.inputTokenEstimate;
  if (decision.chain.every(fits)) return decision;
  const chain = decision.chain.filter(fits);
  if (chain.length === 0) {
    const largest = decision.chain.reduce((best, model) => (model.contextWindow > best.contextWindow ? model : best));
    throw new CallerError(
      'context_length_exceeded',
      `The messages come to about ${decision.inputTokenEstimate} tokens; the largest context window among the candidates ` +
        `(${largest.id}) is ${largest.contextWindow} tokens. Shorten the messages, or ask for a tier or model with a larger window.`,
      'messages',
    );
  }
  const skipped = decision.chain.filter((model) => !fits(model)).map((model) => `${model.id} (${model.contextWindow})`);
  return { ...decision, chain, reasons: [...decision.reasons, `skipped for context window under ~${decision.inputTokenEstimate} tokens: ${skipped.join(', ')}`] };
}

/** The body of `POST /route`: the decision, explained, without calling a model. */
export function describeDecision(decision: RoutingDecision) {
  return {
    object: 'switchyard.route',
    tier: decision.tier,
    scores: decision.scores,
    source: decision.source,
    reasons: decision.reasons,
    route: decision.route,
    affinity: decision.affinity ?? null,
    input_tokens_estimate: decision.inputTokenEstimate,
    input_tokens_bound: decision.inputTokenBound,
    max_tokens: decision.maxTokens,
    chain: decision.chain.map((model) => ({
      model: model.id,
      provider: model.provider,
      context_window: model.contextWindow,
      max_output_tokens: model.maxOutputTokens,
      estimated_max_cost_usd: formatUsd(worstCaseAttemptCost(model, decision.inputTokenBound, decision.maxTokens)),
    })),
    estimated_max_cost_usd:
      decision.chain.length > 0 ? formatUsd(worstCaseAttemptCost(decision.chain[0]!, decision.inputTokenBound, decision.maxTokens)) : null,
  };
}

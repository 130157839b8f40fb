/**
 * X-Ray subsegments for AWS SDK calls (Bedrock, DynamoDB, the workflow's
 * StartSyncExecution, Secrets Manager), sent to the X-Ray daemon Lambda runs
 * beside every function with active tracing, under the invocation's segment.
 *
 * Why not the Powertools tracer: it brings aws-xray-sdk-core, which put the
 * router bundle at 1,018,228 bytes, past its 1 MB budget (measured; module
 * init was unchanged). This is the part of it the router needs: one SDK
 * middleware and one UDP datagram per call, about 2 KB of code. Swapping in
 * `tracer.captureAWSv3Client` later is a change to {@link xrayTracingFrom} only.
 *
 * A subsegment spans the call up to its response headers: a Bedrock stream's
 * body is read after that, inside the function's own time. It records the
 * service, operation, Region, request id, status and attempts, never a
 * request or response body, and only an error's name.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { MetadataBearer, MiddlewareStack } from '@smithy/types';

/** The trace the current invocation belongs to, from Lambda's `_X_AMZN_TRACE_ID`. */
export interface TraceContext {
  readonly root: string;
  readonly parent: string;
}

/** `Root=1-…;Parent=…;Sampled=1`; undefined when not sampled or incomplete. */
export function parseTraceHeader(header: string | undefined): TraceContext | undefined {
  if (!header) return undefined;
  const fields = new Map(header.split(';').map((part) => part.split('=', 2) as [string, string]));
  const root = fields.get('Root');
  const parent = fields.get('Parent');
  if (!root || !parent || fields.get('Sampled') !== '1') return undefined;
  return { root, parent };
}

export interface SubsegmentSink {
  send(document: Readonly<Record<string, unknown>>): void;
}

/** The daemon's UDP address from `AWS_XRAY_DAEMON_ADDRESS`: `host:port`, or `tcp:host:port udp:host:port`. */
export function udpSink(address: string): SubsegmentSink {
  const udp = address.split(' ').find((part) => part.startsWith('udp:'))?.slice(4) ?? address;
  const separator = udp.lastIndexOf(':');
  const host = udp.slice(0, separator);
  const port = Number(udp.slice(separator + 1));
  let socket: Socket | undefined;
  return {
    send(document) {
      if (!socket) {
        socket = createSocket('udp4');
        // Never keeps the process alive, and a lost datagram is only a missing subsegment.
        socket.unref();
        socket.on('error', () => undefined);
      }
      socket.send(`{"format":"json","version":1}\n${JSON.stringify(document)}`, port, host);
    },
  };
}

/** The parts of an AWS SDK v3 client the middleware needs. */
interface TraceableClient {
  readonly middlewareStack: Pick<MiddlewareStack<object, MetadataBearer>, 'add'>;
  readonly config: { region: () => Promise<string> | string };
}

type CallMetadata = Partial<MetadataBearer>;

export interface TraceOptions {
  readonly sink: SubsegmentSink;
  /** The invocation's trace header, read when each call starts. */
  readonly traceHeader: () => string | undefined;
  readonly now?: () => number;
}

/** Adds a subsegment per call to `client`; calls outside a sampled trace cost one header parse. */
export function traceAwsClient<C extends TraceableClient>(client: C, options: TraceOptions): C {
  const now = options.now ?? Date.now;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const trace = parseTraceHeader(options.traceHeader());
      if (!trace) return next(args);
      const started = now();
      const emit = async (result: CallMetadata | undefined, error: unknown) => {
        const status = result?.$metadata?.httpStatusCode;
        const name = error instanceof Error ? error.name : undefined;
        const throttled = status === 429 || (name !== undefined && /Throttl|TooManyRequests|ProvisionedThroughputExceeded/.test(name));
        options.sink.send({
          name: (context.clientName ?? 'AWS').replace(/Client$/, ''),
          id: randomBytes(8).toString('hex'),
          trace_id: trace.root,
          parent_id: trace.parent,
          start_time: started / 1000,
          end_time: now() / 1000,
          type: 'subsegment',
          namespace: 'aws',
          aws: {
            operation: (context.commandName ?? 'unknown').replace(/Command$/, ''),
            region: await Promise.resolve(client.config.region()).catch(() => undefined),
            request_id: result?.$metadata?.requestId,
            retries: Math.max(0, (result?.$metadata?.attempts ?? 1) - 1),
          },
          ...(status !== undefined ? { http: { response: { status } } } : {}),
          ...(error === undefined ? {} : { error: throttled || (status !== undefined && status < 500), throttle: throttled, fault: !throttled && (status === undefined || status >= 500) }),
          ...(name !== undefined ? { cause: { exceptions: [{ id: randomBytes(8).toString('hex'), type: name }] } } : {}),
        });
      };
      try {
        const output = await next(args);
        await emit(output.output, undefined).catch(() => undefined);
        return output;
      } catch (error) {
        await emit(error as CallMetadata, error).catch(() => undefined);
        throw error;
      }
    },
    { step: 'initialize', name: 'switchyardXRaySubsegments' },
  );
  return client;
}

/**
 * What the handlers wrap their SDK clients with: subsegments when Lambda runs
 * the X-Ray daemon (active tracing), otherwise nothing at all.
 */
export type AwsClientTracer = <C extends TraceableClient>(client: C) => C;

export function xrayTracingFrom(environment: NodeJS.ProcessEnv): AwsClientTracer {
  const address = environment['AWS_XRAY_DAEMON_ADDRESS'];
  if (!address) return (client) => client;
  const sink = udpSink(address);
  // Lambda rewrites this variable for each invocation; one invocation runs at a time per instance.
  return (client) => traceAwsClient(client, { sink, traceHeader: () => environment['_X_AMZN_TRACE_ID'] });
}

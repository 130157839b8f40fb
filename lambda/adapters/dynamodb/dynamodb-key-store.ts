/**
 * Managed keys in the ledger's table, in one partition (`APIKEY`): a record
 * per key (`KEY#<id>`) and a name claim per live key (`NAME#<name>`), so a
 * name is unique among live keys and a revoked key's name can be used again.
 * The authorizer reads one record by id; `keys list` is one Query. Only the
 * hash of a key is ever written.
 */
import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { ConfigError } from '../../core/base/errors';
import { generateKey, hashKey, KEY_ID_PATTERN, keyLimitsSchema, type KeyLimits, type KeyLimitsRecord, type KeyRecord } from '../../core/features/managed-keys';
import { KEY_BUDGET_ATTRIBUTES, KEY_PREFIXES, LEDGER_KEYS } from './ledger-table';

export interface DynamoKeyStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  readonly now?: () => number;
}

export interface NewKey {
  readonly name: string;
  readonly limits: KeyLimits;
  readonly expiresAt?: number | undefined;
}

/** What `keys create` and `keys rotate` return: the key itself, shown once. */
export interface IssuedKey {
  readonly record: KeyRecord;
  readonly key: string;
}

export interface KeyStore {
  get(id: string): Promise<KeyRecord | undefined>;
  /** Every key, revoked ones too, oldest first. */
  list(): Promise<KeyRecord[]>;
  /** Every key's daily budget and whether it is revoked, and nothing else: never a secret's hash (what the rollup reads). */
  budgets(): Promise<KeyLimitsRecord[]>;
  /** A key by id, or a live key by name. */
  find(idOrName: string): Promise<KeyRecord | undefined>;
  create(key: NewKey): Promise<IssuedKey>;
  /** A new secret for the same id; the old one is accepted for `graceMs` more. */
  rotate(id: string, graceMs: number): Promise<IssuedKey>;
  revoke(id: string): Promise<KeyRecord>;
  /** Replaces the limits, and the expiry when given (`null` clears it). */
  update(id: string, change: { readonly limits?: KeyLimits; readonly expiresAt?: number | null }): Promise<KeyRecord>;
}

const PARTITION = KEY_PREFIXES.apiKey;
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export function createDynamoKeyStore(options: DynamoKeyStoreOptions): KeyStore {
  const { client, tableName } = options;
  const now = options.now ?? Date.now;
  const itemKey = (sortKey: string): Record<string, AttributeValue> => ({
    [LEDGER_KEYS.partitionKey]: { S: PARTITION },
    [LEDGER_KEYS.sortKey]: { S: sortKey },
  });
  const get = async (id: string, consistent = false): Promise<KeyRecord | undefined> => {
    if (!KEY_ID_PATTERN.test(id)) return undefined;
    const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: itemKey(`KEY#${id}`), ConsistentRead: consistent }));
    return Item ? toRecord(Item) : undefined;
  };
  /** Runs a conditional update of a live key; a failed condition says why in words. */
  const updateLive = async (id: string, expression: string, values: Record<string, AttributeValue>, extraCondition = ''): Promise<KeyRecord> => {
    try {
      const { Attributes } = await client.send(
        new UpdateItemCommand({
          TableName: tableName,
          Key: itemKey(`KEY#${id}`),
          UpdateExpression: expression,
          ConditionExpression: `attribute_exists(#pk) AND attribute_not_exists(revokedAt)${extraCondition}`,
          ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
          // DynamoDB refuses an empty map: an expiry cleared on its own has no values.
          ExpressionAttributeValues: Object.keys(values).length > 0 ? values : undefined,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return toRecord(Attributes!);
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      const current = await get(id, true);
      if (current === undefined) throw new ConfigError(`There is no key ${id}.`);
      if (current.revokedAt !== undefined) throw new ConfigError(`The key ${id} (${current.name}) is revoked.`);
      throw new ConfigError(`The key ${id} changed while it was being updated; run the command again.`);
    }
  };

  /** Every `KEY#` record of the keys' partition, read by `read`, and only `attributes` of each when given. */
  const queryKeys = async <T>(read: (item: Record<string, AttributeValue>) => T, attributes?: readonly string[]): Promise<T[]> => {
    const records: T[] = [];
    const names = Object.fromEntries((attributes ?? []).map((name, index) => [`#a${index}`, name]));
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: '#pk = :pk AND begins_with(#sk, :prefix)',
          ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey, '#sk': LEDGER_KEYS.sortKey, ...names },
          ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':prefix': { S: 'KEY#' } },
          ...(attributes ? { ProjectionExpression: Object.keys(names).join(', ') } : {}),
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      // A record that does not parse is left out of the list (the authorizer refuses it when read by id), so one
      // broken record cannot stop the rollup's alerts for every other key.
      for (const item of page.Items ?? []) {
        try {
          records.push(read(item));
        } catch {
          continue;
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return records;
  };

  return {
    get: (id) => get(id),
    async list() {
      return (await queryKeys(toRecord)).sort((a, b) => a.createdAt - b.createdAt);
    },
    budgets: () => queryKeys(toBudget, KEY_BUDGET_ATTRIBUTES),
    async find(idOrName) {
      if (KEY_ID_PATTERN.test(idOrName)) return get(idOrName, true);
      const { Item } = await client.send(new GetItemCommand({ TableName: tableName, Key: itemKey(`NAME#${idOrName}`), ConsistentRead: true }));
      return Item?.['keyId']?.S ? get(Item['keyId'].S, true) : undefined;
    },
    async create({ name, limits, expiresAt }) {
      if (!NAME.test(name) || KEY_ID_PATTERN.test(name)) {
        throw new ConfigError(
          `The key name "${name.slice(0, 64)}" is not valid: use 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit, ` +
            'and not 16 hex digits (that reads as a key id).',
        );
      }
      const taken = () => new ConfigError(`A live key is already named "${name}": pick another name, or revoke that key first.`);
      // A claim left by a key that is gone or revoked (a revoke cut short) may be taken over.
      const { Item: claim } = await client.send(new GetItemCommand({ TableName: tableName, Key: itemKey(`NAME#${name}`), ConsistentRead: true }));
      const staleId = claim?.['keyId']?.S;
      const holder = staleId === undefined ? undefined : await get(staleId, true);
      if (holder !== undefined && holder.revokedAt === undefined) throw taken();
      const { id, key } = generateKey();
      const record: KeyRecord = { id, name, secretHash: hashKey(key), limits, createdAt: now(), expiresAt };
      // The record first, then the name: a create cut short leaves a key nobody holds, never a name nobody can use.
      await client.send(
        new PutItemCommand({
          TableName: tableName,
          Item: { ...itemKey(`KEY#${id}`), ...toItem(record) },
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey },
        }),
      );
      try {
        await client.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...itemKey(`NAME#${name}`), keyId: { S: id } },
            ...(staleId === undefined
              ? { ConditionExpression: 'attribute_not_exists(#pk)', ExpressionAttributeNames: { '#pk': LEDGER_KEYS.partitionKey } }
              : { ConditionExpression: 'keyId = :stale', ExpressionAttributeValues: { ':stale': { S: staleId } } }),
          }),
        );
      } catch (error) {
        // Another create took the name meanwhile: this record is never handed out, so make it inert.
        await updateLive(id, 'SET revokedAt = :at', { ':at': { N: String(now()) } }).catch(() => undefined);
        if (error instanceof ConditionalCheckFailedException) throw taken();
        throw error;
      }
      return { record, key };
    },
    async rotate(id, graceMs) {
      const current = await get(id, true);
      if (current === undefined) throw new ConfigError(`There is no key ${id}.`);
      const { key } = generateKey(id);
      const rotatedAt = now();
      const record = await updateLive(
        id,
        'SET secretHash = :new, previousHash = :old, previousValidUntil = :until, rotatedAt = :at',
        {
          ':new': { S: hashKey(key) },
          ':old': { S: current.secretHash },
          ':until': { N: String(rotatedAt + graceMs) },
          ':at': { N: String(rotatedAt) },
        },
        ' AND secretHash = :old',
      );
      return { record, key };
    },
    async revoke(id) {
      const current = await get(id, true);
      if (current === undefined) throw new ConfigError(`There is no key ${id}.`);
      // Revoking twice is harmless, and frees the name if the first revoke was cut short.
      const record = current.revokedAt !== undefined ? current : await updateLive(id, 'SET revokedAt = :at', { ':at': { N: String(now()) } });
      await client.send(
        new DeleteItemCommand({
          TableName: tableName,
          Key: itemKey(`NAME#${record.name}`),
          ConditionExpression: 'keyId = :id',
          ExpressionAttributeValues: { ':id': { S: id } },
        }),
      ).catch((error: unknown) => {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      });
      return record;
    },
    async update(id, change) {
      const sets: string[] = [];
      const values: Record<string, AttributeValue> = {};
      if (change.limits !== undefined) {
        sets.push('limits = :limits');
        values[':limits'] = { S: JSON.stringify(change.limits) };
      }
      if (typeof change.expiresAt === 'number') {
        sets.push('keyExpiresAt = :expires');
        values[':expires'] = { N: String(change.expiresAt) };
      }
      const remove = change.expiresAt === null ? ' REMOVE keyExpiresAt' : '';
      if (sets.length === 0 && remove === '') throw new ConfigError('Nothing to change: give a new limit or expiry.');
      return updateLive(id, `${sets.length > 0 ? `SET ${sets.join(', ')}` : ''}${remove}`.trim(), values);
    },
  };
}

/** The stored shape. Its expiry is not the table's TTL attribute: an expired key stays listed, and says it expired. */
function toItem(record: KeyRecord): Record<string, AttributeValue> {
  return {
    keyId: { S: record.id },
    name: { S: record.name },
    secretHash: { S: record.secretHash },
    limits: { S: JSON.stringify(record.limits) },
    createdAt: { N: String(record.createdAt) },
    ...(record.expiresAt !== undefined ? { keyExpiresAt: { N: String(record.expiresAt) } } : {}),
  };
}

function toBudget(item: Record<string, AttributeValue>): KeyLimitsRecord {
  const revokedAt = item['revokedAt']?.N;
  return { id: item['keyId']!.S!, limits: keyLimitsSchema.parse(JSON.parse(item['limits']?.S ?? '{}')) as KeyLimits, revokedAt: revokedAt === undefined ? undefined : Number(revokedAt) };
}

function toRecord(item: Record<string, AttributeValue>): KeyRecord {
  const number = (name: string) => (item[name]?.N === undefined ? undefined : Number(item[name].N));
  const previousHash = item['previousHash']?.S;
  return {
    id: item['keyId']!.S!,
    name: item['name']!.S!,
    secretHash: item['secretHash']!.S!,
    previous: previousHash === undefined ? undefined : { secretHash: previousHash, validUntil: number('previousValidUntil')! },
    limits: keyLimitsSchema.parse(JSON.parse(item['limits']?.S ?? '{}')) as KeyLimits,
    createdAt: number('createdAt')!,
    expiresAt: number('keyExpiresAt'),
    revokedAt: number('revokedAt'),
    rotatedAt: number('rotatedAt'),
  };
}

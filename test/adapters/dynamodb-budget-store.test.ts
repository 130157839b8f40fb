/**
 * Budget reservations on DynamoDB, against dynalite: the single conditional
 * ADD that holds a `block` budget's cap, also when requests race.
 */
import { createDynamoBudgetStore } from '../../lambda/adapters/dynamodb/dynamodb-budget-store';
import { ensureLedgerTable, startEmbeddedDynamo, type EmbeddedDynamo } from '../../lambda/local/dynalite';

const TABLE = 'budgets-test';
const DAY = '2026-12-05';

describe('budget store on DynamoDB, against dynalite', () => {
  let dynamo: EmbeddedDynamo;
  const store = () => createDynamoBudgetStore({ client: dynamo.client, tableName: TABLE, cacheMs: 0 });
  beforeAll(async () => {
    dynamo = await startEmbeddedDynamo();
    await ensureLedgerTable(dynamo.client, TABLE);
  });
  afterAll(() => dynamo.close());

  it('refuses a second reservation that would pass the cap, and says what the day already holds', async () => {
    const budgets = store();
    expect(await budgets.reserve('caller:a', DAY, 600n, 1000n)).toEqual({ reserved: true });
    // 600 + 600 would be 1,200 against a cap of 1,000: refused, even though 600 alone fits under the cap.
    expect(await budgets.reserve('caller:a', DAY, 600n, 1000n)).toEqual({ reserved: false, committed: 600n });
    // What fits exactly is granted.
    expect(await budgets.reserve('caller:a', DAY, 400n, 1000n)).toEqual({ reserved: true });
    expect(await budgets.reserve('caller:a', DAY, 1n, 1000n)).toEqual({ reserved: false, committed: 1000n });
    expect((await budgets.spent(['caller:a'], DAY)).get('caller:a')).toBe(1000n);
  });

  it('grants racing reservations only up to the cap, counted once each', async () => {
    const results = await Promise.all(Array.from({ length: 10 }, () => store().reserve('caller:race', DAY, 300n, 1000n)));
    expect(results.filter((result) => result.reserved).length).toBe(3);
    expect((await store().spent(['caller:race'], DAY)).get('caller:race')).toBe(900n);
  });

  it('refuses a single reservation larger than the cap without writing', async () => {
    expect(await store().reserve('caller:big', DAY, 1001n, 1000n)).toEqual({ reserved: false, committed: 0n });
    expect((await store().spent(['caller:big'], DAY)).get('caller:big')).toBe(0n);
  });

  it('settles a reservation down to what was used, which makes room again', async () => {
    const budgets = store();
    await budgets.reserve('caller:settle', DAY, 900n, 1000n);
    await budgets.adjust('caller:settle', DAY, -700n);
    expect(await budgets.reserve('caller:settle', DAY, 800n, 1000n)).toEqual({ reserved: true });
    expect((await budgets.spent(['caller:settle'], DAY)).get('caller:settle')).toBe(1000n);
  });
});

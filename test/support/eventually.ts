/** Retries `check` until it passes or `withinMs` runs out: for what a server does after its answer has gone (an access line). */
export async function eventually(check: () => void | Promise<void>, withinMs = 2000): Promise<void> {
  const until = Date.now() + withinMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > until) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/** Polls `check` every 10 ms until it holds; throws when it still does not after `withinMs`. */
export async function eventually(check: () => boolean, withinMs = 1_000): Promise<void> {
  const deadline = Date.now() + withinMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${withinMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

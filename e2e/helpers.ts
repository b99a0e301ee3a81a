// Browser-test helpers: the demo users of this install (their passwords are in the checkout's
// .data/demo-credentials.json, which the seed in global-setup.ts wrote or kept), signing in
// through the real form, and the check that a page is no wider than its viewport.
import { DEMO_USERS, readDemoSecrets } from "@adclicks/db/seed";
import { expect, type Page } from "@playwright/test";

/** The ops user, or the user of advertiser `adv-a` / `adv-b`, with this install's password. */
export function demoUser(who: "ops" | "adv-a" | "adv-b"): { email: string; password: string } {
  const user = DEMO_USERS.find((u) => (who === "ops" ? u.role === "ops" : u.advertiserId === who));
  const password = user && readDemoSecrets()?.passwords[user.email];
  if (!user || !password) throw new Error(`no demo user ${who} in .data/demo-credentials.json: did global setup run?`);
  return { email: user.email, password };
}

export async function signIn(page: Page, email: string, password: string): Promise<void> {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
}

/** Signs in as a demo user (the password read when called: the seed runs in global setup). */
export function signInAs(page: Page, who: "ops" | "adv-a" | "adv-b"): Promise<void> {
  const { email, password } = demoUser(who);
  return signIn(page, email, password);
}

/** The page is no wider than the viewport (a phone scrolls tables inside their panels, not the page). */
export async function noHorizontalOverflow(page: Page): Promise<void> {
  // The page's own document (no DOM types in this tsconfig: the test code runs in Node). On a
  // failure the message names the innermost elements that reach past the viewport, outside any
  // scroll region (a box whose overflow-x is not visible holds its own overflow).
  const [scroll, client, offenders] = await page.evaluate(() => {
    type El = {
      tagName: string;
      className: unknown;
      parentElement: El | null;
      getBoundingClientRect(): { right: number };
    };
    const g = globalThis as unknown as {
      document: {
        documentElement: { scrollWidth: number; clientWidth: number };
        querySelectorAll(s: string): ArrayLike<El>;
      };
      getComputedStyle(el: El): { overflowX: string };
    };
    const width = g.document.documentElement.clientWidth;
    const contained = (el: El) => {
      for (let p = el.parentElement; p; p = p.parentElement)
        if (g.getComputedStyle(p).overflowX !== "visible") return true;
      return false;
    };
    const wide = Array.from(g.document.querySelectorAll("body *")).filter(
      (el) => el.getBoundingClientRect().right > width + 0.5 && !contained(el),
    );
    const innermost = wide.filter((el) => !wide.some((o) => o !== el && o.parentElement === el));
    return [
      g.document.documentElement.scrollWidth,
      width,
      innermost
        .slice(0, 5)
        .map(
          (el) =>
            `${el.tagName.toLowerCase()}.${String(el.className)} right=${Math.round(el.getBoundingClientRect().right)}`,
        ),
    ] as const;
  });
  expect(scroll, `wider than the viewport: ${offenders.join("; ")}`).toBeLessThanOrEqual(client);
}

// Browser-test helpers: the demo users of this install (their passwords are in the checkout's
// .data/demo-credentials.json, which the seed in global-setup.ts wrote or kept), and signing in
// through the real form.
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

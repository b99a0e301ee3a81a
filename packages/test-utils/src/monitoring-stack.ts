// A private Prometheus and Alertmanager for the alerting tests: the repository's own configs
// (infra/prometheus/*.yml, rendered as scripts/infra.sh renders them) with short scrape and
// evaluation intervals and every rule's `for:` shortened, in a temporary directory, on free
// loopback ports, so a test sees an alert fire in seconds instead of minutes.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { REPO_ROOT } from "./child-processes";
import { freePort } from "./private-servers";

const INFRA = join(REPO_ROOT, "infra/prometheus");

export interface ScrapeTarget {
  job: string;
  port: number;
}

export interface MonitoringStackOptions {
  /** Where Alertmanager sends notifications (omitted: nowhere). */
  webhookUrl?: string;
  /** Every rule's `for:` becomes this (default 5s). */
  forOverride?: string;
  scrapeInterval?: string;
  /** Fixed ports (the e2e web server is told them before the stack starts); free ones otherwise. */
  prometheusPort?: number;
  alertmanagerPort?: number;
}

export interface MonitoringStack {
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** Replaces the scrape targets (Prometheus re-reads them within a second). */
  setTargets(targets: ScrapeTarget[]): Promise<void>;
  /** Firing and pending alerts as Prometheus evaluates them. */
  alerts(): Promise<{ labels: Record<string, string>; state: string }[]>;
  stop(): Promise<void>;
}

/** alerts.yml with every `for:` replaced: thresholds stay those of production. */
export function shortenFor(rules: string, forOverride: string): string {
  return rules.replace(/^(\s+for:\s*)\S+$/gm, `$1${forOverride}`);
}

function fill(template: string, values: Record<string, string>): string {
  return template.replace(/@([A-Z_]+)@/g, (m, name: string) => values[name] ?? m);
}

export async function startMonitoringStack(opts: MonitoringStackOptions = {}): Promise<MonitoringStack> {
  const dir = await mkdtemp(join(tmpdir(), "adclicks-prom-"));
  const [promPort, amPort] = [opts.prometheusPort ?? (await freePort()), opts.alertmanagerPort ?? (await freePort())];
  const interval = opts.scrapeInterval ?? "1s";
  const targetsDir = join(dir, "targets");
  await mkdir(targetsDir);
  await writeFile(
    join(dir, "alerts.yml"),
    shortenFor(await readFile(join(INFRA, "alerts.yml"), "utf8"), opts.forOverride ?? "5s"),
  );
  await writeFile(
    join(dir, "prometheus.yml"),
    fill(await readFile(join(INFRA, "prometheus.yml"), "utf8"), {
      SCRAPE_INTERVAL: interval,
      SCRAPE_TIMEOUT: interval,
      EVALUATION_INTERVAL: interval,
      RULES: join(dir, "alerts.yml"),
      ALERTMANAGER: `127.0.0.1:${amPort}`,
      TARGETS_DIR: targetsDir,
      PROMETHEUS: `127.0.0.1:${promPort}`,
    }),
  );
  let am = await readFile(join(INFRA, "alertmanager.yml"), "utf8");
  if (!opts.webhookUrl) am = am.replace(/ *# webhook-begin[\s\S]*# webhook-end\n/, "");
  await writeFile(
    join(dir, "alertmanager.yml"),
    fill(am, { WEBHOOK_URL: opts.webhookUrl ?? "", GROUP_WAIT: "1s", GROUP_INTERVAL: "2s" }),
  );
  const setTargets = async (targets: ScrapeTarget[]) => {
    const sd = targets.map((t) => ({ targets: [`127.0.0.1:${t.port}`], labels: { job: t.job } }));
    // Renamed into place: Prometheus never reads a half-written file.
    await writeFile(join(targetsDir, "adclicks.json.part"), JSON.stringify(sd));
    await rename(join(targetsDir, "adclicks.json.part"), join(targetsDir, "adclicks.json"));
  };
  await setTargets([]);
  const children: ChildProcess[] = [
    spawn(
      "prometheus-alertmanager",
      [
        `--config.file=${join(dir, "alertmanager.yml")}`,
        `--storage.path=${join(dir, "am")}`,
        `--web.listen-address=127.0.0.1:${amPort}`,
        "--cluster.listen-address=",
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
    spawn(
      "prometheus",
      [
        `--config.file=${join(dir, "prometheus.yml")}`,
        `--storage.tsdb.path=${join(dir, "data")}`,
        `--web.listen-address=127.0.0.1:${promPort}`,
        "--log.level=warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  ];
  const prometheusUrl = `http://127.0.0.1:${promPort}`;
  const alertmanagerUrl = `http://127.0.0.1:${amPort}`;
  const stop = async () => {
    for (const c of children) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.once("exit", r)) : null)));
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  for (const url of [`${prometheusUrl}/-/ready`, `${alertmanagerUrl}/-/ready`]) {
    for (;;) {
      const ok = await fetch(url).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline) {
        await stop();
        throw new Error(
          `${url} did not get ready within 30 s (are prometheus and prometheus-alertmanager installed? scripts/infra.sh installs them)`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return {
    prometheusUrl,
    alertmanagerUrl,
    setTargets,
    async alerts() {
      const body = (await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as {
        data: { alerts: { labels: Record<string, string>; state: string }[] };
      };
      return body.data.alerts;
    },
    stop,
  };
}

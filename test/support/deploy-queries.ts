// The PromQL that ships in deploy/ (alert rules, Grafana dashboard) and the metric names each query
// reads, found by Prometheus' own PromQL grammar (@prometheus-io/lezer-promql), not by regex.
import { readFileSync } from 'node:fs';
import { parser } from '@prometheus-io/lezer-promql';
import { parse as parseYaml } from 'yaml';

export const ALERTS_FILE = 'deploy/prometheus/alerts.yml';
export const ALERT_TESTS_FILE = 'deploy/prometheus/alerts.test.yml';
export const DASHBOARD_FILE = 'deploy/grafana/intercom-pg-sync.json';

export interface AlertRule {
  readonly alert: string;
  readonly expr: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

export interface ShippedQuery {
  /** Where it is: `alert X` or `panel "Title"`. */
  readonly where: string;
  readonly expr: string;
}

export function alertRules(): AlertRule[] {
  const doc = parseYaml(readFileSync(ALERTS_FILE, 'utf8')) as { groups: { rules: AlertRule[] }[] };
  return doc.groups.flatMap((g) => g.rules);
}

export interface Panel {
  readonly id: number;
  readonly type: string;
  readonly title: string;
  readonly targets?: readonly { expr: string }[];
  readonly panels?: readonly Panel[];
}

export interface Dashboard {
  readonly title: string;
  readonly __inputs: readonly { type: string; pluginId: string }[];
  readonly panels: readonly Panel[];
}

export function dashboard(): Dashboard {
  return JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8')) as Dashboard;
}

/** Every query in the rules and the dashboard. */
export function shippedQueries(): ShippedQuery[] {
  const panels = dashboard().panels.flatMap((p) => [p, ...(p.panels ?? [])]);
  return [
    ...alertRules().map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })),
    ...panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
  ];
}

/** Grafana's interval variables stand for a duration; the grammar needs one. */
const grafanaVariables = (expr: string) => expr.replaceAll(/\$__(rate_)?interval\b|\$__range\b/g, '5m');

/**
 * The metric names a query selects, and the syntax errors the grammar found (empty when it parses).
 * @example metricNames('rate(x_total[5m])') // { names: ['x_total'], errors: [] }
 */
export function metricNames(expr: string): { names: string[]; errors: string[] } {
  const text = grafanaVariables(expr);
  const names: string[] = [];
  const errors: string[] = [];
  parser.parse(text).iterate({
    enter(node) {
      if (node.type.isError)
        errors.push(`syntax error at ${node.from}: "${text.slice(node.from, node.from + 20)}"`);
      if (node.name === 'VectorSelector') {
        const identifier = node.node.getChild('Identifier');
        if (identifier) names.push(text.slice(identifier.from, identifier.to));
      }
    },
  });
  return { names, errors };
}

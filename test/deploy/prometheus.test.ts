// The alert rules and dashboard in deploy/ are ready to import: promtool accepts the rules, their
// unit tests (deploy/prometheus/alerts.test.yml) pass and cover every alert, each alert has a runbook
// entry, and every query in them is valid PromQL. (That the metrics they read exist is checked
// against a running daemon in test/workers/daemon-metrics.test.ts.)
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import GithubSlugger from 'github-slugger';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  ALERT_TESTS_FILE,
  ALERTS_FILE,
  alertRules,
  dashboard,
  metricNames,
  shippedQueries,
} from '../support/deploy-queries.js';
import { promtool } from '../support/promtool.js';

describe('deploy/prometheus', () => {
  it('promtool check rules accepts the alert rules', async () => {
    const result = await promtool(['check', 'rules', ALERTS_FILE]);
    expect(result.stdout + result.stderr).toContain(`SUCCESS: ${alertRules().length} rules found`);
    expect(result.code).toBe(0);
  });

  it('promtool test rules: every alert fires on its sample series and stays quiet on healthy ones', async () => {
    const result = await promtool(['test', 'rules', ALERT_TESTS_FILE]);
    expect(result.stdout + result.stderr).toContain('SUCCESS');
    expect(result.code).toBe(0);
    const tests = (
      parseYaml(readFileSync(ALERT_TESTS_FILE, 'utf8')) as {
        tests: { alert_rule_test: { alertname: string; exp_alerts: unknown[] }[] }[];
      }
    ).tests.flatMap((t) => t.alert_rule_test);
    for (const { alert } of alertRules()) {
      const cases = tests.filter((c) => c.alertname === alert);
      expect(
        cases.some((c) => c.exp_alerts.length > 0),
        `${alert} has a firing case`,
      ).toBe(true);
      expect(
        cases.some((c) => c.exp_alerts.length === 0),
        `${alert} has a quiet case`,
      ).toBe(true);
    }
  });

  it('promtool test rules fails when an alert does not fire as its test expects', async () => {
    // The unit tests can fail: a test file expecting an alert the series cannot raise is refused.
    const dir = mkdtempSync(join(tmpdir(), 'alerts-'));
    copyFileSync(ALERTS_FILE, join(dir, 'alerts.yml'));
    writeFileSync(
      join(dir, 'wrong.test.yml'),
      [
        'rule_files: [alerts.yml]',
        'tests:',
        '  - interval: 1m',
        '    input_series:',
        "      - { series: 'intercom_sync_conflicts_open', values: '0x90' }",
        '    alert_rule_test:',
        '      - { eval_time: 70m, alertname: IntercomSyncConflictsOpen, exp_alerts: [{ exp_labels: { severity: info } }] }',
      ].join('\n'),
    );
    const result = await promtool(['test', 'rules', join(dir, 'wrong.test.yml')]);
    expect(result.code).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('FAILED');
  });

  it('every alert has a severity, a summary and a runbook entry in docs/runbook.md', () => {
    const runbook = readFileSync('docs/runbook.md', 'utf8');
    const slugger = new GithubSlugger();
    const anchors = new Set(
      [...runbook.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slugger.slug(m[1]!.replace(/`/g, ''))),
    );
    for (const rule of alertRules()) {
      expect(['critical', 'warning', 'info'], rule.alert).toContain(rule.labels.severity);
      expect(rule.annotations.summary, rule.alert).toBeTruthy();
      const url = rule.annotations.runbook_url ?? '';
      expect(url, rule.alert).toBe(`docs/runbook.md#${rule.alert.toLowerCase()}`);
      expect(anchors.has(rule.alert.toLowerCase()), `docs/runbook.md has a section ${rule.alert}`).toBe(true);
      // The entry names the command that fixes it.
      const section = runbook.split(/^### /m).find((s) => s.startsWith(rule.alert)) ?? '';
      expect(section, `${rule.alert}'s runbook entry names a command`).toMatch(/`intercom-pg-sync [a-z]/);
    }
  });
});

describe('deploy/grafana', () => {
  it('the dashboard imports into Grafana: a datasource input, unique panel ids, valid PromQL', () => {
    const board = dashboard();
    expect(board.__inputs).toContainEqual(
      expect.objectContaining({ type: 'datasource', pluginId: 'prometheus' }),
    );
    const ids = board.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(board.panels.filter((p) => p.type !== 'row').length).toBeGreaterThan(20);
    for (const query of shippedQueries()) {
      const { names, errors } = metricNames(query.expr);
      expect(errors, `${query.where}: ${query.expr}`).toEqual([]);
      expect(names.length, `${query.where} reads a metric`).toBeGreaterThan(0);
    }
  });

  it('the PromQL reader sees through functions and aggregations, and reports bad syntax', () => {
    expect(
      metricNames('histogram_quantile(0.9, sum by (le) (rate(a_bucket[$__rate_interval]))) / b'),
    ).toEqual({
      names: ['a_bucket', 'b'],
      errors: [],
    });
    expect(metricNames('sum(rate(a_total[5m])').errors).not.toEqual([]);
  });
});

// Runs kubeconform -strict over a YAML stream against local schemas only (no network: no `default` location).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { SCHEMA_LOCATION_TEMPLATE } from './schemas.ts';

export interface KubeconformResult {
  valid: number;
  /** "Kind name: message" for every resource that failed or had no schema. */
  problems: string[];
}

interface Report {
  resources?: { filename: string; kind: string; name: string; status: string; msg: string }[];
  summary: { valid: number; invalid: number; errors: number; skipped: number };
}

export function kubeconform(bin: string, schemaDir: string, yamlText: string, skipKinds: string[] = []): Promise<KubeconformResult> {
  const args = ['-strict', '-summary', '-output', 'json', '-schema-location', join(schemaDir, SCHEMA_LOCATION_TEMPLATE)];
  if (skipKinds.length) args.push('-skip', skipKinds.join(','));
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [...args, '-'], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      let report: Report;
      try {
        report = JSON.parse(stdout) as Report;
      } catch {
        return reject(new Error(`kubeconform gave no report (${err?.message ?? 'no error'}): ${stderr}`));
      }
      const problems = (report.resources ?? [])
        .filter((r) => r.status !== 'statusValid' && r.status !== 'statusSkipped')
        .map((r) => `${r.kind} ${r.name}: ${r.status} ${r.msg}`);
      resolve({ valid: report.summary.valid, problems });
    });
    child.stdin?.end(yamlText);
  });
}

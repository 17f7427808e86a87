/**
 * Writes every artefact a run asked for (`report.json`, `--junit FILE`, `--html DIR`). All are
 * rendered, validated and checked for planted secrets before the first byte is written, so a
 * run leaves either all of its artefacts or none (E2EE-CONF-200, E2EE-CONF-230).
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Report } from './types.js';
import { renderJsonReport } from './json.js';
import { renderJunit } from './junit.js';
import { loadRequirementTexts, renderHtml, type RequirementText } from './html.js';

export interface ReportTargets {
  /** Path of report.json. */
  json?: string;
  /** Path of the JUnit XML file. */
  junit?: string;
  /** Folder of the HTML report (index.html is written into it). */
  html?: string;
}

/** The files written, by kind. */
export type WrittenReports = ReportTargets;

/**
 * Renders and writes the requested artefacts.
 * @param secrets everything the run planted (passwords, mnemonic words, key blobs)
 * @throws Error (a harness bug) when the report does not validate or a secret occurs; then
 *   nothing is written
 */
export function writeReports(
  report: Report,
  targets: ReportTargets,
  secrets: readonly string[],
  texts?: readonly RequirementText[],
): WrittenReports {
  const json = targets.json !== undefined ? renderJsonReport(report, secrets) : undefined;
  const junit = targets.junit !== undefined ? renderJunit(report, secrets) : undefined;
  const html =
    targets.html !== undefined
      ? renderHtml(report, texts ?? loadRequirementTexts(), secrets)
      : undefined;
  const written: WrittenReports = {};
  if (json !== undefined && targets.json !== undefined) {
    writeFileSync(targets.json, json);
    written.json = targets.json;
  }
  if (junit !== undefined && targets.junit !== undefined) {
    writeFileSync(targets.junit, junit);
    written.junit = targets.junit;
  }
  if (html !== undefined && targets.html !== undefined) {
    mkdirSync(targets.html, { recursive: true });
    written.html = join(targets.html, 'index.html');
    writeFileSync(written.html, html);
  }
  return written;
}

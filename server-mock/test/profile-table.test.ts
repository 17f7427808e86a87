/**
 * The profile table in spec/10-server-api.md §2.1 is the one the server's data generates.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  TABLE_BEGIN,
  TABLE_END,
  differingFailures,
  profileTableMarkdown,
  replaceProfileTable,
} from '../src/profile-table.js';
import { FAILURES } from '../src/e2ee/profiles.js';

const spec = readFileSync(new URL('../../spec/10-server-api.md', import.meta.url), 'utf8');

describe('the generated profile table (spec/10 §2.1)', () => {
  it('E2EE-CONF-520: the spec holds exactly the table the server data generates', () => {
    const begin = spec.indexOf(TABLE_BEGIN);
    const end = spec.indexOf(TABLE_END);
    expect(begin).toBeGreaterThan(0);
    expect(spec.slice(begin, end + TABLE_END.length)).toBe(profileTableMarkdown());
    expect(replaceProfileTable(spec)).toBe(spec);
  });

  it('E2EE-CONF-520: a table edited by hand is found and replaced', () => {
    const row = '| `UNLOCK_NOT_LOCKED` (`NOT_FOUND`) | 404 | 403 |';
    expect(spec).toContain(row);
    const edited = spec.replace(row, '| `UNLOCK_NOT_LOCKED` (`NOT_FOUND`) | 404 | 404 |');
    expect(edited).not.toBe(spec);
    expect(replaceProfileTable(edited)).toBe(spec);
    expect(() => replaceProfileTable(spec.replace(TABLE_END, ''))).toThrow(/markers/);
  });

  it('E2EE-CONF-520: lists every situation whose status differs between profiles, and only those', () => {
    const rows = differingFailures();
    for (const [kind, f] of Object.entries(FAILURES)) {
      const differs = new Set(f.status).size > 1;
      expect(rows.includes(kind as keyof typeof FAILURES), kind).toBe(differs);
    }
    expect(rows).toContain('UNLOCK_NOT_LOCKED');
    expect(rows).toContain('LOCK_NOT_ENCRYPTED');
    expect(profileTableMarkdown()).toContain(
      '| `LOCK_NOT_ENCRYPTED` (`FORBIDDEN`) | not refused | 403 |',
    );
  });
});

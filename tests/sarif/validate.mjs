// Checks `djreview check --format sarif` against the SARIF 2.1.0 JSON schema (the copy shipped in
// @microsoft/jest-sarif, validated with ajv 6) and checks that the log says something: rules, results,
// every result tied to a declared rule and to a line of a file.
//
//   node tests/sarif/validate.mjs [path/to/djreview]     (default: target/debug/djreview)
//
// Inputs: the engine's fixture folder as it is on disk, a few fixture files named one by one, standard
// input, and every fixture expanded into the small project it describes (sections start with
// `# === path`, as crates/engine/tests/fixtures.rs reads them), which brings in migrations, templates,
// EXPLAIN plans and diffs. Exits 1 with the schema errors or the failed checks, 2 on a usage problem.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'crates/engine/tests/fixtures');
const schemaPath = path.join(root, 'node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
const bin = path.resolve(process.argv[2] ?? path.join(root, 'target/debug/djreview'));

if (!fs.existsSync(bin)) {
  console.error(`no djreview binary at ${bin}: run \`cargo build -p djreview-cli\` or pass its path`);
  process.exit(2);
}
if (!fs.existsSync(schemaPath)) {
  console.error(`no SARIF schema at ${schemaPath}: run \`npm ci\``);
  process.exit(2);
}

// The schema is draft-04 (it uses `id`), so ajv 6 needs the draft-04 meta-schema and `schemaId: 'auto'`.
const Ajv = require('ajv');
const ajv = new Ajv({ schemaId: 'auto', allErrors: true, format: 'full', jsonPointers: true });
ajv.addMetaSchema(require('ajv/lib/refs/json-schema-draft-04.json'));
const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaPath, 'utf8')));

/** Runs the CLI; returns the parsed SARIF log or throws with what went wrong. */
function runSarif(args, { cwd = root, input } = {}) {
  const r = spawnSync(bin, ['check', '--format', 'sarif', '--fail-on', 'never', ...args], {
    cwd,
    input,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`exit status ${r.status}\n${r.stderr}`);
  try {
    return JSON.parse(r.stdout);
  } catch (e) {
    throw new Error(`the output is not JSON (${e.message}):\n${r.stdout.slice(0, 500)}`);
  }
}

/** The value at a JSON pointer, shortened for an error message. */
function at(log, pointer) {
  let v = log;
  for (const key of pointer.split('/').slice(1)) {
    v = v?.[key.replace(/~1/g, '/').replace(/~0/g, '~')];
  }
  const s = JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > 160 ? `${s.slice(0, 160)}…` : s;
}

/** Schema errors and content problems of one log; `expect` lists rule ids that must have results. */
function problems(log, expect = []) {
  const out = [];
  if (!validate(log)) {
    for (const e of validate.errors.slice(0, 25)) {
      out.push(`schema: ${e.dataPath || '/'} ${e.message} ${JSON.stringify(e.params)} (value: ${at(log, e.dataPath)})`);
    }
    if (validate.errors.length > 25) out.push(`schema: … and ${validate.errors.length - 25} more errors`);
  }
  if (log?.version !== '2.1.0') out.push(`version is ${JSON.stringify(log?.version)}, not "2.1.0"`);
  const run = log?.runs?.[0];
  if (!run) return [...out, 'runs[0] is missing'];
  const rules = run.tool?.driver?.rules ?? [];
  if (rules.length === 0) out.push('runs[0].tool.driver.rules is empty');
  const ids = rules.map((r) => r.id);
  const dup = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (dup.length) out.push(`rule ids declared twice: ${[...new Set(dup)].join(', ')}`);
  const results = run.results ?? [];
  if (results.length === 0) out.push('runs[0].results is empty');
  results.forEach((r, i) => {
    const where = `results[${i}] (${r.ruleId})`;
    if (!ids.includes(r.ruleId)) out.push(`${where}: ruleId is not among the driver's rules`);
    if (r.ruleIndex !== undefined && rules[r.ruleIndex]?.id !== r.ruleId) {
      out.push(`${where}: ruleIndex ${r.ruleIndex} points at ${rules[r.ruleIndex]?.id}`);
    }
    if (!r.message?.text) out.push(`${where}: no message text`);
    const loc = r.locations?.[0]?.physicalLocation;
    if (!loc) {
      out.push(`${where}: no physicalLocation`);
      return;
    }
    if (!loc.artifactLocation?.uri) out.push(`${where}: no artifactLocation.uri`);
    const g = loc.region ?? {};
    if (!(Number.isInteger(g.startLine) && g.startLine >= 1)) {
      out.push(`${where}: region.startLine is ${JSON.stringify(g.startLine)}`);
    }
    if (g.endLine !== undefined && g.endLine < g.startLine) {
      out.push(`${where}: region ends on line ${g.endLine}, before it starts (${g.startLine})`);
    }
    if ((g.endLine ?? g.startLine) === g.startLine && g.endColumn !== undefined && g.endColumn < (g.startColumn ?? 1)) {
      out.push(`${where}: region ends at column ${g.endColumn}, before it starts (${g.startColumn})`);
    }
  });
  const found = new Set(results.map((r) => r.ruleId));
  for (const id of expect) {
    if (!found.has(id)) out.push(`no result for ${id}`);
  }
  return out;
}

/** Writes a fixture's sections as files under `dir`; returns their relative paths. */
function expandFixture(file, dir) {
  const sections = [];
  for (const line of fs.readFileSync(file, 'utf8').split(/(?<=\n)/)) {
    if (line.startsWith('# === ')) {
      sections.push({ path: line.slice(6).trim(), text: '' });
    } else if (sections.length) {
      sections[sections.length - 1].text += line;
    } else {
      sections.push({ path: 'fixture.py', text: line });
    }
  }
  for (const s of sections) {
    const target = path.resolve(dir, s.path);
    if (!target.startsWith(dir + path.sep)) throw new Error(`${file}: section path ${s.path} leaves the project`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, s.text);
  }
  return sections.map((s) => s.path);
}

const cases = [
  { name: 'the fixture folder', args: [fixtures] },
  // Named alone, a fixture file is one Python file, diff or settings module.
  ...[
    ['QRY101_fk_access_in_loop.py', 'QRY101'],
    ['QRY101_in_a_diff.diff', 'MIG101'],
    ['CEL101_task_dispatch_in_transaction.py', 'CEL101'],
    ['SYN004_unreadable_diff.diff', 'SYN004'],
  ].map(([file, code]) => ({ name: file, args: [path.join(fixtures, file)], expect: [code] })),
  {
    name: 'standard input',
    args: ['-'],
    input: 'def broken(:\n    pass\n',
    expect: ['SYN001'],
  },
];

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'djreview-sarif-'));
const seen = new Set();
let failed = 0;
let checked = 0;
try {
  for (const file of fs.readdirSync(fixtures).sort()) {
    const dir = path.join(scratch, file.replace(/\.[^.]+$/, ''));
    fs.mkdirSync(dir);
    const files = expandFixture(path.join(fixtures, file), dir);
    cases.push({ name: `${file} as a project`, args: files, cwd: dir, expect: [file.slice(0, 6)] });
  }
  for (const c of cases) {
    let out;
    try {
      const log = runSarif(c.args, { cwd: c.cwd, input: c.input });
      out = problems(log, c.expect);
      for (const r of log.runs?.[0]?.results ?? []) seen.add(r.ruleId);
    } catch (e) {
      out = [`djreview failed: ${e.message}`];
    }
    checked += 1;
    if (out.length) {
      failed += 1;
      const shown = out.slice(0, 40).map((p) => `  ${p}`);
      if (out.length > 40) shown.push(`  … and ${out.length - 40} more`);
      console.error(`FAIL ${c.name}\n${shown.join('\n')}`);
    }
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}

console.log(`SARIF: ${checked} logs checked against SARIF 2.1.0, results for ${seen.size} rules`);
console.log(`${checked - failed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);

// bench/evidence's verifier process: verifies one package and reports its resident size after
// its modules are loaded and its peak (getrusage maxrss), in MiB, as JSON.
import { verifyEvidencePackage } from '../../src/evidence';

const file = process.argv[2]!;
const baselineMib = process.memoryUsage().rss / 2 ** 20;
const started = process.hrtime.bigint();
const verdict = await verifyEvidencePackage(file);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const peakMib = process.resourceUsage().maxRSS / 1024;
const failed = verdict.parts.filter((p) => !p.ok).map((p) => `${p.path}: ${p.message}`);
console.log(JSON.stringify({ ok: verdict.ok, failed, baselineMib, peakMib, seconds }));

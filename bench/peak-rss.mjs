// Runs the conveyor CLI with this process's arguments and, when it exits, writes its peak
// resident memory (KiB, getrusage's maxRSS) to the file $PEAK_RSS_FILE names.
import { writeFileSync } from 'node:fs';

process.on('exit', () => writeFileSync(process.env.PEAK_RSS_FILE, String(process.resourceUsage().maxRSS)));
await import('../scripts/conveyor.mjs');
